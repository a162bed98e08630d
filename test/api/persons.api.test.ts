import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../../src/app/config';
import type { OpenDatabase } from '../../src/db/open-database';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { authenticate, createStaff, disableStaff, type StaffRole } from '../../src/domain/staff/staff.service';
import { createAuthRouter } from '../../src/http/auth.router';
import { createApp } from '../../src/http/create-app';
import { createPersonsRouter } from '../../src/http/persons.router';
import { fixedClock } from '../../src/lib/clock';
import { createI18n } from '../../src/lib/i18n';
import { createLogger } from '../../src/lib/logger';
import { createTestDatabase } from '../helpers/test-database';

const PASSWORD = 'correct horse battery';
const config = loadConfig({ NODE_ENV: 'test' });
const clock = fixedClock('2026-12-01T02:00:00Z');
let db: OpenDatabase;
let app: ReturnType<typeof createApp>;

/** A fresh valid ID number in a county, so every test has its own person. */
let seq = 100;
function newIdNumber(county: string, birth = '19900307'): string {
  seq += 2;
  const first17 = `${county}${birth}${String(seq).padStart(3, '0')}`;
  return first17 + computeCheckChar(first17);
}

async function newPerson(opts: { county?: string; regionCode?: string; idNumber?: string } = {}) {
  const county = opts.county ?? '530102';
  const idNumber = opts.idNumber ?? newIdNumber(county);
  const householdId = `H${randomBytes(4).toString('hex')}`;
  await db.prisma.household.create({ data: { id: householdId, regionCode: county } });
  return db.prisma.person.create({
    data: {
      idNumber,
      name: '张三丰',
      sex: 'MALE',
      ethnicity: '01',
      birthDate: new Date(`${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}T00:00:00Z`),
      phone: '13812341234',
      hukouRegion: county,
      hukouAddress: '云南省昆明市五华区华山街道12号3栋201',
      residenceRegion: county,
      residenceAddress: '云南省昆明市五华区华山街道12号3栋201',
      regionCode: opts.regionCode ?? county,
      householdId,
      employmentStatus: 'EMPLOYED',
      employer: '昆明某某有限公司',
      registrationStatus: 'CONFIRMED',
      confirmedAt: new Date('2026-11-20T03:04:05Z'),
      confirmedChannel: 'wechat',
      flags: ['MISSING_RESIDENCE'],
      enrolments: {
        create: [
          { insuranceType: '110', status: 'PAYING', regionCode: county, firstEnrolled: new Date('2012-07-01T00:00:00Z'), lastPaidMonth: '2026-10', employer: '昆明某某有限公司' },
          { insuranceType: '390', status: 'SUSPENDED', regionCode: county, lastPaidMonth: '2025-12' },
        ],
      },
    },
  });
}

async function tokenFor(role: StaffRole, regionCode = '530100') {
  const username = `${role.toLowerCase().slice(0, 6)}-${randomBytes(4).toString('hex')}`;
  const staff = await createStaff(db.prisma, { username, role, regionCode, password: PASSWORD });
  const r = await authenticate(db.prisma, username, PASSWORD, clock, config);
  if (!r.ok) throw new Error('login failed');
  return { staff, username, auth: { Authorization: `Bearer ${r.token}` } };
}

const auditOf = (personId: string, action: string, actorId: string) =>
  db.prisma.auditEvent.findMany({ where: { targetType: 'person', targetId: personId, action, actorId }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.region.createMany({
    data: [
      { code: '530000', name: '云南省', level: 'PROVINCE' },
      { code: '530100', name: '昆明市', level: 'PREFECTURE', parentCode: '530000' },
      { code: '530102', name: '五华区', level: 'COUNTY', parentCode: '530100' },
      { code: '532300', name: '楚雄彝族自治州', level: 'PREFECTURE', parentCode: '530000' },
      { code: '532301', name: '楚雄市', level: 'COUNTY', parentCode: '532300' },
    ],
    skipDuplicates: true,
  });
  app = createApp({
    prisma: db.prisma,
    config,
    logger: createLogger({ level: 'silent' }),
    i18n: createI18n(),
    clock,
    routers: [createAuthRouter, createPersonsRouter],
  });
});
afterAll(async () => {
  await db?.close();
});

describe('GET /api/persons/:idNumber', () => {
  it('shows a masked record by default and audits the view', async () => {
    const p = await newPerson();
    const { staff, auth } = await tokenFor('REVIEWER');
    const res = await request(app).get(`/api/persons/${p.idNumber}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.revealed).toBe(false);
    expect(res.body.person).toMatchObject({
      idNumber: `${p.idNumber.slice(0, 6)}********${p.idNumber.slice(14)}`,
      name: '张**',
      sex: 'MALE',
      ethnicity: '01',
      birthDate: '1990-**-**',
      phone: '138****1234',
      hukouAddress: '云南省昆明市五华区******',
      residenceAddress: '云南省昆明市五华区******',
      region: { code: '530102', name: '五华区' },
      householdId: p.householdId,
      employmentStatus: 'EMPLOYED',
      employer: '昆明某某有限公司',
      registrationStatus: 'CONFIRMED',
      confirmedAt: '2026-11-20T03:04:05.000Z',
      confirmedChannel: 'wechat',
      flags: ['MISSING_RESIDENCE'],
    });
    expect(res.body.enrolments).toEqual([
      {
        insuranceType: '110',
        insuranceName: { en: 'Enterprise employee basic pension', zh: '企业职工基本养老保险' },
        status: 'PAYING',
        statusCode: 1,
        region: { code: '530102', name: '五华区' },
        firstEnrolled: '2012-07-01',
        lastPaidMonth: '2026-10',
        employer: '昆明某某有限公司',
      },
      {
        insuranceType: '390',
        insuranceName: { en: 'Urban-rural resident basic medical insurance', zh: '城乡居民基本医疗保险' },
        status: 'SUSPENDED',
        statusCode: 2,
        region: { code: '530102', name: '五华区' },
        firstEnrolled: null,
        lastPaidMonth: '2025-12',
        employer: null,
      },
    ]);
    const body = JSON.stringify(res.body);
    expect(body).not.toContain(p.idNumber);
    expect(body).not.toContain('13812341234');
    expect(body).not.toContain('19900307');
    const views = await auditOf(p.id, 'person.view', staff.id);
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ outcome: 'OK', actorType: 'STAFF', source: 'api', details: { revealed: false } });
    expect(await auditOf(p.id, 'person.reveal', staff.id)).toHaveLength(0);
  });

  it('audits every view', async () => {
    const p = await newPerson();
    const { staff, auth } = await tokenFor('COMMUNITY_WORKER');
    for (let i = 0; i < 3; i++) expect((await request(app).get(`/api/persons/${p.idNumber}`).set(auth)).status).toBe(200);
    expect(await auditOf(p.id, 'person.view', staff.id)).toHaveLength(3);
  });

  it('normalises the ID number in the path (spaces, lower-case x, legacy 15 digits)', async () => {
    const p = await newPerson();
    const { auth } = await tokenFor('AGENT');
    const spaced = `${p.idNumber.slice(0, 6)} ${p.idNumber.slice(6, 14)} ${p.idNumber.slice(14)}`;
    expect((await request(app).get(`/api/persons/${encodeURIComponent(spaced)}`).set(auth)).status).toBe(200);
    const legacyPerson = await newPerson({ idNumber: `53010219650412123${computeCheckChar('53010219650412123')}` });
    const res = await request(app).get('/api/persons/530102650412123').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.person.idNumber).toBe(`530102********${legacyPerson.idNumber.slice(14)}`);
  });

  it('reveals full values to a role with person.reveal and audits person.reveal', async () => {
    const p = await newPerson();
    const { staff, auth } = await tokenFor('AGENT');
    const res = await request(app).get(`/api/persons/${p.idNumber}?reveal=true`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.revealed).toBe(true);
    expect(res.body.person).toMatchObject({
      idNumber: p.idNumber,
      name: '张三丰',
      birthDate: '1990-03-07',
      phone: '13812341234',
      hukouAddress: '云南省昆明市五华区华山街道12号3栋201',
    });
    const reveals = await auditOf(p.id, 'person.reveal', staff.id);
    expect(reveals).toHaveLength(1);
    expect(reveals[0]?.outcome).toBe('OK');
    expect(await auditOf(p.id, 'person.view', staff.id)).toHaveLength(1);
  });

  it('refuses reveal to a community worker with 403 and audits the refusal', async () => {
    const p = await newPerson();
    const { staff, auth } = await tokenFor('COMMUNITY_WORKER');
    const res = await request(app).get(`/api/persons/${p.idNumber}?reveal=true`).set(auth);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    const denied = await db.prisma.auditEvent.findMany({ where: { action: 'person.reveal', actorId: staff.id } });
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ outcome: 'DENIED', details: { reason: 'permission' } });
    expect(JSON.stringify(denied[0]?.details)).not.toContain(p.idNumber);
  });

  it('answers 404 for a person outside the region, exactly as for a missing one, and audits DENIED', async () => {
    const outside = await newPerson({ county: '532301' });
    const { staff, auth } = await tokenFor('REVIEWER', '530100');
    const res = await request(app).get(`/api/persons/${outside.idNumber}`).set(auth);
    const missing = await request(app).get(`/api/persons/${newIdNumber('530102')}`).set(auth);
    expect(res.status).toBe(404);
    expect(missing.status).toBe(404);
    expect({ ...res.body.error, requestId: null }).toEqual({ ...missing.body.error, requestId: null });
    expect(res.body.error.code).toBe('NOT_FOUND');
    const rows = await auditOf(outside.id, 'person.view', staff.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'DENIED', details: { reason: 'out_of_scope', staffRegion: '530100', personRegion: '532301' } });
    const failed = await db.prisma.auditEvent.findMany({ where: { action: 'person.view', actorId: staff.id, outcome: 'FAILED' } });
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0]?.details)).toMatch(/"530102\*{8}\d{3}[\dX]"/);
  });

  it('lets a province-level admin see every prefecture', async () => {
    const p = await newPerson({ county: '532301' });
    const { auth } = await tokenFor('ADMIN', '530000');
    const res = await request(app).get(`/api/persons/${p.idNumber}`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.person.region).toEqual({ code: '532301', name: '楚雄市' });
  });

  it('needs a token (401) and a well-formed ID number (400)', async () => {
    const p = await newPerson();
    const none = await request(app).get(`/api/persons/${p.idNumber}`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const { auth } = await tokenFor('REVIEWER');
    for (const bad of ['530102199003071230', '530102199002301238', '12345', 'abcdefghijklmnopqr']) {
      const res = await request(app).get(`/api/persons/${bad}`).set(auth);
      expect([bad, res.status, res.body.error.code]).toEqual([bad, 400, 'INVALID_ID_NUMBER']);
    }
    const reveal = await request(app).get(`/api/persons/${p.idNumber}?reveal=maybe`).set(auth);
    expect(reveal.status).toBe(400);
  });

  it('refuses the token of a staff member who has since been disabled', async () => {
    const p = await newPerson();
    const { username, auth } = await tokenFor('REVIEWER');
    expect((await request(app).get(`/api/persons/${p.idNumber}`).set(auth)).status).toBe(200);
    await disableStaff(db.prisma, username);
    const res = await request(app).get(`/api/persons/${p.idNumber}`).set(auth);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('GET /api/persons/:idNumber/audit', () => {
  it("lists the person's audit trail newest first, with usernames, and audits the look", async () => {
    const p = await newPerson();
    const agent = await tokenFor('AGENT');
    const reviewer = await tokenFor('REVIEWER');
    await request(app).get(`/api/persons/${p.idNumber}`).set(agent.auth);
    await request(app).get(`/api/persons/${p.idNumber}?reveal=1`).set(agent.auth);
    const res = await request(app).get(`/api/persons/${p.idNumber}/audit`).set(reviewer.auth);
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { action: string; actorUsername: string }) => [e.action, e.actorUsername])).toEqual([
      ['person.audit_view', reviewer.username],
      ['person.reveal', agent.username],
      ['person.view', agent.username],
      ['person.view', agent.username],
    ]);
    const page = await request(app).get(`/api/persons/${p.idNumber}/audit?limit=2&before=${res.body.events[1].id}`).set(reviewer.auth);
    expect(page.body.events.map((e: { id: string }) => e.id)).toEqual([res.body.events[2].id, res.body.events[3].id]);
  });

  it('is forbidden to a community worker (403, audited DENIED) and region-scoped for reviewers', async () => {
    const p = await newPerson({ county: '532301' });
    const worker = await tokenFor('COMMUNITY_WORKER', '532300');
    const forbidden = await request(app).get(`/api/persons/${p.idNumber}/audit`).set(worker.auth);
    expect(forbidden.status).toBe(403);
    const denied = await db.prisma.auditEvent.findFirst({ where: { action: 'person.audit_view', actorId: worker.staff.id } });
    expect(denied).toMatchObject({ outcome: 'DENIED', targetType: 'route' });

    const reviewer = await tokenFor('REVIEWER', '530100');
    const outOfScope = await request(app).get(`/api/persons/${p.idNumber}/audit`).set(reviewer.auth);
    expect(outOfScope.status).toBe(404);
    expect(await auditOf(p.id, 'person.audit_view', reviewer.staff.id)).toMatchObject([{ outcome: 'DENIED' }]);
  });
});

it('documents the person routes in the OpenAPI document', async () => {
  const res = await request(app).get('/api/openapi.json');
  expect(res.body.paths['/api/persons/{idNumber}'].get.parameters).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'idNumber', in: 'path' }), expect.objectContaining({ name: 'reveal', in: 'query' })]),
  );
  expect(res.body.paths['/api/persons/{idNumber}/audit']).toBeDefined();
  expect(res.body.components.schemas.PersonView).toBeDefined();
});
