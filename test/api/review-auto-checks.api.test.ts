import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Automatic checks on field changes.
 */

const { prisma, http, reviewer, newPerson, fieldChange } = useReviewApp();

describe('automatic checks on field changes', () => {
  it('flags a sex change that contradicts the ID number, other open requests, duplicate insurance and regions outside the area', async () => {
    const p = await newPerson({ employmentStatus: 'FARMING', enrolments: { create: [{ insuranceType: '390', status: 'PAYING' }, { insuranceType: '170', status: 'PAYING' }] } });
    const sex = await fieldChange(p, 'sex', 'MALE', 'FEMALE');
    const sexAgain = await fieldChange(p, 'sex', 'MALE', 'FEMALE');
    const work = await fieldChange(p, 'employmentStatus', 'FARMING', 'EMPLOYED');
    const move = await fieldChange(p, 'residenceRegion', '530102', '530302');
    const nowhere = await fieldChange(p, 'hukouRegion', '530102', '539999');
    const checksOf = async (id: string) => (await http().get(`/api/review/requests/${id}`).set(reviewer.auth).expect(200)).body.checks as unknown[];

    const s = await checksOf(sex.id);
    expect(s).toContainEqual({ code: 'SEX_MISMATCH', severity: 'warning', field: 'sex', params: { fromIdNumber: 'MALE' } });
    expect(s).toContainEqual({ code: 'OTHER_OPEN_REQUEST_SAME_FIELD', severity: 'warning', params: { reference: sexAgain.reference, fields: 'sex' } });
    expect(s).toContainEqual({ code: 'OTHER_OPEN_REQUEST', severity: 'warning', params: { reference: work.reference, fields: 'employmentStatus' } });
    const w = await checksOf(work.id);
    expect(w).toContainEqual({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '390' } });
    expect(w).toContainEqual({ code: 'DUPLICATE_PENSION', severity: 'warning', field: 'employmentStatus', params: { reason: 'employee_insurance', paying: '170' } });
    expect(await checksOf(move.id)).toContainEqual({ code: 'REGION_OUT_OF_SCOPE', severity: 'warning', field: 'residenceRegion', params: { region: '530302' } });
    expect(await checksOf(nowhere.id)).toContainEqual({ code: 'UNKNOWN_REGION', severity: 'error', field: 'hukouRegion', params: { region: '539999' } });

    // Approving the move puts the person under the new residence region.
    await http().post(`/api/review/requests/${move.id}/approve`).set(reviewer.auth).send({ version: 0 }).expect(200);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).regionCode).toBe('530302');
  });

  it('flags duplicate enrolment when a new ID number belongs to a record with its own insurance', async () => {
    const p = await newPerson({ enrolments: { create: [{ insuranceType: '390', status: 'PAYING' }] } });
    const other = await newPerson({ enrolments: { create: [{ insuranceType: '310', status: 'PAYING' }] } });
    const r = await fieldChange(p, 'idNumber', p.idNumber, other.idNumber);
    const checks = (await http().get(`/api/review/requests/${r.id}`).set(reviewer.auth).expect(200)).body.checks;
    expect(checks).toContainEqual({ code: 'ID_NUMBER_TAKEN', severity: 'error', field: 'idNumber' });
    expect(checks).toContainEqual({ code: 'DUPLICATE_MEDICAL', severity: 'warning', field: 'idNumber', params: { reason: 'merge' } });
  });
});
