import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * The list of open requests.
 */

const { prisma, http, reviewer, staff, newPerson, fieldChange } = useReviewApp();

describe('GET /api/review/requests', () => {
  it('lists the area’s open requests oldest first, masked, with due date, age and overdue', async () => {
    const p1 = await newPerson();
    const p2 = await newPerson();
    const older = await fieldChange(p1, 'phone', '13812345678', '13900001111', { createdAt: new Date('2026-11-20T01:00:00Z') });
    const newer = await fieldChange(p2, 'phone', '13812345678', '13900002222', { createdAt: new Date('2026-11-28T01:00:00Z') });
    const res = await http().get('/api/review/requests?limit=200').set(reviewer.auth).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const ids = (res.body.items as { id: string }[]).map((i) => i.id);
    expect(ids.indexOf(older.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(older.id)).toBeLessThan(ids.indexOf(newer.id));
    const item = res.body.items.find((i: { id: string }) => i.id === older.id);
    expect(item).toMatchObject({
      reference: older.reference,
      kind: 'FIELD_CHANGE',
      status: 'PENDING',
      fields: ['phone'],
      version: 0,
      subject: { name: '李**', idNumber: `${p1.idNumber.slice(0, 6)}********${p1.idNumber.slice(14)}` },
      region: { code: '530102', name: '五华区' },
      dueAt: older.dueAt.toISOString(),
      overdue: true,
      lowRisk: false,
      needsFourEyes: false,
    });
    expect(item.ageHours).toBe(9 * 24 + 1);
    expect(res.body.items.find((i: { id: string }) => i.id === newer.id).overdue).toBe(false);
    expect(JSON.stringify(res.body)).not.toContain(p1.idNumber);
    expect(await prisma().auditEvent.count({ where: { action: 'review.list', actorId: reviewer.id } })).toBeGreaterThan(0);
  });

  it('filters by status, kind, region, overdue and q (reference or ID number), and pages with a cursor', async () => {
    const county = '530112';
    const a = await newPerson({ county });
    const b = await newPerson({ county });
    const c = await newPerson({ county });
    const ra = await fieldChange(a, 'hukouAddress', null, '西山区马街1号', { createdAt: new Date('2026-11-10T01:00:00Z') });
    const rb = await fieldChange(b, 'hukouAddress', null, '西山区马街2号', { createdAt: new Date('2026-11-28T01:00:00Z') });
    const rc = await fieldChange(c, 'phone', '13812345678', '13700000000', { createdAt: new Date('2026-11-28T02:00:00Z'), status: 'NEEDS_INFO' });
    const list = async (query: string) =>
      ((await http().get(`/api/review/requests?${query}`).set(reviewer.auth).expect(200)).body.items as { id: string }[]).map((i) => i.id);

    expect(await list(`region=${county}`)).toEqual([ra.id, rb.id, rc.id]);
    expect(await list(`region=${county}&status=PENDING`)).toEqual([ra.id, rb.id]);
    expect(await list(`region=${county}&status=NEEDS_INFO,APPROVED`)).toEqual([rc.id]);
    expect(await list(`region=${county}&overdue=true`)).toEqual([ra.id]);
    expect(await list(`region=${county}&kind=NEW_PERSON`)).toEqual([]);
    expect(await list(`q=${rb.reference}`)).toEqual([rb.id]);
    expect(await list(`q=${rb.reference.slice(0, -2).toLowerCase()}`)).toContain(rb.id);
    expect(await list(`q=${c.idNumber}`)).toEqual([rc.id]);

    const first = await http().get(`/api/review/requests?region=${county}&limit=2`).set(reviewer.auth).expect(200);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual([ra.id, rb.id]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await http().get(`/api/review/requests?region=${county}&limit=2&cursor=${first.body.nextCursor}`).set(reviewer.auth).expect(200);
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([rc.id]);
    expect(second.body.nextCursor).toBeNull();

    await http().get('/api/review/requests?cursor=garbage').set(reviewer.auth).expect(400);
    await http().get('/api/review/requests?status=DONE').set(reviewer.auth).expect(400);
  });

  it('never shows another prefecture’s requests, refuses a region filter outside the area (audited) and needs a token', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900003333');
    const qujing = await staff('REVIEWER', '530300');
    const res = await http().get('/api/review/requests?limit=200').set(qujing.auth).expect(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).not.toContain(r.id);
    const refused = await http().get('/api/review/requests?region=530102').set(qujing.auth).expect(403);
    expect(refused.body.error.code).toBe('OUT_OF_SCOPE');
    expect(await prisma().auditEvent.count({ where: { action: 'review.list', actorId: qujing.id, outcome: 'DENIED' } })).toBe(1);
    // A wider filter than the area is narrowed to the area.
    await http().get('/api/review/requests?region=530000').set(qujing.auth).expect(200);
    await http().get('/api/review/requests').expect(401);
  });
});
