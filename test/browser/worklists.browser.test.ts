import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createStaff } from '../../src/domain/staff/staff.service';
import { raiseDuplicateCover } from '../../src/domain/worklists/duplicate-cover';
import { launchBrowser, serveApp, watchedPage } from '../helpers/browser';
import { addPerson } from '../helpers/community-fixtures';
import { useStaffApp } from '../helpers/staff-app';

/** The worklist in Chromium, in both languages: filter to duplicate cover, open an entry, keep the resident scheme, see it closed. */
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const PASSWORD = 'correct horse battery';
const app = useStaffApp({ start: '2026-12-01T02:00:00Z' });
let served: Awaited<ReturnType<typeof serveApp>>;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const db = app().db.prisma;
  await createStaff(db, { username: 'wuhua.office', role: 'REVIEWER', regionCode: '530102', password: PASSWORD });
  for (const name of ['周医保', 'Zhou Pension']) {
    const p = await addPerson(db, { region: '530102001', name, paying: name === '周医保' ? ['310', '390'] : ['110', '170'] });
    await raiseDuplicateCover(db, { personIds: [p.id], source: 'import', at: app().clock.now() });
  }
  served = await serveApp(app().app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

it.each(['zh-CN', 'en'])('works a duplicate-cover entry from the list to closed (%s)', async (lang) => {
  const context = await browser.newContext();
  const page = await watchedPage(context, problems);
  await page.goto(`${served.base}/console/worklists?lang=${lang}`);
  await page.waitForURL(/\/console\/login/);
  await page.fill('#username', 'wuhua.office');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/\/console\/worklists/), page.click('button[type="submit"].primary')]);

  await page.selectOption('#f-kind', 'DUPLICATE_COVER');
  await Promise.all([page.waitForURL(/kind=DUPLICATE_COVER/), page.click('#filters button[type="submit"]')]);
  const rows = page.locator('#worklist tbody tr');
  const before = await rows.count();
  expect(before).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: path.join(ARTIFACTS, `worklist.${lang}.png`), fullPage: true });

  await Promise.all([page.waitForURL(/\/console\/worklists\/[0-9a-f-]{36}/), rows.first().locator('a.button').click()]);
  const kinds = await page.locator('#schemes tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
  expect(kinds).toHaveLength(2);
  // Keep the resident scheme (not the suggested one).
  await page.check(`#keep-${kinds[1]}`);
  await page.screenshot({ path: path.join(ARTIFACTS, `worklist-entry.${lang}.png`), fullPage: true });
  await Promise.all([page.waitForURL(/done=closed/), page.click('#close')]);
  expect(await page.locator('.notice.ok').textContent()).toBe(lang === 'en' ? 'The entry was closed.' : '已办结。');
  expect(await page.locator('#worklist tbody tr').count()).toBe(before - 1);
  const closed = await app().db.prisma.workItem.findMany({ where: { status: 'DONE', outcome: 'SCHEME_KEPT' } });
  expect(closed.map((c) => (c.details as { closure: { keep: string } }).closure.keep)).toContain(kinds[1]);
  await context.close();
  expect(problems).toEqual([]);
}, 120_000);
