import request from 'supertest';
import { campaignRenderer } from '../../src/app/campaigns';
import { staffRouters } from '../../src/app/staff-routers';
import { CampaignDispatcher } from '../../src/domain/campaigns/campaign-dispatcher';
import { seedRegions } from '../../src/domain/registry/region.service';
import { addPerson, api, newTownship, staffToken } from '../helpers/community-fixtures';
import { gb18030 } from '../helpers/encodings';
import { createTestApp, type TestApp } from '../helpers/test-app';
import { csrfTokenFor } from '../../src/http/console/console-session';

/** Issue 17 through the staff API: the streamed feed run (admins only), and a death stopping a running campaign. */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ STAFF_TOKEN_TTL_HOURS: '168' }, { extraRouters: staffRouters() });
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});
const prisma = () => app.db.prisma;

function postFeed(auth: Record<string, string>, source: string, csv: string | Buffer) {
  return request(app.app).post(`/api/feeds/${source}`).set(auth).set('content-type', 'text/csv').send(csv);
}
const ndjson = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('POST /api/feeds/:source', () => {
  it('streams progress and the summary with masked rejects to an admin; a community worker is refused', async () => {
    const town = newTownship('530102');
    const p = await addPerson(prisma(), { region: town });
    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    const csv = `id_number,name,event,event_date\n${p.idNumber},${p.name},DIBAO_START,2026-01-05\n110101199001011234,x,DEATH,2026-01-01\n`;
    const r = await postFeed(admin.auth, 'civil-affairs', csv);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/ndjson/);
    const lines = ndjson(r.text);
    expect(lines.some((l) => 'progress' in l)).toBe(true);
    const last = lines.at(-1) as { summary: { counts: Record<string, number> }; rejectsCsv: string };
    expect(last.summary.counts).toMatchObject({ read: 2, matched: 1, changed: 1, rejected: 1 });
    expect(last.rejectsCsv).toContain('110101********1234');
    expect(last.rejectsCsv).not.toContain('110101199001011234');
    expect(await prisma().assistancePeriod.count({ where: { personId: p.id, kind: 'DIBAO' } })).toBe(1);
    expect(await prisma().auditEvent.count({ where: { action: 'feed.run', actorId: admin.staff.id } })).toBe(1);

    const worker = await staffToken(prisma(), app.clock, app.config, '530102');
    expect((await postFeed(worker.auth, 'civil-affairs', csv)).status).toBe(403);
  });

  it('answers a wrong header with an error line and writes nothing', async () => {
    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    const r = await postFeed(admin.auth, 'ssc', 'id_number,name\n');
    expect(ndjson(r.text).at(-1)).toMatchObject({ error: { code: 'BAD_FILE', nothingWritten: true } });
    expect((await postFeed(admin.auth, 'nowhere', 'x\n')).status).toBe(400);
  });

  it('reads a body exported in GB18030 (GBK) and answers a workbook with what to do', async () => {
    const p = await addPerson(prisma(), { region: newTownship('530102') });
    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    const r = await postFeed(admin.auth, 'ssc', gb18030(`id_number,name,card_status,issued_on\n${p.idNumber},${p.name},ISSUED,2026-02-01\n`));
    expect(ndjson(r.text).at(-1)).toMatchObject({ summary: { encoding: 'gb18030', counts: { read: 1, matched: 1, changed: 1, rejected: 0 } } });
    expect((await prisma().person.findUniqueOrThrow({ where: { id: p.id } })).sscCardStatus).toBe('ISSUED');
    const xlsx = await postFeed(admin.auth, 'ssc', Buffer.from('PK\u0003\u0004[Content_Types].xml', 'latin1'));
    expect(ndjson(xlsx.text).at(-1)).toEqual({ error: { code: 'BAD_FILE', nothingWritten: true, message: 'ssc.csv is an Excel workbook (or another binary file), not CSV: save it from Excel as "CSV UTF-8 (comma delimited)"' } });
  });
});

describe('scope', () => {
  it('a move in puts the person in the new county worker scope and out of the old one', async () => {
    const from = newTownship('530102');
    const to = newTownship('530103');
    const p = await addPerson(prisma(), { region: from });
    await prisma().person.update({ where: { id: p.id }, data: { residenceRegion: null, hukouRegion: from } });
    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    const header = 'id_number,name,sex,ethnicity,birth_date,hukou_region,hukou_address,household_id,relationship,event,event_date';
    await postFeed(admin.auth, 'public-security', `${header}\n${p.idNumber},${p.name},,,,${to},新村12号,,,MOVE_IN,2026-04-01\n`);
    const oldCounty = await staffToken(prisma(), app.clock, app.config, '530102');
    const newCounty = await staffToken(prisma(), app.clock, app.config, '530103');
    expect((await request(app.app).get(`/api/persons/${p.idNumber}`).set(newCounty.auth)).status).toBe(200);
    expect((await request(app.app).get(`/api/persons/${p.idNumber}`).set(oldCounty.auth)).status).toBe(404);
  });
});

describe('the console person page', () => {
  it('shows the card, the assistance periods and where each value came from, in both locales', async () => {
    const town = newTownship('530102');
    const p = await addPerson(prisma(), { region: town });
    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    await postFeed(admin.auth, 'ssc', `id_number,name,card_status,issued_on\n${p.idNumber},${p.name},ACTIVE,2026-02-02\n`);
    await postFeed(admin.auth, 'civil-affairs', `id_number,name,event,event_date\n${p.idNumber},${p.name},TEKUN_START,2026-01-05\n`);
    await postFeed(admin.auth, 'public-security', `${'id_number,name,sex,ethnicity,birth_date,hukou_region,hukou_address,household_id,relationship,event,event_date'}\n${p.idNumber},${p.name},,01,,${town},演示路9号,,,UPDATE,2026-03-03\n`);
    const token = admin.auth.Authorization.slice('Bearer '.length);
    const show = (lang: string) =>
      request(app.app).post(`/console/persons?lang=${lang}`).set('Cookie', `cb_console=${token}`).type('form').send(new URLSearchParams({ idNumber: p.idNumber, _csrf: csrfTokenFor(token) }).toString());
    const en = await show('en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('Departmental data');
    expect(en.text).toContain('Social-security card');
    expect(en.text).toMatch(/active \(2026-02-02\)/);
    expect(en.text).toContain('Special hardship (tekun) from 2026-01-05');
    expect(en.text).toMatch(/Hukou address<\/td><td>Public security \(hukou\)<\/td><td>2026-03-03/);
    const zh = await show('zh-CN');
    expect(zh.text).toContain('部门比对数据');
    expect(zh.text).toContain('特困人员');
    expect(zh.text).toMatch(/户籍地址<\/td><td>公安（户籍）<\/td><td>2026-03-03/);
    const api = await request(app.app).get(`/api/persons/${p.idNumber}`).set(admin.auth);
    expect(api.body.departmental).toMatchObject({ sscCard: { status: 'ACTIVE', issuedOn: '2026-02-02' }, assistance: [{ kind: 'TEKUN', startedOn: '2026-01-05', endedOn: null }] });
    expect(api.body.departmental.provenance).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'hukouAddress', source: 'public-security', on: '2026-03-03' }), expect.objectContaining({ field: 'sscCard', source: 'ssc', on: '2026-02-02' })]),
    );
  });
});

describe('a death stops reminders at once', () => {
  it('the running campaign skips the deceased at its next send', async () => {
    const town = newTownship('530102');
    app.clock.set('2026-11-30T14:00:00Z'); // 22:00 in China: quiet hours, recipients queued but not sent
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530102');
    const alive = await addPerson(prisma(), { region: town });
    const dying = await addPerson(prisma(), { region: town });
    const created = await api(app.app, auth).post('/api/campaigns', { name: 'feeds', message: 'reminder.confirm', channels: ['sms'], filter: { region: town } });
    const id = (created.body as { id: string }).id;
    await api(app.app, auth).post(`/api/campaigns/${id}/start`);
    const d = new CampaignDispatcher({ prisma: prisma(), clock: app.clock, logger: app.logger, render: campaignRenderer(app.i18n), linkBase: 'https://rs.example.cn', linkDays: 14, batchSize: 10, rates: null });
    expect(await d.runOnce()).toMatchObject({ materialised: 2, sent: 0 });

    const admin = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    const feed = await postFeed(admin.auth, 'civil-affairs', `id_number,name,event,event_date\n${dying.idNumber},${dying.name},DEATH,2026-11-29\n`);
    expect(ndjson(feed.text).at(-1)).toMatchObject({ summary: { counts: { changed: 1 } } });

    app.clock.set('2026-12-01T01:00:00Z');
    expect(await d.runOnce()).toMatchObject({ sent: 1, skipped: 1 });
    const rows = await prisma().campaignRecipient.findMany({ where: { campaignId: id } });
    expect(rows.find((r) => r.personId === dying.id)).toMatchObject({ status: 'SKIPPED', skipReason: 'NOT_RESIDENT' });
    expect(rows.find((r) => r.personId === alive.id)).toMatchObject({ status: 'SENT' });
  });
});
