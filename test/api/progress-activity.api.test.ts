import ExcelJS from 'exceljs';
import request from 'supertest';
import { campaignRenderer } from '../../src/app/campaigns';
import { staffRouters } from '../../src/app/staff-routers';
import { CampaignDispatcher } from '../../src/domain/campaigns/campaign-dispatcher';
import { runProgressJob } from '../../src/domain/progress/progress.job';
import { seedRegions } from '../../src/domain/registry/region.service';
import { addPerson, api, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Progress activity from community work: campaign messages sent and visits done, per day and region. */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp(
    { STAFF_TOKEN_TTL_HOURS: '168', CAMPAIGN_SMS_PER_MINUTE: '1000', CAMPAIGN_LINK_BASE: 'https://rs.example.cn' },
    { extraRouters: staffRouters(), smsPost: async () => ({ status: 200, body: 'ok' }) },
  );
  await seedRegions(app.db.prisma);
}, 120_000);
afterAll(async () => {
  await app?.close();
});
const prisma = () => app.db.prisma;

async function binary(auth: Record<string, string>, url: string): Promise<Buffer> {
  const r = await request(app.app)
    .get(url)
    .set(auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(r.status).toBe(200);
  return r.body as Buffer;
}

/** A township of its own in the region table (so the progress API can be asked about it alone). */
async function township(county: string): Promise<string> {
  const code = newTownship(county);
  await prisma().region.upsert({ where: { code }, create: { code, name: `测试街道${code.slice(-3)}`, level: 'TOWNSHIP', parentCode: county }, update: {} });
  return code;
}

describe('activity: campaign messages sent and visits done', () => {
  it('counts the dispatcher’s sends and the visits done on their day, in the figures, the trend and the report (both languages)', async () => {
    app.clock.set('2026-12-01T03:00:00Z'); // 11:00 China time, a Tuesday
    const town = await township('530103');
    const { auth } = await staffToken(prisma(), app.clock, app.config, '530103');
    const people = [];
    for (let i = 0; i < 4; i++) people.push(await addPerson(prisma(), { region: town }));
    await addPerson(prisma(), { region: town, phone: null }); // no channel: skipped, not sent

    // 1. a campaign over the township, sent by SMS: 4 sent, 1 skipped
    const created = await api(app.app, auth).post('/api/campaigns', { name: 'progress', message: 'reminder.confirm', channels: ['sms'], filter: { region: town } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    await api(app.app, auth).post(`/api/campaigns/${id}/start`).expect(200);
    const d = new CampaignDispatcher({ prisma: prisma(), clock: app.clock, logger: app.logger, render: campaignRenderer(app.i18n), linkBase: 'https://rs.example.cn', linkDays: 14, batchSize: 50, rates: null });
    expect(await d.runOnce()).toMatchObject({ sent: 4, skipped: 1 });

    // 2. a visit list of all five: two visited, one absent (three visits done), two rows left blank
    const list = await api(app.app, auth).post('/api/visit-lists', { filter: { region: town, registrationStatus: ['UNREGISTERED']} });
    expect(list.status).toBe(201);
    const listId = (list.body as { id: string }).id;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await binary(auth, `/api/visit-lists/${listId}.xlsx`)) as unknown as ArrayBuffer);
    const rows = wb.worksheets.flatMap((ws) => Array.from({ length: ws.rowCount - 1 }, (_x, i) => ws.getRow(i + 2)));
    expect(rows).toHaveLength(5);
    rows[0]!.getCell(7).value = '已走访';
    rows[1]!.getCell(7).value = 'visited';
    rows[2]!.getCell(7).value = 'absent';
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    const up = await request(app.app).post(`/api/visit-lists/${listId}/results`).set(auth).set('content-type', 'application/octet-stream').send(filled);
    expect(up.body).toMatchObject({ applied: 3 });

    // 3. visit requests: one closed as visited and registered (a visit), one reached by phone (not a visit), one open
    const vr = (personId: string) => prisma().visitRequest.create({ data: { personId, regionCode: town, reason: 'RESIDENT_ASKED', details: '下午在家', channel: 'web', createdAt: app.clock.now() } });
    const [v1, v2] = [await vr(people[0]!.id), await vr(people[1]!.id), await vr(people[2]!.id)];
    await api(app.app, auth).post(`/api/visit-requests/${v1!.id}/close`, { outcome: 'REGISTERED' }).expect(200);
    await api(app.app, auth).post(`/api/visit-requests/${v2!.id}/close`, { outcome: 'CONTACTED' }).expect(200);

    // Another day's work does not count today.
    app.clock.set('2026-12-02T03:00:00Z');
    const later = await vr(people[3]!.id);
    await api(app.app, auth).post(`/api/visit-requests/${later.id}/close`, { outcome: 'REGISTERED' }).expect(200);
    app.clock.set('2026-12-01T03:30:00Z');
    await runProgressJob(prisma(), app.clock);

    const fig = await api(app.app, auth).get(`/api/progress?region=${town}`);
    expect(fig.status).toBe(200);
    expect(fig.body.totals.activity).toMatchObject({ campaignMessagesSent: 4, visitsDone: 4 });
    const county = await api(app.app, auth).get('/api/progress?region=530103&by=child');
    expect(county.body.totals.activity).toMatchObject({ campaignMessagesSent: 4, visitsDone: 4 });
    expect(county.body.rows.find((r: { code: string }) => r.code === town).activity).toMatchObject({ campaignMessagesSent: 4, visitsDone: 4 });

    // The next day: the late request counts on its own day; the first day keeps its figures in the trend.
    app.clock.set('2026-12-02T03:30:00Z');
    await runProgressJob(prisma(), app.clock);
    const trend = await api(app.app, auth).get(`/api/progress/trend?region=${town}&from=2026-12-01&to=2026-12-02`);
    expect(trend.body.days.map((x: { date: string; activity: Record<string, number> }) => [x.date, x.activity.campaignMessagesSent, x.activity.visitsDone])).toEqual([
      ['2026-12-01', 4, 4],
      ['2026-12-02', 0, 1],
    ]);

    // The report sums the period's work: 4 messages, 5 visits, under a translated heading.
    for (const [lang, sent, visits] of [
      ['zh-CN', '发送活动消息', '走访完成'],
      ['en', 'Campaign messages sent', 'Visits done'],
    ] as const) {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await binary(auth, `/api/progress/report.xlsx?region=530103&from=2026-12-01&to=2026-12-02&lang=${lang}`)) as unknown as ArrayBuffer);
      const summary = book.worksheets[0]!;
      const header = summary.getRow(6).values as unknown[];
      const total = summary.getRow(7);
      expect([total.getCell(header.indexOf(sent)).value, total.getCell(header.indexOf(visits)).value]).toEqual([4, 5]);
    }
  });
});
