import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Who may use the review API.
 */

const { prisma, http, agent, staff, newPerson, fieldChange } = useReviewApp();

describe('roles', () => {
  it('lets agents and community workers view their area but not decide', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900006666');
    const worker = await staff('COMMUNITY_WORKER', '530102');
    await http().get(`/api/review/requests/${r.id}`).set(agent.auth).expect(200);
    const list = await http().get('/api/review/requests?region=530102&limit=200').set(worker.auth).expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(r.id);
    for (const who of [agent, worker]) {
      const res = await http().post(`/api/review/requests/${r.id}/approve`).set(who.auth).send({ version: 0 }).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      await http().post(`/api/review/requests/${r.id}/reject`).set(who.auth).send({ version: 0, reason: 'x' }).expect(403);
      await http().post(`/api/review/requests/${r.id}/claim`).set(who.auth).send({}).expect(403);
    }
    expect(await prisma().auditEvent.count({ where: { actorId: agent.id, action: 'review.decide', outcome: 'DENIED' } })).toBeGreaterThanOrEqual(2);
    expect((await prisma().changeRequest.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('PENDING');
  });
});
