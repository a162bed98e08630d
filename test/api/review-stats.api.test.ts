import { newIdNumber, useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Review statistics.
 */

const { prisma, http, staff, newPerson, fieldChange, newPersonRequest } = useReviewApp();

// The admin's view lists every prefecture with requests, Kunming (530100) among them: in the single review test
// file the earlier tests had left requests there; on its own database this file makes one.
beforeAll(async () => {
  await fieldChange(await newPerson({ county: '530102' }), 'phone', '13812345678', '13900009999');
});

describe('GET /api/review/stats', () => {
  it('counts the caller’s area by status, kind, prefecture and overdue (decided ones over a window)', async () => {
    const county = '532301'; // Chuxiong: no other test writes there
    const p1 = await newPerson({ county, idNumber: newIdNumber(county) });
    const p2 = await newPerson({ county, idNumber: newIdNumber(county) });
    await fieldChange(p1, 'phone', '13812345678', '13966660000', { createdAt: new Date('2026-11-01T00:00:00Z') }); // overdue
    await fieldChange(p2, 'phone', '13812345678', '13966660001', { createdAt: new Date('2026-11-28T00:00:00Z') });
    await fieldChange(p2, 'ethnicity', '01', '07', { status: 'APPROVED', decidedAt: new Date('2026-11-28T00:00:00Z') });
    await fieldChange(p2, 'sex', 'MALE', 'FEMALE', { status: 'REJECTED', decidedAt: new Date('2026-09-01T00:00:00Z') }); // outside 30 days
    await newPersonRequest({ id: p1.householdId as string, regionCode: county }, { idNumber: newIdNumber(county), name: '张三', relationship: '儿子', sex: 'MALE', birthDate: '1990-03-07' }, { status: 'NEEDS_INFO' });

    const chuxiong = await staff('REVIEWER', '532300');
    const res = await http().get('/api/review/stats').set(chuxiong.auth).expect(200);
    expect(res.body).toEqual({
      scope: { code: '532300', name: '楚雄彝族自治州' },
      decidedSince: '2026-10-30T02:00:00.000Z',
      total: 4,
      open: 3,
      overdue: 1,
      byStatus: { PENDING: 2, NEEDS_INFO: 1, APPROVED: 1, REJECTED: 0 },
      byKind: { FIELD_CHANGE: 3, NEW_PERSON: 1, MERGE: 0 },
      byPrefecture: [{ region: { code: '532300', name: '楚雄彝族自治州' }, total: 4, open: 3, overdue: 1, decided: 1 }],
    });
    const longer = await http().get('/api/review/stats?days=120').set(chuxiong.auth).expect(200);
    expect(longer.body.byStatus).toEqual({ PENDING: 2, NEEDS_INFO: 1, APPROVED: 1, REJECTED: 1 });
    await http().get('/api/review/stats?days=0').set(chuxiong.auth).expect(400);
    const admin = await staff('ADMIN', '530000');
    const all = await http().get('/api/review/stats').set(admin.auth).expect(200);
    expect(all.body.byPrefecture.map((p: { region: { code: string } }) => p.region.code)).toEqual(expect.arrayContaining(['530100', '532300']));
    expect(all.body.byPrefecture.find((p: { region: { code: string } }) => p.region.code === '532300')).toEqual(res.body.byPrefecture[0]);
    expect(await prisma().auditEvent.count({ where: { action: 'review.stats', actorId: chuxiong.id } })).toBe(2);
  });
});
