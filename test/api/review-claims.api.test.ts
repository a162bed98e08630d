import { useReviewApp } from '../helpers/review-fixtures';

/**
 * The review API (/api/review), on an app with two reviewers and an agent (test/helpers/review-fixtures.ts).
 * Claiming and releasing a request.
 */

const { http, reviewer, reviewer2, newPerson, fieldChange } = useReviewApp();

describe('claim and release', () => {
  it('keeps others from deciding a claimed request until it is released', async () => {
    const p = await newPerson();
    const r = await fieldChange(p, 'phone', '13812345678', '13900007777');
    const claimed = await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer.auth).set('If-Match', '"0"').expect(200);
    expect(claimed.body.request).toMatchObject({ claimedBy: reviewer.username, version: 1 });
    const other = await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 1 }).expect(409);
    expect(other.body.error).toMatchObject({ code: 'CLAIMED_BY_OTHER', details: { claimedBy: reviewer.username } });
    await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer2.auth).send({}).expect(409);
    const notYours = await http().post(`/api/review/requests/${r.id}/release`).set(reviewer2.auth).send({}).expect(409);
    expect(notYours.body.error.code).toBe('NOT_CLAIMED_BY_YOU');
    const released = await http().post(`/api/review/requests/${r.id}/release`).set(reviewer.auth).send({ version: 1 }).expect(200);
    expect(released.body.request).toMatchObject({ claimedBy: null, version: 2 });
    await http().post(`/api/review/requests/${r.id}/approve`).set(reviewer2.auth).send({ version: 2 }).expect(200);
    await http().post(`/api/review/requests/${r.id}/claim`).set(reviewer.auth).send({}).expect(409); // decided
  });
});
