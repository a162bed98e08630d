import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import { splitVisitDetails } from '../../src/domain/visits/visit-request.service';
import { ChatClient, createPerson, newIdNumber } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** The promise "a community worker will contact you" is kept by a list: chat -> region-scoped list -> closed with an outcome. */
let app: TestApp;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
});
afterAll(async () => {
  await app?.close();
});

const prisma = () => app.db.prisma;

async function worker(regionCode: string, role: StaffRole = 'COMMUNITY_WORKER') {
  const username = `cw-${randomBytes(4).toString('hex')}`;
  const staff = await createStaff(prisma(), { username, role, regionCode, password: PASSWORD });
  const r = await authenticate(prisma(), username, PASSWORD, app.clock, app.config);
  if (!r.ok) throw new Error('login failed');
  return { staff, auth: { Authorization: `Bearer ${r.token}` } };
}

interface VR {
  id: string;
  reason: string;
  contactPhone: string | null;
  details: string;
  person: { idNumber: string; name: string } | null;
  region: { code: string } | null;
  status: string;
  outcome: string | null;
  closedBy: string | null;
}

async function list(auth: Record<string, string>, status = 'OPEN'): Promise<VR[]> {
  const res = await request(app.app).get('/api/visit-requests').query({ status, limit: 200 }).set(auth).expect(200);
  return (res.body as { requests: VR[] }).requests;
}

describe('splitVisitDetails', () => {
  it.each([
    ['13912345678 周六上午', '13912345678', '周六上午'],
    ['周末在家，电话139 1234 5678。', '13912345678', '周末在家，电话'],
    ['＋86 13912345678, evenings', '13912345678', 'evenings'],
    ['我儿子的电话没有，请下午来', null, '我儿子的电话没有，请下午来'],
    ['12345678901', null, '12345678901'],
  ])('%s', (text, phone, details) => {
    expect(splitVisitDetails(text)).toEqual({ contactPhone: phone, details });
  });
});

describe('visit requests from chat', () => {
  it('no phone on record: the request carries the contact and time, is listed for the region only, and closes with an outcome', async () => {
    const county = '530102';
    const p = await createPerson(prisma(), { phone: null, county });
    const c = await ChatClient.start(app.app);
    await c.send('1');
    await c.send(p.idNumber);
    await c.send(p.name);
    const ask = await c.send('1');
    expect(ask.at(-1)!.text).toContain('方便上门的时间');
    const done = await c.send('电话 139-1234-5678，周六上午在家');
    expect(done.at(-1)!.text).toContain('社区工作人员会按您留的电话和时间联系您');

    const kunming = await worker('530100');
    const mine = (await list(kunming.auth)).find((r) => r.person?.idNumber === `${p.idNumber.slice(0, 6)}********${p.idNumber.slice(-4)}`);
    expect(mine).toMatchObject({ reason: 'NO_PHONE_ON_RECORD', contactPhone: '13912345678', details: '电话,周六上午在家', status: 'OPEN', region: { code: county } });
    expect(mine!.person!.name).toBe(`${p.name[0]}**`);
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).registrationStatus).toBe('NEEDS_VISIT');

    // Another prefecture's worker: not listed, and the id answers 404 like a missing one, audited.
    const qujing = await worker('530300');
    expect((await list(qujing.auth)).map((r) => r.id)).not.toContain(mine!.id);
    await request(app.app).get(`/api/visit-requests/${mine!.id}`).set(qujing.auth).expect(404);
    await request(app.app).post(`/api/visit-requests/${mine!.id}/close`).set(qujing.auth).send({ outcome: 'REGISTERED' }).expect(404);
    const denied = await prisma().auditEvent.findMany({ where: { actorId: qujing.staff.id, targetId: mine!.id, outcome: 'DENIED' } });
    expect(denied.map((e) => e.action).sort()).toEqual(['visit_request.close', 'visit_request.view']);

    // A reviewer's role does not do community work.
    const reviewer = await worker('530100', 'REVIEWER');
    await request(app.app).get('/api/visit-requests').set(reviewer.auth).expect(403);

    const closed = await request(app.app)
      .post(`/api/visit-requests/${mine!.id}/close`)
      .set(kunming.auth)
      .send({ outcome: 'REGISTERED', note: '已上门登记' })
      .expect(200);
    expect(closed.body).toMatchObject({ status: 'CLOSED', outcome: 'REGISTERED', outcomeNote: '已上门登记', closedBy: kunming.staff.username });
    await request(app.app).post(`/api/visit-requests/${mine!.id}/close`).set(kunming.auth).send({ outcome: 'OTHER' }).expect(409);
    expect((await list(kunming.auth)).map((r) => r.id)).not.toContain(mine!.id);
    expect((await list(kunming.auth, 'CLOSED')).find((r) => r.id === mine!.id)).toMatchObject({ outcome: 'REGISTERED' });
    const audit = await prisma().auditEvent.findMany({ where: { targetId: mine!.id, outcome: 'OK' }, orderBy: { id: 'asc' } });
    expect(audit.map((e) => e.action)).toEqual(['visit_request.create', 'visit_request.close']);
    await request(app.app).post(`/api/visit-requests/${mine!.id}/close`).set(kunming.auth).send({ outcome: 'NOPE' }).expect(400);
  });

  it('locked verification (English): the request goes to the county of the ID number given, linking no person', async () => {
    const county = '530381';
    const p = await createPerson(prisma(), { county });
    const c = await ChatClient.start(app.app);
    await c.send('English');
    await c.send('1');
    let last = [] as Awaited<ReturnType<ChatClient['send']>>;
    for (let i = 0; i < 5; i++) {
      await c.send(p.idNumber);
      await c.send(p.name);
      last = await c.send(p.phone!.endsWith('0000') ? '1111' : '0000');
    }
    expect(last.at(-1)!.text).toContain('Too many failed attempts');
    expect(last.at(-1)!.options?.map((o) => o.value)).toEqual(['visit', 'human']);
    const ask = await c.send('1');
    expect(ask.at(-1)!.text).toContain('a good time for a visit');
    const done = await c.send('Sunday afternoon, 13700001111');
    expect(done.at(-1)!.text).toContain('at the number and time you gave');

    const w = await worker(county);
    const rows = await list(w.auth);
    const mine = rows.find((r) => r.contactPhone === '13700001111');
    expect(mine).toMatchObject({ reason: 'VERIFICATION_LOCKED', person: null, details: 'Sunday afternoon', region: { code: county } });
    // The full ID number is kept nowhere in the request.
    const row = await prisma().visitRequest.findUniqueOrThrow({ where: { id: mine!.id } });
    expect(JSON.stringify(row)).not.toContain(p.idNumber);
    expect(row.locale).toBe('en');
    // A worker of another county of the same prefecture does not see it.
    const other = await worker('530302');
    expect((await list(other.auth)).map((r) => r.id)).not.toContain(mine!.id);
    expect(newIdNumber(county)).toHaveLength(18);
  });
});
