import { chinaDayStart } from '../../src/domain/staff/audit.service';

describe('China day (audit views counted once a day, issue 9)', () => {
  it('starts at midnight UTC+8', () => {
    expect(chinaDayStart(new Date('2026-12-01T02:00:00Z')).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(chinaDayStart(new Date('2026-12-01T15:59:59Z')).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(chinaDayStart(new Date('2026-12-01T16:00:00Z')).toISOString()).toBe('2026-12-01T16:00:00.000Z');
  });
});
