import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { staffRouters } from '../../src/app/staff-routers';
import { runProgressJob } from '../../src/domain/progress/progress.job';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createStaff } from '../../src/domain/staff/staff.service';
import { ARTIFACTS, PASSWORD, serveWithBrowser, signInAt } from '../helpers/browser';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** The progress page in Debian's Chromium: charts drawn by ECharts from node_modules, ranking, a data-quality link. */

let app: TestApp;
let base: string;
let browser: Browser;
const problems: string[] = [];
let serial = 0;

/** n persons in a township, the first `confirmed` of them confirmed, every third without a phone. */
async function township(code: string, n: number, confirmed: number) {
  const data = Array.from({ length: n }, (_, i) => {
    serial++;
    return {
      idNumber: `B${String(serial).padStart(17, '0')}`,
      name: '样例人',
      regionCode: code,
      sex: (i % 2 ? 'MALE' : 'FEMALE') as 'MALE' | 'FEMALE',
      birthDate: new Date(`${1970 + (i % 30)}-03-03T00:00:00Z`),
      registrationStatus: (i < confirmed ? 'CONFIRMED' : i % 5 === 0 ? 'NEEDS_VISIT' : 'UNREGISTERED') as 'CONFIRMED' | 'NEEDS_VISIT' | 'UNREGISTERED',
      flags: (i % 3 === 0 ? ['MISSING_PHONE'] : []) as 'MISSING_PHONE'[],
      employmentStatus: (i % 4 === 0 ? 'FLEXIBLE' : 'EMPLOYED') as 'FLEXIBLE' | 'EMPLOYED',
    };
  });
  await app.db.prisma.person.createMany({ data });
}

async function signIn(page: Page, username: string) {
  await signInAt(page, `${base}/console/progress`, username, PASSWORD, /\/console\/progress/);
}

const resources = suiteResources();

beforeAll(async () => {
  app = resources.track(await createTestApp({}, { extraRouters: staffRouters(), start: '2026-11-28T04:00:00Z' }));
  await seedRegions(app.db.prisma);
  const admin = await createStaff(app.db.prisma, { username: 'kunming.admin', role: 'ADMIN', regionCode: '530100', password: PASSWORD });
  await createStaff(app.db.prisma, { username: 'province.admin', role: 'ADMIN', regionCode: '530000', password: PASSWORD });
  // Three days of progress in Kunming's counties (五华区 530102, 盘龙区 530103, 官渡区 530111).
  const plan: [string, number, number][] = [
    ['530102001', 40, 10],
    ['530103001', 30, 5],
    ['530111001', 50, 20],
  ];
  for (const [code, n, c] of plan) await township(code, n, c);
  await runProgressJob(app.db.prisma, app.clock);
  for (const day of ['2026-11-29T04:00:00Z', '2026-11-30T04:00:00Z']) {
    app.clock.set(day);
    for (const regionCode of ['530102001', '530111001']) {
      const waiting = await app.db.prisma.person.findMany({ where: { registrationStatus: 'UNREGISTERED', regionCode }, orderBy: { idNumber: 'asc' }, take: 6, select: { id: true } });
      await app.db.prisma.person.updateMany({ where: { id: { in: waiting.map((w) => w.id) } }, data: { registrationStatus: 'CONFIRMED' } });
    }
    await runProgressJob(app.db.prisma, app.clock);
  }
  await app.db.prisma.progressTarget.createMany({
    data: ['530102', '530103', '530111', '530112'].map((regionCode) => ({ regionCode, year: 2026, confirmedShare: 0.7, coverShare: 0.9, setBy: admin.id, setAt: app.clock.now() })),
  });
  ({ base, browser } = await serveWithBrowser(resources, app.app));
}, SUITE_SETUP_TIMEOUT_MS);

describe('progress page in Chromium', () => {
  it.each(['zh-CN', 'en'] as const)('draws the charts, ranks the counties behind target and links a figure to its people (%s)', async (lang) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: lang });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()} ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed ${r.url()}`));
    await signIn(page, 'kunming.admin');
    await page.goto(`${base}/console/progress?lang=${lang}`);
    await page.waitForSelector('body[data-charts="ready"]');
    expect(await page.locator('#chart-share canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('body')).not.toMatch(/returned an object|progress\.[a-z]+\.[a-zA-Z]+/);
    expect(await page.locator('#chart-trend canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('h1')).toContain(lang === 'en' ? 'Progress dispatch' : '工作进度调度');
    // 35 + 2 days x 12 = 59 of 120 confirmed.
    expect(await page.textContent('#total-share')).toBe('49.2%');
    // Behind the 70% target: 西山区 (nobody confirmed yet), 盘龙区 5/30, 五华区 22/40, 官渡区 32/50.
    const behind = await page.locator('#behind tbody tr td:nth-child(2)').allTextContents();
    expect(behind).toEqual(['西山区', '盘龙区', '五华区', '官渡区']);
    await page.screenshot({ path: path.join(ARTIFACTS, `progress-${lang}.png`), fullPage: true });

    // "Missing phone" in 盘龙区 (every third of 30 = 10) links to exactly those people.
    const link = page.locator('#quality tr', { hasText: '盘龙区' }).locator('a[data-segment="MISSING_PHONE"]');
    expect(await link.textContent()).toBe('10');
    await Promise.all([page.waitForURL(/\/console\/progress\/people/), link.click()]);
    expect(await page.locator('#segment tbody tr').count()).toBe(10);
    expect(await page.textContent('#segment tbody tr td')).toMatch(/^B0{4}\d{3}\*+\d{4}$|^B\d{5}\*{8}\d{4}$/);
    // ... and on to the community console's segment of the same people (campaign, visit list).
    const href = new URL((await page.getAttribute('#segment-link', 'href'))!, base);
    expect(href.pathname).toBe('/console/segments');
    expect(JSON.parse(href.searchParams.get('filter')!)).toEqual({ region: '530103', flags: ['MISSING_PHONE'], excludeOptedOut: false, excludeOpenChangeRequest: false });

    // The printable report opens with a section per county of Kunming.
    await page.goto(`${base}/console/progress/report?region=530100&from=2026-11-28&to=2026-11-30&lang=${lang}`);
    expect(await page.locator('section.sheet').count()).toBe(1 + (await app.db.prisma.region.count({ where: { parentCode: '530100' } })));
    await page.screenshot({ path: path.join(ARTIFACTS, `progress-report-${lang}.png`) });
    await context.close();
    expect(problems).toEqual([]);
  });

  it('does not show another prefecture to a Kunming official', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'kunming.admin');
    const res = await page.goto(`${base}/console/progress?region=532300`);
    expect(res?.status()).toBe(404);
    await context.close();
  });
});
