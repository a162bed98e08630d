import request from 'supertest';
import { staffRouters } from '../../src/app/staff-routers';
import { csrfTokenFor } from '../../src/http/console/console-session';
import { seedRegions } from '../../src/domain/registry/region.service';
import { addPerson, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** The community console over HTTP: the segments page's ?filter= contract, scope, CSRF, campaign and visit-list forms. */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({}, { extraRouters: staffRouters(), start: '2026-12-01T02:00:00Z' });
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});

async function worker(region: string) {
  const { auth, staff } = await staffToken(app.db.prisma, app.clock, app.config, region);
  const token = auth.Authorization.slice('Bearer '.length);
  const cookie = `cb_console=${token}`;
  return {
    id: staff.id,
    get: (url: string) => request(app.app).get(url).set('Cookie', cookie),
    post: (url: string, form: Record<string, string | string[]>, csrf = csrfTokenFor(token)) =>
      request(app.app)
        .post(url)
        .set('Cookie', cookie)
        .type('form')
        .send(new URLSearchParams([...Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x])), ['_csrf', csrf]]).toString()),
  };
}
const segments = (f: object, extra = '') => `/console/segments?filter=${encodeURIComponent(JSON.stringify(f))}${extra}`;

describe('community console', () => {
  it('opens /console/segments?filter=<JSON> with that filter ticked and its preview; the form fields give the same; bad or foreign filters are explained', async () => {
    const town = newTownship('530102');
    for (let i = 0; i < 3; i++) await addPerson(app.db.prisma, { region: town, status: 'UNREGISTERED', birth: '19700101' });
    await addPerson(app.db.prisma, { region: town, status: 'CONFIRMED' });
    await addPerson(app.db.prisma, { region: town, status: 'UNREGISTERED', birth: '20000101' });
    const w = await worker('530102');

    const page = await w.get(segments({ region: town, registrationStatus: ['UNREGISTERED'], ageFrom: 40 }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-count="3"');
    expect(page.text).toMatch(/name="registrationStatus" value="UNREGISTERED" checked/);
    expect(page.text).toMatch(/id="f-ageFrom" value="40"/);
    expect(page.text).toContain(`<option value="${town}" selected>`);
    const fields = await w.get(`/console/segments?_form=1&region=${town}&registrationStatus=UNREGISTERED&ageFrom=40&excludeOpenChangeRequest=on&excludeOptedOut=on`);
    expect(fields.text).toContain('data-count="3"');
    const fragment = await w.get(`/console/segments/preview?filter=${encodeURIComponent(JSON.stringify({ region: town }))}&lang=en`);
    expect(fragment.text).toMatch(/^<section class="preview" data-filter="\{&quot;region&quot;/);
    expect(fragment.text).toContain('5 persons');

    // The issue-17 groups: the newborn box and the moved-in days, from the form and prefilled from ?filter=, labelled in both locales.
    const groups = await w.get(`/console/segments?_form=1&region=${town}&newbornEnrolment=on&movedInDays=30&excludeOpenChangeRequest=on&excludeOptedOut=on`);
    expect(groups.text).toContain('data-count="0"');
    expect(groups.text).toMatch(/id="f-newbornEnrolment" checked/);
    expect(groups.text).toMatch(/id="f-movedInDays" value="30"/);
    expect(groups.text).toContain(`data-filter="${JSON.stringify({ region: town, newbornEnrolment: true, movedInDays: 30 }).replaceAll('"', '&quot;').slice(0, -1)}`);
    expect((await w.get(`/console/segments?_form=1&region=${town}`)).text).toMatch(/id="f-newbornEnrolment">/);
    expect((await w.get(segments({ region: town, movedInDays: 7 }, '&lang=en'))).text).toContain('Hukou moved in within the last (days)');
    expect((await w.get(segments({ region: town }))).text).toContain('最近几天内户籍迁入的（天）');

    expect((await w.get(`/console/segments?filter=${encodeURIComponent('{nope')}&lang=en`)).text).toContain('This filter is not valid');
    expect((await w.get(segments({ region: town, ageFrom: 50, ageTo: 40 }, '&lang=en'))).text).toContain('ageTo');
    const foreign = await w.get(segments({ region: '530103' }, '&lang=en'));
    expect(foreign.text).toContain('This region is not in your area.');
    expect(foreign.text).not.toContain('data-count=');
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'segment.preview', targetId: '530103', outcome: 'DENIED' } })).toBe(1);
  });

  it('creates a campaign and a visit list from forms with the CSRF token only; another county sees neither', async () => {
    const town = newTownship('530102');
    for (let i = 0; i < 2; i++) await addPerson(app.db.prisma, { region: town });
    const w = await worker('530102');
    const filter = JSON.stringify({ region: town });
    const form = { filter, _sending: '1', name: '提醒', message: 'reminder.confirm', channels: ['sms'], quietOn: 'on', quietStart: '21:00', quietEnd: '08:00', startAt: '', endAt: '2026-12-20T18:00' };

    expect((await w.post('/console/campaigns', form, 'forged')).status).toBe(403);
    const created = await w.post('/console/campaigns', form);
    expect(created.status).toBe(303);
    const id = /campaigns\/([0-9a-f-]{36})\?done=created/.exec(created.headers.location ?? '')![1]!;
    const row = await app.db.prisma.campaign.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ channels: ['sms'], quietStart: '21:00', quietEnd: '08:00', status: 'DRAFT', endAt: new Date('2026-12-20T10:00:00Z') });
    expect((await w.post(`/console/campaigns/${id}/start`, {})).headers.location).toBe(`/console/campaigns/${id}?done=start`);
    expect((await w.post(`/console/campaigns/${id}/resume`, {})).status).toBe(409);
    const live = await w.get(`/console/campaigns/${id}/live`);
    expect(live.body).toMatchObject({ id, status: 'RUNNING', actions: ['pause', 'cancel'], funnel: ['sent', 'opened', 'verified', 'confirmed', 'corrected'] });
    // No channel ticked: the form comes back with the reason.
    const none = await w.post('/console/campaigns', { ...form, channels: [] });
    expect(none.status).toBe(400);
    expect(none.text).toContain('channels');

    expect((await w.post('/console/visit-lists', { filter }, 'forged')).status).toBe(403);
    const list = await w.post('/console/visit-lists', { filter });
    expect(list.status).toBe(303);
    const page = await w.get(list.headers.location!);
    expect(page.text).toContain('id="list-rows">2<');
    expect((await w.get(`${list.headers.location!}.zip`)).headers['content-type']).toContain('application/zip');

    const other = await worker('530103');
    expect((await other.get(`/console/campaigns/${id}`)).status).toBe(404);
    expect((await other.get(list.headers.location!)).status).toBe(404);
    expect((await other.get(`${list.headers.location!}.xlsx`)).status).toBe(404);
  });

  it('audits every opening of a campaign page, but its refresh every 3 s only as the first view of the China day', async () => {
    const town = newTownship('530102');
    await addPerson(app.db.prisma, { region: town });
    const w = await worker('530102');
    const created = await w.post('/console/campaigns', { filter: JSON.stringify({ region: town }), _sending: '1', name: '轮询', message: 'reminder.confirm', channels: ['sms'], startAt: '', endAt: '' });
    const id = /campaigns\/([0-9a-f-]{36})\?done=created/.exec(created.headers.location ?? '')![1]!;
    const views = (actorId: string) => app.db.prisma.auditEvent.count({ where: { action: 'campaign.view', targetId: id, actorId, outcome: 'OK' } });

    expect((await w.get(`/console/campaigns/${id}`)).status).toBe(200);
    for (const lang of ['zh-CN', 'en', 'zh-CN', 'en', 'zh-CN']) expect((await w.get(`/console/campaigns/${id}/live?lang=${lang}`)).body).toMatchObject({ id });
    expect(await views(w.id)).toBe(1);
    expect((await w.get(`/console/campaigns/${id}?lang=en`)).status).toBe(200);
    expect(await views(w.id)).toBe(2);

    // A colleague whose first look is the refresh still leaves one row, and only one.
    const colleague = await worker('530102');
    for (let i = 0; i < 3; i++) expect((await colleague.get(`/console/campaigns/${id}/live`)).status).toBe(200);
    expect(await views(colleague.id)).toBe(1);
    // Out of region: denied and audited every time.
    const other = await worker('530103');
    expect((await other.get(`/console/campaigns/${id}/live`)).status).toBe(404);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'campaign.view', targetId: id, actorId: other.id, outcome: 'DENIED' } })).toBe(1);
  });
});
