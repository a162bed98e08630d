import { RefusalError, refuse } from '../../src/domain/refusal';
import { StaffError } from '../../src/domain/staff/staff.service';
import { isOpenStatus, OPEN_STATUSES, REGION_CODE_RE } from '../../src/domain/vocabulary';
import { httpErrorOf } from '../../src/http/http-error';

describe('one refusal idiom, one table of HTTP statuses', () => {
  test.each([
    ['NOT_FOUND', 404],
    ['FORBIDDEN', 403],
    ['OUT_OF_SCOPE', 403],
    ['VERSION_CONFLICT', 409],
    ['ALREADY_CLOSED', 409],
    ['CHECKS_FAILED', 422],
    ['VALIDATION_FAILED', 400],
    ['SOMETHING_NEW', 400],
  ])('%s answers %i', (code, status) => {
    expect(httpErrorOf(refuse(code, 'why'))).toMatchObject({ status, code, message: 'why' });
  });

  it("uses the caller's message when the refusal has none, and keeps the details", () => {
    expect(httpErrorOf(refuse('INVALID_STATE', undefined, { status: 'DONE' }), 'Not possible now.')).toMatchObject({
      status: 409,
      message: 'Not possible now.',
      details: { status: 'DONE' },
    });
  });

  it('a thrown refusal (StaffError is one) carries its code', () => {
    const e = new StaffError('USERNAME_TAKEN', 'Username x is already taken.');
    expect(e).toBeInstanceOf(RefusalError);
    expect(httpErrorOf(e)).toMatchObject({ status: 409, code: 'USERNAME_TAKEN', message: 'Username x is already taken.' });
  });
});

describe('vocabulary', () => {
  it('open change requests are the pending and the waiting ones', () => {
    expect(OPEN_STATUSES).toEqual(['PENDING', 'NEEDS_INFO']);
    expect(['PENDING', 'NEEDS_INFO', 'APPROVED', 'REJECTED'].filter((s) => isOpenStatus(s as never))).toEqual(['PENDING', 'NEEDS_INFO']);
  });

  it('a region code has 6, 9 or 12 digits', () => {
    expect(['530102', '530102001', '530102001001', '5301', '5301020011', ''].map((c) => REGION_CODE_RE.test(c))).toEqual([true, true, true, false, false, false]);
  });
});
