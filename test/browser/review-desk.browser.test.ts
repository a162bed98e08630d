import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { staffRouters } from '../../src/app/staff-routers';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { approveRequest } from '../../src/domain/review';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createStaff } from '../../src/domain/staff/staff.service';
import { ARTIFACTS, PASSWORD, serveWithBrowser, signInAt, watchedPage } from '../helpers/browser';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { ChatClient, type ChatReply, createPerson, numberOf } from '../helpers/chat-fixtures';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * The review desk as a reviewer reads it (issue 14), in zh-CN and en at 1366x900: every code as words, the
 * header's region by name (1), checks of a closed request as of its decision (2), a first approval shown as a
 * state with its own queue filter (3), views folded in the history (4), the turns that led to the request with
 * the option each number chose (5), the admins' audit search with CSV export and paging (6), wait times in
 * words, 修改原因, and the English chat and console headers on one line (7).
 */
const TUESDAY_10 = '2026-12-01T02:00:00.000Z';
const LAPTOP = { width: 1366, height: 900 };

let app: TestApp;
let base: string;
let browser: Browser;
const problems: string[] = [];
let chatRef: { id: string; reference: string };
let closedRef: { id: string; reference: string };
const other: Record<'overdue' | 'waiting', { id: string; reference: string }> = {} as never;

async function signIn(context: BrowserContext, username: string, lang: 'zh-CN' | 'en'): Promise<Page> {
  const page = await watchedPage(context, problems);
  await signInAt(page, `${base}/console/queue?lang=${lang}`, username, PASSWORD, /\/console\/queue/);
  return page;
}

const shot = (page: Page, name: string, lang: string) => page.screenshot({ path: path.join(ARTIFACTS, `review-desk-${name}.${lang}.png`), fullPage: true });
/** Codes that must never reach a page as such. */
const RAW_CODES = /\b(RESIDENT|STAFF|SYSTEM|OK|DENIED|change_request\.submit|review\.view|registration\.pending_review|identity\.verified|wechat-oa|530100|530000)\b/;

async function changeRequest(reference: string, createdAt: Date) {
  const p = await createPerson(app.db.prisma, { name: '赵丽' });
  return app.db.prisma.changeRequest.create({
    data: {
      reference,
      kind: 'FIELD_CHANGE',
      personId: p.id,
      fields: ['phone'],
      currentValues: { phone: p.phone },
      proposedValues: { phone: '13987654321' },
      regionCode: '530102',
      channel: 'wechat-oa',
      dueAt: reviewDueAt(createdAt),
      createdAt,
    },
    select: { id: true, reference: true },
  });
}

/** A resident asks for a name change in the web chat, answering menus by number, then chats on (人工, 菜单). */
async function nameChangeInChat(name: string, newName: string): Promise<{ id: string; reference: string }> {
  const resident = await createPerson(app.db.prisma, { name });
  const chat = await ChatClient.start(app.app);
  const say = async (text: string): Promise<ChatReply[]> => {
    app.clock.advance(20_000);
    return chat.send(text);
  };
  await say('1');
  await say(resident.idNumber);
  await say(resident.name);
  const menu = await say(resident.phone!.slice(-4));
  const fields = await say(numberOf(menu, 'correct'));
  await say(numberOf(fields, 'name'));
  const confirm = await say(newName);
  await say(numberOf(confirm, 'submit'));
  await say('户口本上是这个名字');
  app.clock.advance(60_000);
  await say('菜单');
  await say('人工');
  return app.db.prisma.changeRequest.findFirstOrThrow({ where: { personId: resident.id }, select: { id: true, reference: true } });
}

const resources = suiteResources();

beforeAll(async () => {
  app = resources.track(await createTestApp({}, { extraRouters: staffRouters(), start: TUESDAY_10 }));
  await seedRegions(app.db.prisma);
  for (const [username, role, regionCode] of [
    ['zhangsan', 'REVIEWER', '530100'],
    ['lisi', 'REVIEWER', '530100'],
    ['audit.admin', 'ADMIN', '530000'],
    ['qujing.admin', 'ADMIN', '530300'],
  ] as const) {
    await createStaff(app.db.prisma, { username, role, regionCode, password: PASSWORD });
  }

  app.clock.set('2026-12-01T01:30:00.000Z');
  chatRef = await nameChangeInChat('李秀英', '李秀红');
  // A second one, decided by two reviewers through the review service (for the audit search and English pages).
  closedRef = await nameChangeInChat('王芳', '王芬');
  const env = { db: app.db.prisma, clock: app.clock, i18n: app.i18n, holidays: [] };
  for (const username of ['zhangsan', 'lisi']) {
    const principal = await app.db.prisma.staffUser.findUniqueOrThrow({ where: { username } });
    const r = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: closedRef.id } });
    const done = await approveRequest(env, { principal: { id: principal.id, username, role: principal.role, regionCode: principal.regionCode }, source: 'console' }, closedRef.id, { version: r.version });
    expect(done.ok).toBe(true);
  }
  app.clock.set(TUESDAY_10);

  other.overdue = await changeRequest('CR-OVER-DUE1', new Date('2026-11-25T02:00:00Z'));
  other.waiting = await changeRequest('CR-WAIT-TWO2', new Date('2026-11-27T02:00:00Z'));
  // Enough sign-ins to page the audit search (50 a page).
  const lisi = await app.db.prisma.staffUser.findUniqueOrThrow({ where: { username: 'lisi' } });
  await app.db.prisma.auditEvent.createMany({
    data: Array.from({ length: 60 }, (_, i) => ({ actorType: 'STAFF' as const, actorId: lisi.id, source: 'console', action: 'staff.login', targetType: 'staff', targetId: lisi.id, at: new Date(Date.parse('2026-11-30T01:00:00Z') + i * 60_000) })),
  });

  ({ base, browser } = await serveWithBrowser(resources, app.app));
}, SUITE_SETUP_TIMEOUT_MS);

describe('review desk in Chromium (issue 14)', () => {
  it('zh-CN: labels, wait times, the conversation that led to a request, folded views, four eyes, checks as of the decision', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'zh-CN' });
    const page = await signIn(context, 'zhangsan', 'zh-CN');

    // 1, 7: the header names the region; wait times in words; no raw codes.
    expect(await page.textContent('header .who')).toContain('昆明市');
    const age = async (id: string) => page.textContent(`tr[data-id="${id}"] .age`);
    expect(await age(chatRef.id)).toBe('今天提交');
    expect(await age(other.waiting.id)).toBe('已等待2个工作日');
    expect(await age(other.overdue.id)).toBe('已逾期1个工作日');
    expect(await page.textContent('main')).not.toMatch(RAW_CODES);
    expect(await page.evaluate<number>('document.querySelector("header.top").getBoundingClientRect().height')).toBeLessThan(60);
    await shot(page, '1-queue', 'zh-CN');

    // 4, 5, 7: the request seen four times (the history shows the views before this one); one row says so.
    for (let i = 0; i < 5; i++) await page.goto(`${base}/console/requests/${chatRef.id}`);
    const main = (await page.textContent('main')) ?? '';
    expect(main).not.toMatch(RAW_CODES);
    expect(main).toContain('网页对话');
    expect(await page.textContent('.evidence')).toBe('户口本上是这个名字');
    expect(await page.textContent('h3')).toBe('修改原因');
    expect(await page.locator('table.history tr[data-action="review.view"]').count()).toBe(1);
    expect(await page.textContent('table.history tr[data-action="review.view"]')).toContain('查看申请 4 次');
    expect(await page.textContent('table.history')).toContain('提交修改申请');
    // The turns up to the submission, each number with the option it chose; not the chatter after it.
    const chat = (await page.textContent('ol.chat')) ?? '';
    expect(await page.locator('ol.chat .choice').allTextContents()).toEqual(expect.arrayContaining(['→ 修改我的信息', '→ 姓名', '→ 确认']));
    expect(chat).toContain('已提交审核');
    expect(chat).not.toContain('人工');
    await shot(page, '2-request-open', 'zh-CN');

    // 3: the first approval is a state, not an error, with its own queue filter.
    await Promise.all([page.waitForURL(/done=first_approval/), page.click('#approve')]);
    expect(await page.textContent('.notice.info')).toContain('已初审，待复核（初审：zhangsan 12-01 10:00）');
    expect(await page.textContent('h1 .badge')).toBe('已初审，待复核');
    expect(await page.locator('.checks .sev-error').count()).toBe(0);
    expect(await page.isVisible('#approve')).toBe(false);
    await shot(page, '3-first-approval', 'zh-CN');
    await page.goto(`${base}/console/queue`);
    await Promise.all([page.waitForURL(/status=FIRST_APPROVED/), page.selectOption('#f-status', 'FIRST_APPROVED')]);
    expect(await page.locator('table.queue tbody tr').count()).toBe(1);
    expect(await page.textContent('table.queue tbody')).toContain(chatRef.reference);
    await shot(page, '3-queue-first-approved', 'zh-CN');
    await context.close();

    // 2: a second reviewer approves; the closed request shows the checks as they were at the decision.
    const second = await browser.newContext({ viewport: LAPTOP, locale: 'zh-CN' });
    const page2 = await signIn(second, 'lisi', 'zh-CN');
    await page2.goto(`${base}/console/requests/${chatRef.id}`);
    await Promise.all([page2.waitForURL(/done=approve/), page2.click('#approve')]);
    expect(await page2.getAttribute('.checks-section', 'data-as-of')).toBe('decision');
    expect(await page2.textContent('.checks-section')).toContain('以下为决定时');
    expect(await page2.locator('.checks li[data-code="NO_CHANGE"], .checks li[data-code="FIELD_CHANGED"]').count()).toBe(0);
    expect(await page2.textContent('h1 .badge')).toBe('已通过');
    await shot(page2, '2-request-closed', 'zh-CN');
    await second.close();
    expect(problems).toEqual([]);
  });

  it('zh-CN: the audit search for admins, region-scoped, paged, exported as CSV, itself audited', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'zh-CN' });
    const page = await signIn(context, 'audit.admin', 'zh-CN');
    expect(await page.textContent('header .who')).toContain('云南省');
    await Promise.all([page.waitForURL(/\/console\/audit$/), page.click('header nav a[href="/console/audit"]')]);
    await page.fill('#f-target', closedRef.reference);
    await Promise.all([page.waitForURL(/target=/), page.click('#audit-filters button[type="submit"]')]);
    const table = (await page.textContent('table.history')) ?? '';
    for (const label of ['提交修改申请', '初审通过', '审核通过', '居民', '网页对话', '工作台']) expect(table).toContain(label);
    expect(table).not.toMatch(RAW_CODES);
    await shot(page, '6-audit-search', 'zh-CN');

    // Paging by cursor: 61 sign-ins of lisi, 50 a page.
    await page.goto(`${base}/console/audit?actor=lisi&action=staff.login`);
    expect(await page.locator('table.history tbody tr').count()).toBe(50);
    await Promise.all([page.waitForURL(/cursor=/), page.click('#audit-next')]);
    expect(await page.locator('table.history tbody tr').count()).toBeGreaterThanOrEqual(10);

    // CSV of the same search, labelled in the page's language.
    const csv = await page.request.get(`${base}/console/audit.csv?target=${encodeURIComponent(closedRef.reference)}`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\n')[0]).toContain('操作');
    expect(text).toContain('初审通过');
    expect(text).toContain('review.first_approval');

    // Every search and export is audited; outside the admin's area a target is refused.
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'audit.search', outcome: 'OK' } })).toBeGreaterThanOrEqual(3);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'audit.export' } })).toBe(1);
    await context.close();

    const qujing = await browser.newContext({ viewport: LAPTOP, locale: 'zh-CN' });
    const q = await signIn(qujing, 'qujing.admin', 'zh-CN');
    await q.goto(`${base}/console/audit?target=${encodeURIComponent(closedRef.reference)}`);
    expect(await q.textContent('.notice.error')).toContain('不在您的辖区');
    await qujing.close();
    // A reviewer has no audit search.
    const rev = await browser.newContext({ viewport: LAPTOP, locale: 'zh-CN' });
    const r = await signIn(rev, 'zhangsan', 'zh-CN');
    expect(await r.locator('header nav a[href="/console/audit"]').count()).toBe(0);
    expect((await r.goto(`${base}/console/audit`))?.status()).toBe(403);
    await rev.close();
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
    problems.length = 0;
  });

  it('en: the same pages in English, the console header on one line, the chat placeholder whole', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'en' });
    const page = await signIn(context, 'zhangsan', 'en');
    expect(await page.textContent('h1')).toBe('Review queue');
    expect(await page.textContent(`tr[data-id="${other.waiting.id}"] .age`)).toBe('Waiting 2 working days');
    expect(await page.textContent(`tr[data-id="${other.overdue.id}"] .age`)).toBe('Overdue by 1 working day');
    expect(await page.textContent('main')).not.toMatch(RAW_CODES);
    expect(await page.evaluate<number>('document.querySelector("header.top").getBoundingClientRect().height')).toBeLessThan(60);
    await shot(page, '1-queue', 'en');
    await page.goto(`${base}/console/requests/${closedRef.id}`);
    await page.goto(`${base}/console/requests/${closedRef.id}`);
    await page.goto(`${base}/console/requests/${closedRef.id}`);
    const main = (await page.textContent('main')) ?? '';
    expect(main).not.toMatch(RAW_CODES);
    for (const text of ['Web chat', 'Submitted a change request', 'First approval', 'Reason for the change', 'As checked when the request was decided']) expect(main).toContain(text);
    expect(main).toMatch(/Viewed the request \(\d+ times\)/);
    await shot(page, '2-request-closed', 'en');
    await page.goto(`${base}/console/queue?status=FIRST_APPROVED`);
    expect(await page.textContent('#f-status')).toContain('First approval given, awaiting second review');
    expect(await page.locator('table.queue tbody tr, p.empty').count()).toBeGreaterThan(0);
    await shot(page, '3-queue-first-approved', 'en');
    await context.close();

    const admin = await browser.newContext({ viewport: LAPTOP, locale: 'en' });
    const a = await signIn(admin, 'audit.admin', 'en');
    await a.goto(`${base}/console/audit?target=${encodeURIComponent(closedRef.reference)}`);
    expect(await a.textContent('h1')).toBe('Audit log');
    expect(await a.textContent('table.history')).toContain('Submitted a change request');
    await shot(a, '6-audit-search', 'en');
    expect(await a.evaluate<number>('document.querySelector("header.top").getBoundingClientRect().height')).toBeLessThan(60);
    await admin.close();

    // 7: the web chat in English, on a laptop and on a phone: the placeholder fits, the bar is one line.
    for (const [viewport, name] of [[LAPTOP, 'laptop'], [{ width: 390, height: 800 }, 'phone']] as const) {
      const ctx = await browser.newContext({ viewport, locale: 'en' });
      const chat = await watchedPage(ctx, problems);
      await chat.goto(`${base}/chat`);
      await chat.waitForSelector('#log .msg');
      const before = await chat.locator('#log .msg').count();
      await chat.fill('#input', '2');
      await chat.press('#input', 'Enter');
      await chat.locator('#log .msg').nth(before + 1).waitFor({ timeout: 10_000 });
      await chat.waitForFunction('document.getElementById("input").placeholder !== "在这里输入，然后点发送"');
      const fit = await chat.evaluate<{ text: number; box: number; bar: number; line: number }>(`(() => {
        const input = document.getElementById('input');
        const s = getComputedStyle(input);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = s.font;
        const h1 = document.getElementById('title');
        return { text: ctx.measureText(input.placeholder).width, box: input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
                 bar: h1.getBoundingClientRect().height, line: parseFloat(getComputedStyle(h1).lineHeight) || 40 };
      })()`);
      expect(fit.text).toBeLessThanOrEqual(fit.box);
      expect(fit.bar).toBeLessThan(fit.line * 1.5);
      await chat.screenshot({ path: path.join(ARTIFACTS, `review-desk-7-chat-${name}.en.png`) });
      await ctx.close();
    }
    expect(problems).toEqual([]);
  });
});
