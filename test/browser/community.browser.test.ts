import path from 'node:path';
import ExcelJS from 'exceljs';
import { type Browser, type Page } from 'playwright-core';
import { campaignRenderer } from '../../src/app/campaigns';
import { staffRouters } from '../../src/app/staff-routers';
import { CampaignDispatcher } from '../../src/domain/campaigns/campaign-dispatcher';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createStaff } from '../../src/domain/staff/staff.service';
import { ARTIFACTS, PASSWORD, serveWithBrowser, signInAt } from '../helpers/browser';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { addPerson, bindWechat } from '../helpers/community-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * Community work in Chromium, in both languages: a segment previewed live, a campaign created from it, started
 * and followed on its funnel; a visit list made from the campaign, downloaded, filled in and uploaded twice.
 */
const T1 = '530102001';
const T2 = '530102002';

let app: TestApp;
let base: string;
let browser: Browser;
const problems: string[] = [];

async function signIn(page: Page, lang: string) {
  await signInAt(page, `${base}/console/segments?lang=${lang}`, 'wuhua.worker', PASSWORD, /\/console\/segments/);
}

const resources = suiteResources();

beforeAll(async () => {
  // 10:00 China time: outside the default quiet hours.
  app = resources.track(await createTestApp({}, { extraRouters: staffRouters(), start: '2026-12-01T02:00:00Z' }));
  const db = app.db.prisma;
  await seedRegions(db);
  await createStaff(db, { username: 'wuhua.worker', role: 'COMMUNITY_WORKER', regionCode: '530102', password: PASSWORD });
  // 五华区: 2 on WeChat, 6 by SMS, 1 with no channel, all unregistered; 2 confirmed (not in the segment).
  for (let i = 0; i < 2; i++) await bindWechat(db, (await addPerson(db, { region: T1, name: `微信${i}` })).id);
  for (let i = 0; i < 3; i++) await addPerson(db, { region: T1, name: `短信${i}` });
  for (let i = 0; i < 3; i++) await addPerson(db, { region: T2, name: `护国${i}` });
  await addPerson(db, { region: T1, phone: null, name: '无号' });
  for (let i = 0; i < 2; i++) await addPerson(db, { region: T2, status: 'CONFIRMED', name: `已确${i}` });
  ({ base, browser } = await serveWithBrowser(resources, app.app));
}, SUITE_SETUP_TIMEOUT_MS);

describe('community work in Chromium', () => {
  it.each(['zh-CN', 'en'] as const)('previews a segment, creates, starts and follows a campaign, and round-trips its visit list (%s)', async (lang) => {
    const db = app.db.prisma;
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: lang, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()} ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await signIn(page, lang);

    // A prefilled filter from the URL (the contract the progress page links with), then narrowed live.
    await page.goto(`${base}/console/segments?filter=${encodeURIComponent(JSON.stringify({ region: '530102' }))}`);
    await page.waitForSelector('#preview-count[data-count="11"]');
    await page.check('input[name="registrationStatus"][value="UNREGISTERED"]');
    await page.waitForSelector('#preview-count[data-count="9"]');
    expect(await page.textContent('[data-channel="wechat"]')).toMatch(/ 2$/);
    expect(await page.textContent('[data-channel="sms"]')).toMatch(/ 6$/);
    expect(await page.textContent('[data-channel="none"]')).toMatch(/ 1$/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get('filter') ?? '')).toContain('"registrationStatus":["UNREGISTERED"]');
    expect(await page.textContent('body')).not.toMatch(/communityConsole\.|returned an object/);
    await page.screenshot({ path: path.join(ARTIFACTS, `community-segment-${lang}.png`), fullPage: true });

    // Create the campaign from the preview, then start it.
    await Promise.all([page.waitForURL(/\/console\/campaigns\/new/), page.click('#create-campaign')]);
    expect(await page.textContent('#preview-count')).toContain('9');
    await page.fill('#f-name', `Reminder ${lang}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `community-campaign-new-${lang}.png`), fullPage: true });
    await Promise.all([page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}\?done=created/), page.click('#create')]);
    const campaignId = /campaigns\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await Promise.all([page.waitForURL(/done=start/), page.click('#action-start')]);
    expect(await page.textContent('#campaign-status')).toBe(lang === 'en' ? 'Running' : '发送中');

    // The dispatcher sends; residents open, verify, confirm or correct; the page's counts and funnel follow.
    const dispatcher = new CampaignDispatcher({ prisma: db, clock: app.clock, logger: app.logger, render: campaignRenderer(app.i18n), linkBase: 'https://rs.example.cn', linkDays: 14, batchSize: 50, rates: null });
    expect(await dispatcher.runOnce()).toMatchObject({ sent: 8, skipped: 1 });
    // Those who respond are T1 residents first, so the unreached stay in both townships whatever order ids fall in.
    const inT1 = new Set((await db.person.findMany({ where: { regionCode: T1 }, select: { id: true } })).map((p) => p.id));
    const sent = (await db.campaignRecipient.findMany({ where: { campaignId, status: 'SENT' }, orderBy: { id: 'asc' } })).sort((a, b) => Number(inT1.has(b.personId)) - Number(inT1.has(a.personId)));
    const now = app.clock.now();
    await db.campaignRecipient.updateMany({ where: { id: { in: sent.slice(0, 4).map((r) => r.id) } }, data: { openedAt: now } });
    await db.campaignRecipient.updateMany({ where: { id: { in: sent.slice(0, 3).map((r) => r.id) } }, data: { verifiedAt: now } });
    await db.campaignRecipient.updateMany({ where: { id: { in: sent.slice(0, 2).map((r) => r.id) } }, data: { outcome: 'CONFIRMED', status: 'COMPLETED' } });
    await db.campaignRecipient.update({ where: { id: sent[2]!.id }, data: { outcome: 'CORRECTED', status: 'COMPLETED' } });
    await page.locator('#counts [data-count="confirmed"]:text-is("2")').waitFor({ timeout: 15_000 });
    const counts = await page.$$eval('#counts [data-count]', (tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-count'), td.textContent])));
    expect(counts).toMatchObject({ recipients: '9', sent: '8', skipped: '1', opened: '4', verified: '3', confirmed: '2', corrected: '1' });
    expect(await page.locator('#chart-funnel canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-townships canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#townships tbody tr').count()).toBe(2);
    // Everyone was reached, so the campaign finished: the page says so and offers no pause or cancel.
    expect(await page.textContent('#campaign-status')).toBe(lang === 'en' ? 'Finished' : '已结束');
    expect(await page.locator('#action-pause').isVisible()).toBe(false);
    expect(await page.locator('#action-cancel').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, `community-campaign-${lang}.png`), fullPage: true });

    // The visit list of the unreached: the skipped one and the 5 sent who did not finish.
    await Promise.all([page.waitForURL(/\/console\/visit-lists\/[0-9a-f-]{36}$/), page.click('#campaign-visit-list button')]);
    expect(await page.textContent('#list-rows')).toBe('6');
    expect(await page.locator('#townships tbody tr').count()).toBe(2);
    const zip = await page.request.get(`${page.url()}.zip`);
    expect(zip.headers()['content-type']).toContain('application/zip');
    expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
    const file = path.join(ARTIFACTS, `community-visit-list-${lang}.xlsx`);
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const rows = wb.worksheets.flatMap((ws) => Array.from({ length: ws.rowCount - 1 }, (_, i) => ws.getRow(i + 2)));
    expect(rows).toHaveLength(6);
    rows[0]!.getCell(7).value = lang === 'en' ? 'visited' : '已走访';
    rows[1]!.getCell(7).value = 'visited';
    rows[1]!.getCell(8).value = '123';
    await wb.xlsx.writeFile(file);

    // First upload: one row applied, the bad phone rejected. Second: nothing changes, the same reject.
    for (const [round, wait] of [
      [1, '#report [data-report="applied"]:text-matches(" 1$")'],
      [2, '#report [data-report="unchanged"]:text-matches(" 1$")'],
    ] as const) {
      await page.setInputFiles('#results-file', file);
      await page.click('#upload');
      await page.locator(wait).waitFor();
      expect(await page.textContent('#report [data-report="applied"]')).toMatch(round === 1 ? / 1$/ : / 0$/);
      expect(await page.locator('#rejects tbody tr').count()).toBe(1);
      expect(await page.textContent('#rejects tbody')).toContain(lang === 'en' ? 'not a valid mobile number' : '不是有效的手机号');
      if (round === 1) await page.screenshot({ path: path.join(ARTIFACTS, `community-visit-list-${lang}.png`), fullPage: true });
    }
    await context.close();
    expect(problems).toEqual([]);
  }, 120_000);
});
