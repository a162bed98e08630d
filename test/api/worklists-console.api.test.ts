import request from 'supertest';
import { normaliseIdNumber } from '../../src/domain/codes/id-number';
import { raiseDuplicateCover } from '../../src/domain/worklists/duplicate-cover';
import { csrfTokenFor } from '../../src/http/console/console-session';
import { addPerson, newTownship, staffToken } from '../helpers/community-fixtures';
import { useStaffApp } from '../helpers/staff-app';

/** The worklist console pages (issue 17): list with filters, the entry with its schemes and keep-which choice, closing, opening a merge. */
const app = useStaffApp({ start: '2026-12-01T02:00:00Z' });

async function staff(region: string, role: 'COMMUNITY_WORKER' | 'REVIEWER' | 'AGENT' = 'COMMUNITY_WORKER') {
  const { auth } = await staffToken(app().db.prisma, app().clock, app().config, region, role);
  const token = auth.Authorization.slice('Bearer '.length);
  const cookie = `cb_console=${token}`;
  return {
    get: (url: string) => request(app().app).get(url).set('Cookie', cookie),
    post: (url: string, form: Record<string, string>, csrf = csrfTokenFor(token)) =>
      request(app().app).post(url).set('Cookie', cookie).type('form').send(new URLSearchParams({ ...form, _csrf: csrf }).toString()),
  };
}

describe('worklist console', () => {
  it('lists the region’s entries in both languages, shows the schemes and periods, and closes with the scheme kept', async () => {
    const p = await addPerson(app().db.prisma, { region: newTownship('530102'), paying: ['310', '390'] });
    await app().db.prisma.enrolment.updateMany({ where: { personId: p.id, insuranceType: '390' }, data: { lastPaidMonth: '2026-08', firstEnrolled: new Date('2018-01-01T00:00:00Z') } });
    await raiseDuplicateCover(app().db.prisma, { personIds: [p.id], source: 'import', at: app().clock.now() });
    const item = await app().db.prisma.workItem.findFirstOrThrow({ where: { personId: p.id } });
    const w = await staff('530102');

    const zh = await w.get('/console/worklists?kind=DUPLICATE_COVER');
    expect(zh.status).toBe(200);
    expect(zh.text).toContain('<a href="/console/worklists"');
    expect(zh.text).toContain(`data-id="${item.id}"`);
    expect(zh.text).toContain('重复参加医保：310 + 390；建议保留 310');
    const en = await w.get('/console/worklists?kind=DUPLICATE_COVER&lang=en');
    expect(en.text).toContain('Two medical schemes: 310 + 390; keep 310');
    expect(en.text).not.toContain(p.idNumber);

    const detail = await w.get(`/console/worklists/${item.id}?lang=en`);
    expect(detail.text).toContain('Employee basic medical insurance');
    expect(detail.text).toContain('2018-01-01 to 2026-08');
    expect(detail.text).toMatch(/id="keep-310" value="310" checked/);
    expect((await w.get(`/console/worklists/${item.id}`)).text).toContain('保留哪一项');
    expect((await (await staff('530103')).get(`/console/worklists/${item.id}`)).status).toBe(404);
    expect((await (await staff('530102', 'AGENT')).get('/console/worklists')).status).toBe(403);

    expect((await w.post(`/console/worklists/${item.id}/close`, { version: '0', outcome: 'SCHEME_KEPT', keep: '390' }, 'bad')).status).toBe(403);
    const stale = await w.post(`/console/worklists/${item.id}/close?lang=en`, { version: '5', outcome: 'SCHEME_KEPT', keep: '390' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone changed this entry');
    const closed = await w.post(`/console/worklists/${item.id}/close`, { version: '0', outcome: 'SCHEME_KEPT', keep: '390', note: '' });
    expect(closed.status).toBe(303);
    expect(await app().db.prisma.workItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({ status: 'DONE', outcome: 'SCHEME_KEPT', details: { closure: { keep: '390' } } });
    const done = await w.get('/console/worklists?status=DONE&kind=DUPLICATE_COVER&done=closed&lang=en');
    expect(done.text).toContain('The entry was closed.');
    expect(done.text).toContain('kept 390 Urban-rural resident basic medical insurance');
  });

  it('opens a merge request from the two ID numbers and shows both records side by side to the reviewer', async () => {
    const county = '530102';
    const legacyNumber = `${county}6${Math.floor(Math.random() * 10)}0315${String(Math.floor(Math.random() * 900) + 100)}`;
    const base = { name: '孙样例', regionCode: county, birthDate: new Date(`19${legacyNumber.slice(6, 8)}-03-15T00:00:00Z`) };
    const legacy = await app().db.prisma.person.create({ data: { ...base, idNumber: legacyNumber } });
    const current = await app().db.prisma.person.create({ data: { ...base, idNumber: normaliseIdNumber(legacyNumber) } });
    const w = await staff(county, 'REVIEWER');
    const opened = await w.post('/console/merge-requests', { keepIdNumber: current.idNumber, mergeIdNumber: legacyNumber });
    expect(opened.status).toBe(303);
    const cr = await app().db.prisma.changeRequest.findFirstOrThrow({ where: { kind: 'MERGE', personId: legacy.id } });
    expect(opened.headers.location).toBe(`/console/requests/${cr.id}`);
    const reviewer = await staff('530100', 'REVIEWER');
    const page = await reviewer.get(`/console/requests/${cr.id}?lang=en`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="merge-sides"');
    expect(page.text).toContain('Opened by staff.');
    expect(page.text).toContain('Merge of one person under two numbers');
    expect(page.text).not.toContain(current.idNumber);
    expect((await w.post('/console/merge-requests', { keepIdNumber: current.idNumber, mergeIdNumber: current.idNumber })).status).toBe(400);
  });
});
