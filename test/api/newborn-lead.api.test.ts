import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { getHouseholdView, reportNewborn } from '../../src/domain/corrections/household.service';
import { seedRegions } from '../../src/domain/registry/region.service';
import { authenticate, createStaff } from '../../src/domain/staff/staff.service';
import { requestPage } from '../../src/http/console/request.page';
import type { ReviewDetail } from '../../src/domain/review';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * A newborn without an ID number reported in chat (issue 12 §3) is a lead for staff: a NEW_PERSON request with
 * name, birth date and relationship only, flagged NEWBORN_WITHOUT_ID. It is in the review queue, its detail and
 * console page render, approval is refused (there is no number to create a person with), asking the family and
 * closing it work.
 */

const PASSWORD = 'correct horse battery';
let app: TestApp;
const http = () => request(app.app);

beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

async function reviewer() {
  const username = `rev-${randomBytes(4).toString('hex')}`;
  await createStaff(app.db.prisma, { username, role: 'REVIEWER', regionCode: '530100', password: PASSWORD });
  const r = await authenticate(app.db.prisma, username, PASSWORD, app.clock, app.config);
  if (!r.ok) throw new Error('login failed');
  return { Authorization: `Bearer ${r.token}` };
}

async function parent(idNumber = '530102199003071238') {
  const householdId = `H${randomBytes(5).toString('hex')}`;
  await app.db.prisma.household.create({ data: { id: householdId, regionCode: '530102' } });
  return app.db.prisma.person.create({
    data: { idNumber, name: '王大明', regionCode: '530102', householdId, phone: '13800001234' },
  });
}

describe('newborn lead', () => {
  it('is recorded once, shows in the queue flagged, renders, cannot be approved, and can be asked about or closed', async () => {
    const p = await parent();
    const ctx = { channel: 'web', now: app.clock.now() };
    const input = { personId: p.id, name: '王小宝', birthDate: '2026-11-20', relationship: 'CHILD' as const };
    const first = await reportNewborn(app.db.prisma, input, ctx);
    expect(first.reference).toMatch(/^CR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    // The same report again (a re-run turn, or the parent twice) is the same lead.
    expect(await reportNewborn(app.db.prisma, input, ctx)).toEqual(first);
    const row = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { reference: first.reference } });
    expect(row).toMatchObject({ kind: 'NEW_PERSON', subjectKey: null, householdId: p.householdId, regionCode: '530102', status: 'PENDING' });
    expect(row.proposedValues).toEqual({ name: '王小宝', birthDate: '2026-11-20', relationship: 'CHILD' });

    const auth = await reviewer();
    const list = await http().get('/api/review/requests?kind=NEW_PERSON&limit=200').set(auth).expect(200);
    const item = (list.body.items as { id: string; reference: string; subject: unknown }[]).find((i) => i.reference === first.reference);
    expect(item).toBeDefined();
    expect(item!.subject).toEqual({ name: '王**', idNumber: null });

    const detail = await http().get(`/api/review/requests/${row.id}`).set(auth).expect(200);
    expect(detail.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'NEWBORN_WITHOUT_ID', severity: 'error' })]));
    expect(detail.body.checks.map((c: { code: string }) => c.code)).not.toContain('ID_NUMBER_INVALID');
    for (const lng of ['zh-CN', 'en'] as const) {
      const html = requestPage({ t: app.i18n.getFixedT(lng), lng, url: '/' }, { detail: detail.body as ReviewDetail, canReveal: false, now: new Date() });
      expect(html).toContain(app.i18n.t('console.check.NEWBORN_WITHOUT_ID', { lng }));
      expect(html).toContain('王小宝'.slice(0, 1));
    }

    const approve = await http().post(`/api/review/requests/${row.id}/approve`).set(auth).send({ version: row.version }).expect(422);
    expect(approve.body.error.code).toBe('CHECKS_FAILED');
    await http().post(`/api/review/requests/${row.id}/ask`).set(auth).send({ version: row.version, question: '孩子落户了吗？' }).expect(200);
    const asked = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: row.id } });
    expect(asked.status).toBe('NEEDS_INFO');
    await http().post(`/api/review/requests/${row.id}/reject`).set(auth).send({ version: asked.version, reason: '已电话联系，落户后再登记' }).expect(200);
    expect((await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('REJECTED');
  });
  it('without a name yet: recorded with an empty name, listed as "no name yet", no name error for the reviewer', async () => {
    const p = await parent('532301198511200042');
    const ctx = { channel: 'web', now: app.clock.now() };
    const lead = await reportNewborn(app.db.prisma, { personId: p.id, name: '', birthDate: '2026-11-21', relationship: 'CHILD' }, ctx);
    const row = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { reference: lead.reference } });
    expect(row.proposedValues).toEqual({ name: '', birthDate: '2026-11-21', relationship: 'CHILD' });
    expect((await getHouseholdView(app.db.prisma, p.id)).newborns).toEqual([{ maskedName: null, birthDate: '2026-11-21' }]);

    const detail = await http().get(`/api/review/requests/${row.id}`).set(await reviewer()).expect(200);
    expect(detail.body.checks.map((c: { code: string }) => c.code)).toContain('NEWBORN_WITHOUT_ID');
    expect(detail.body.checks).not.toContainEqual(expect.objectContaining({ code: 'INVALID_VALUE', field: 'name' }));
    for (const lng of ['zh-CN', 'en'] as const) {
      const html = requestPage({ t: app.i18n.getFixedT(lng), lng, url: '/' }, { detail: detail.body as ReviewDetail, canReveal: false, now: new Date() });
      expect(html).toContain(`<td class="proposed">${app.i18n.t('console.request.none', { lng })}</td>`);
    }
  });
});
