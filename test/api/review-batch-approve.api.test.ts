import { newIdNumber, useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Approving several requests at once.
 */

const { prisma, http, reviewer, agent, newPerson, fieldChange, auditOf } = useReviewApp();

describe('POST /api/review/requests/batch-approve', () => {
  it('approves low-risk requests and refuses the others per item', async () => {
    const a = await newPerson();
    const b = await newPerson();
    const c = await newPerson();
    const d = await newPerson();
    const e = await newPerson({ county: '530302', idNumber: newIdNumber('530302') });
    const ra = await fieldChange(a, 'hukouAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区华山街道14号');
    const rb = await fieldChange(b, 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区护国路3号');
    const rc = await fieldChange(c, 'phone', '13812345678', '13955550000');
    const rd = await fieldChange(d, 'hukouAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区文林街5号');
    await prisma().person.update({ where: { id: d.id }, data: { hukouAddress: '别的地址' } }); // a conflict
    const re = await fieldChange(e, 'hukouAddress', null, '曲靖市麒麟区1号');
    const f = await newPerson();
    const stale = await fieldChange(f, 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市五华区翠湖南路2号');

    const res = await http()
      .post('/api/review/requests/batch-approve')
      .set(reviewer.auth)
      .send({ ids: [ra.id, rb.id, rc.id, rd.id, re.id, stale.id], versions: [0, 0, 0, 0, 0, 5] })
      .expect(200);
    const byId = Object.fromEntries((res.body.results as { id: string; code: string }[]).map((r) => [r.id, r.code]));
    expect(byId).toEqual({
      [ra.id]: 'APPROVED',
      [rb.id]: 'APPROVED',
      [rc.id]: 'NOT_LOW_RISK',
      [rd.id]: 'NEEDS_INDIVIDUAL_REVIEW',
      [re.id]: 'NOT_FOUND',
      [stale.id]: 'VERSION_CONFLICT',
    });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: a.id } })).hukouAddress).toBe('云南省昆明市五华区华山街道14号');
    expect((await prisma().person.findUniqueOrThrow({ where: { id: c.id } })).phone).toBe('13812345678');
    expect(await auditOf(ra.id, 'review.batch_approve')).toHaveLength(1);

    await http().post('/api/review/requests/batch-approve').set(reviewer.auth).send({ ids: [ra.id], versions: [] }).expect(400);
    const many = Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000000');
    await http().post('/api/review/requests/batch-approve').set(reviewer.auth).send({ ids: many, versions: many.map(() => 0) }).expect(400);
    await http().post('/api/review/requests/batch-approve').set(agent.auth).send({ ids: [rb.id], versions: [1] }).expect(403);
  });
});
