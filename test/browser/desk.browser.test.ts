import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { staffRouters } from '../../src/app/staff-routers';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createStaff } from '../../src/domain/staff/staff.service';
import { createPerson, type TestPerson } from '../helpers/chat-fixtures';
import { ARTIFACTS, PASSWORD, serveWithBrowser, signInAt, watchedPage } from '../helpers/browser';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { createTestApp, type TestApp } from '../helpers/test-app';

/**
 * The call-centre desk in Debian's Chromium (issue 13): a resident types 人工 in /chat, an agent claims it in
 * the console, replies, the reply appears on the resident's page, the agent closes and the bot greets again; a
 * resident who withdraws (取消) while an agent has the page open: the page shows it withdrawn by itself; an
 * agent runs an assisted verification and a name correction that shows in the review queue with the agent's name.
 */
const TUESDAY_10 = '2026-12-01T02:00:00.000Z';

let app: TestApp;
let base: string;
let browser: Browser;
const problems: string[] = [];

async function signIn(page: Page, username: string, lang: 'zh-CN' | 'en' = 'zh-CN') {
  await signInAt(page, `${base}/console/handoffs?lang=${lang}`, username, PASSWORD, /\/console\/handoffs/);
}

const logShows = (chat: Page, text: string) => chat.locator('#log').filter({ hasText: text }).waitFor({ timeout: 10_000 });

/** Types into the web chat and waits until the bot's answer count grows (or a given text shows). */
async function say(chat: Page, text: string, expectText?: string) {
  const before = await chat.locator('#log .msg').count();
  await chat.fill('#input', text);
  await chat.press('#input', 'Enter');
  if (expectText) await logShows(chat, expectText);
  else await chat.locator('#log .msg').nth(before + 1).waitFor({ timeout: 10_000 });
}

/** Opens /chat, agrees to the notice, verifies as the person and asks for a person (人工). */
async function askForPerson(chat: Page, who: TestPerson) {
  await chat.goto(`${base}/chat`);
  await chat.waitForSelector('#log .msg');
  await say(chat, '1');
  await say(chat, who.idNumber);
  await say(chat, who.name);
  await say(chat, who.phone!.slice(-4), '请问您要办理什么');
  await say(chat, '人工', '回复“取消”可以不等人工，继续自助办理。');
}

let agent: string;
let resident: TestPerson;
let caller: TestPerson;
let withdrawing: TestPerson;

const resources = suiteResources();

beforeAll(async () => {
  app = resources.track(await createTestApp({}, { extraRouters: staffRouters(), start: TUESDAY_10 }));
  app.startBackground();
  await seedRegions(app.db.prisma);
  agent = 'desk.agent';
  await createStaff(app.db.prisma, { username: agent, role: 'REVIEWER', regionCode: '530100', password: PASSWORD });
  await createStaff(app.db.prisma, { username: 'desk.second', role: 'REVIEWER', regionCode: '530100', password: PASSWORD });
  resident = await createPerson(app.db.prisma, { name: '张建国' });
  caller = await createPerson(app.db.prisma, { name: '李秀英' });
  withdrawing = await createPerson(app.db.prisma, { name: '王秀兰' });
  ({ base, browser } = await serveWithBrowser(resources, app.app));
}, SUITE_SETUP_TIMEOUT_MS);

describe('call-centre desk in Chromium', () => {
  it('人工 in /chat reaches an agent live; the reply shows in the chat; closing hands back to the bot', async () => {
    const staffCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const residentCtx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'zh-CN' });
    const desk = await watchedPage(staffCtx, problems);
    const chat = await watchedPage(residentCtx, problems);

    await signIn(desk, agent);
    expect(await desk.textContent('h1')).toBe('人工服务队列');

    await askForPerson(chat, resident);
    await logShows(chat, '工作人员会尽快在这里回复您');
    await chat.screenshot({ path: path.join(ARTIFACTS, 'desk-1-resident-asks.png') });

    // The new entry appears in the open queue without a reload.
    const row = desk.locator('#handoff-rows tr[data-id]');
    await row.first().waitFor({ timeout: 10_000 });
    expect(await row.first().textContent()).toContain('张*');
    expect(await desk.content()).not.toContain(resident.idNumber);
    await desk.screenshot({ path: path.join(ARTIFACTS, 'desk-2-queue-live.png') });

    await Promise.all([desk.waitForURL(/\/console\/handoffs\/[0-9a-f-]{36}\?done=claim/), row.first().locator('button[type="submit"]').click()]);
    expect(await desk.textContent('.notice')).toContain('已接入');

    // A resident message appears on the agent's page live; the resident gets one acknowledgement.
    await say(chat, '你好，有人吗', '已收到，工作人员会尽快回复您');
    await desk.locator('#transcript').filter({ hasText: '你好，有人吗' }).waitFor({ timeout: 10_000 });

    // A canned reply is one click away; the reply reaches the resident's page.
    await desk.click('.canned-reply >> nth=0');
    const canned = await desk.inputValue('#reply-text');
    expect(canned).toContain('人工客服');
    await Promise.all([desk.waitForURL(/done=reply/), desk.click('#send-reply')]);
    await logShows(chat, canned);
    await desk.screenshot({ path: path.join(ARTIFACTS, 'desk-3-conversation.png') });
    await chat.screenshot({ path: path.join(ARTIFACTS, 'desk-4-resident-sees-reply.png') });

    await desk.selectOption('#outcome', 'ANSWERED');
    await Promise.all([desk.waitForURL(/done=close/), desk.click('#close-handoff')]);
    await logShows(chat, '人工服务已结束');
    const log = await chat.textContent('#log');
    expect(log!.lastIndexOf('请问您要办理什么')).toBeGreaterThan(log!.lastIndexOf('人工服务已结束'));
    await chat.screenshot({ path: path.join(ARTIFACTS, 'desk-5-bot-greets-again.png') });
    expect(problems).toEqual([]);
    await staffCtx.close();
    await residentCtx.close();
  });

  it('取消 while an agent has the conversation open: the resident is told, the agent\'s page shows it withdrawn without a reply box', async () => {
    const staffCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en' });
    const residentCtx = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'zh-CN' });
    const desk = await watchedPage(staffCtx, problems);
    const chat = await watchedPage(residentCtx, problems);
    await signIn(desk, agent, 'en');
    await askForPerson(chat, withdrawing);
    const row = desk.locator('#handoff-rows tr[data-id]').filter({ hasText: '王*' });
    await row.first().waitFor({ timeout: 10_000 });
    await Promise.all([desk.waitForURL(/\/console\/handoffs\/[0-9a-f-]{36}\?done=claim/), row.first().locator('button[type="submit"]').click()]);
    expect(await desk.locator('#reply-form').count()).toBe(1);

    await say(chat, '取消', '已取消人工服务。您可以继续自助办理。');
    const log = await chat.textContent('#log');
    expect(log!.lastIndexOf('请问您要办理什么')).toBeGreaterThan(log!.lastIndexOf('已取消人工服务'));
    // The agent's page reloads by itself: withdrawn, nothing to answer.
    await desk.locator('.notice').filter({ hasText: 'The resident withdrew this request: no reply is needed.' }).waitFor({ timeout: 10_000 });
    expect(await desk.locator('#reply-form').count()).toBe(0);
    expect(await desk.textContent('#handoff-status')).toContain('Withdrawn by the resident');
    expect(await desk.locator('.notice').filter({ hasText: 'you can answer the resident now' }).count()).toBe(0);
    await desk.screenshot({ path: path.join(ARTIFACTS, 'desk-9-withdrawn.png') });
    expect(problems).toEqual([]);
    await staffCtx.close();
    await residentCtx.close();
  });

  it('an agent runs an assisted verification and a name correction; the review queue shows the agent', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en' });
    const page = await watchedPage(ctx, problems);
    await signIn(page, agent, 'en');
    // The softphone URL starts the conversation at once, keeping the caller's number.
    await Promise.all([page.waitForURL(/\/console\/assisted\/[0-9a-f-]{36}$/), page.goto(`${base}/console/assisted/new?caller=13800001234`)]);
    expect(await page.textContent('h1')).toContain('13800001234');
    const choose = (value: string) => Promise.all([page.waitForLoadState('load'), page.click(`#choices button[data-value="${value}"]`)]);
    const answer = async (text: string) => {
      await page.fill('#answer', text);
      await Promise.all([page.waitForLoadState('load'), page.click('#assisted-answer button[type="submit"]')]);
    };
    await choose('agree');
    await answer(caller.idNumber);
    await answer(caller.name);
    await answer(caller.phone!.slice(-4));
    expect(await page.textContent('#script')).toContain('身份核对成功');
    await page.screenshot({ path: path.join(ARTIFACTS, 'desk-6-assisted-verified.png') });
    await choose('correct');
    await choose('name');
    await answer('李秀红');
    await choose('submit');
    await answer('户口本上是这样写的');
    const reference = /CR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/.exec((await page.textContent('#script')) ?? '')?.[0];
    expect(reference).toBeDefined();
    await page.screenshot({ path: path.join(ARTIFACTS, 'desk-7-assisted-correction.png') });

    // Another reviewer finds it in the review queue: channel assisted, submitted by the agent.
    const other = await watchedPage(await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en' }), problems);
    await other.goto(`${base}/console/queue?lang=en`);
    await other.fill('#username', 'desk.second');
    await other.fill('#password', PASSWORD);
    await Promise.all([other.waitForURL(/\/console\/queue/), other.click('button[type="submit"].primary')]);
    await Promise.all([other.waitForURL(/\/console\/requests\//), other.click(`text=${reference}`)]);
    const body = await other.textContent('main');
    expect(body).toContain('Assisted call');
    expect(body).toContain(agent);
    await other.screenshot({ path: path.join(ARTIFACTS, 'desk-8-review-shows-agent.png') });
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
