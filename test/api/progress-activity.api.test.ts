import ExcelJS from 'exceljs';
import request from 'supertest';
import { campaignRenderer } from '../../src/app/campaigns';
import { staffRouters } from '../../src/app/staff-routers';
import { CampaignDispatcher } from '../../src/domain/campaigns/campaign-dispatcher';
import { runProgressJob } from '../../src/domain/progress/progress.job';
import { communityFilterFor, SEGMENT_KEYS } from '../../src/domain/progress/segment.service';
import { seedRegions } from '../../src/domain/registry/region.service';
import { getBinary } from '../helpers/binary';
import { addPerson, api, newTownship, staffToken } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Progress and community work: campaign messages sent and visits done per day and region; the segment filter
 * a progress figure links to selects as many persons as the figure counts.
 */
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

const binary = (auth: Record<string, string>, url: string) => getBinary(app.app, auth, url);

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

/** A progress figure by its segment key (as on the progress page's data-quality table). */
const FIGURE: Record<string, (f: { unregistered: number; pendingReview: number; needsVisit: number; flags: Record<string, number> }) => number> = {
  MISSING_PHONE: (f) => f.flags.missingPhone!,
  MISSING_RESIDENCE: (f) => f.flags.missingResidence!,
  DUPLICATE_MEDICAL: (f) => f.flags.duplicateMedical!,
  DUPLICATE_PENSION: (f) => f.flags.duplicatePension!,
  SEX_MISMATCH: (f) => f.flags.sexMismatch!,
  UNKNOWN_REGION: (f) => f.flags.unknownRegion!,
  UNREGISTERED: (f) => f.unregistered,
  PENDING_REVIEW: (f) => f.pendingReview,
  NEEDS_VISIT: (f) => f.needsVisit,
};

describe('the segment behind a progress figure', () => {
  it('previews (POST /api/segments/preview) as many persons as the figure, for every segment and region level', async () => {
    app.clock.set('2026-12-03T03:00:00Z');
    const town = await township('530112');
    const other = await township('530112');
    const { auth, staff } = await staffToken(prisma(), app.clock, app.config, '530000', 'ADMIN');
    await addPerson(prisma(), { region: town, flags: ['MISSING_PHONE'], phone: null });
    await addPerson(prisma(), { region: town, status: 'NEEDS_VISIT', flags: ['MISSING_PHONE', 'DUPLICATE_MEDICAL'], optedOut: true });
    const reviewed = await addPerson(prisma(), { region: town, status: 'PENDING_REVIEW', flags: ['MISSING_RESIDENCE'] });
    await prisma().changeRequest.create({
      data: { reference: `CRT${town}`, kind: 'FIELD_CHANGE', personId: reviewed.id, fields: ['phone'], currentValues: {}, proposedValues: {}, regionCode: town, channel: 'web', dueAt: app.clock.now() },
    });
    const dnc = await addPerson(prisma(), { region: town, flags: ['DUPLICATE_PENSION', 'SEX_MISMATCH'] });
    await prisma().doNotContact.create({ data: { personId: dnc.id, reason: 'asked', setBy: staff.id } });
    await addPerson(prisma(), { region: '530112', status: 'CONFIRMED', flags: ['UNKNOWN_REGION'] }); // known to the county only
    await addPerson(prisma(), { region: other, status: 'CONFIRMED', flags: ['MISSING_PHONE'] });
    await addPerson(prisma(), { region: `${other}001`, flags: ['MISSING_RESIDENCE'] }); // a village of the other township
    await runProgressJob(prisma(), app.clock);

    let compared = 0;
    for (const region of [town, '530112', '530100', '530000']) {
      const fig = await api(app.app, auth).get(`/api/progress?region=${region}`);
      expect(fig.status).toBe(200);
      for (const segment of SEGMENT_KEYS) {
        const filter = communityFilterFor(region, segment);
        if (!filter) {
          expect(['gap', 'flexible', 'platform']).toContain(segment);
          continue;
        }
        const preview = await api(app.app, auth).post('/api/segments/preview', { filter });
        expect(preview.status).toBe(200);
        expect([region, segment, (preview.body as { count: number }).count]).toEqual([region, segment, FIGURE[segment]!(fig.body.totals)]);
        compared++;
      }
    }
    expect(compared).toBe(4 * 9);
    // The township's figures are not trivially zero: the comparison above covers real counts.
    const t = (await api(app.app, auth).get(`/api/progress?region=${town}`)).body.totals;
    expect([t.flags.missingPhone, t.needsVisit, t.pendingReview, t.flags.duplicatePension]).toEqual([2, 1, 1, 1]);
  });
});
