import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { staffRouters } from '../../src/app/staff-routers';
import { computeCheckChar } from '../../src/domain/codes/id-number';
import { seedRegions } from '../../src/domain/registry/region.service';
import { createStaff } from '../../src/domain/staff/staff.service';
import { reviewDueAt } from '../../src/domain/calendar/working-days';
import { ARTIFACTS, PASSWORD, serveWithBrowser, signInAt } from '../helpers/browser';
import { SUITE_SETUP_TIMEOUT_MS, suiteResources } from '../helpers/suite-resources';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** The staff console in Debian's Chromium: sign in, filter, approve, reject, batch, person lookup, language. */

let app: TestApp;
let base: string;
let browser: Browser;
const problems: string[] = [];

let seq = 500;
function idNumber(county = '530102', birth = '19850412'): string {
  seq += 2;
  const first17 = `${county}${birth}${String(seq).padStart(3, '0')}`;
  return first17 + computeCheckChar(first17);
}

async function person(name: string, county = '530102') {
  const id = idNumber(county);
  const householdId = `HB${seq}`;
  await app.db.prisma.household.create({ data: { id: householdId, regionCode: county } });
  return app.db.prisma.person.create({
    data: {
      idNumber: id,
      name,
      sex: 'MALE',
      birthDate: new Date(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}T00:00:00Z`),
      phone: '13812345678',
      ethnicity: '01',
      hukouRegion: county,
      hukouAddress: '云南省昆明市五华区华山街道12号3栋201',
      residenceRegion: county,
      residenceAddress: '云南省昆明市五华区华山街道12号3栋201',
      regionCode: county,
      householdId,
      registrationStatus: 'PENDING_REVIEW',
    },
  });
}

async function changeRequest(p: { id: string; regionCode: string | null }, reference: string, field: string, current: string | null, proposed: string, createdAt: Date) {
  return app.db.prisma.changeRequest.create({
    data: {
      reference,
      kind: 'FIELD_CHANGE',
      personId: p.id,
      fields: [field],
      currentValues: { [field]: current },
      proposedValues: { [field]: proposed },
      regionCode: p.regionCode,
      channel: 'web',
      evidence: field === 'birthDate' ? '户口本照片（待补）<b>x</b><script>window.pwned = 1</script>' : null,
      dueAt: reviewDueAt(createdAt),
      createdAt,
    },
  });
}

/** A page whose console errors, page errors and failed requests are collected. */
async function watchedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()} ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror ${page.url()}: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}

async function signIn(page: Page, username: string) {
  await signInAt(page, `${base}/console`, username, PASSWORD, /\/console\/queue/);
}

let reviewer: string;
let toApprove: { id: string; reference: string; personId: string };
let toReject: { id: string; reference: string; personId: string };
let lowRisk: { id: string; reference: string; personId: string };
let newPersonRef: string;
let lookupId: string;

const resources = suiteResources();

beforeAll(async () => {
  app = resources.track(await createTestApp({}, { extraRouters: staffRouters() }));
  await seedRegions(app.db.prisma);
  reviewer = 'browser.reviewer';
  await createStaff(app.db.prisma, { username: reviewer, role: 'REVIEWER', regionCode: '530100', password: PASSWORD });

  const a = await person('王建国');
  const b = await person('赵丽');
  const c = await person('孙强', '530103');
  const d = await person('周敏');
  lookupId = d.idNumber;
  const r1 = await changeRequest(a, 'CR2611200001A1', 'phone', '13812345678', '13987654321', new Date('2026-11-20T02:00:00Z'));
  const r2 = await changeRequest(b, 'CR2611270002B2', 'birthDate', '1985-04-12', '1986-04-12', new Date('2026-11-27T02:00:00Z'));
  const r3 = await changeRequest(c, 'CR2611280003C3', 'residenceAddress', '云南省昆明市五华区华山街道12号3栋201', '云南省昆明市盘龙区北京路88号', new Date('2026-11-28T02:00:00Z'));
  const created = new Date('2026-11-28T03:00:00Z');
  const np = await app.db.prisma.changeRequest.create({
    data: {
      reference: 'CR2611280004D4',
      kind: 'NEW_PERSON',
      householdId: d.householdId,
      fields: ['idNumber', 'name', 'relationship', 'sex', 'birthDate'],
      currentValues: {},
      proposedValues: { idNumber: idNumber('530102', '20180301'), name: '周小宝', relationship: '儿子', sex: 'MALE', birthDate: '2018-03-01' },
      subjectKey: null,
      regionCode: '530102',
      channel: 'wechat',
      dueAt: reviewDueAt(created),
      createdAt: created,
    },
  });
  toApprove = { id: r1.id, reference: r1.reference, personId: a.id };
  toReject = { id: r2.id, reference: r2.reference, personId: b.id };
  lowRisk = { id: r3.id, reference: r3.reference, personId: c.id };
  newPersonRef = np.reference;

  ({ base, browser } = await serveWithBrowser(resources, app.app));
}, SUITE_SETUP_TIMEOUT_MS);

describe('staff console in Chromium', () => {
  it('signs in, filters the queue, approves one request and rejects another, with no console errors', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await watchedPage(context);

    // Unsigned: the console sends you to the sign-in page; a wrong password is refused in place.
    await page.goto(`${base}/console/queue`);
    await page.waitForURL(/\/console\/login\?next=/);
    await page.fill('#username', reviewer);
    await page.fill('#password', 'wrong password!');
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('.notice.error');
    expect(await page.textContent('.notice.error')).toContain('用户名或密码不对');

    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(/\/console\/queue/), page.click('button[type="submit"].primary')]);
    const session = (await context.cookies()).find((c) => c.name === 'cb_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });

    // The queue: all four open requests, the overdue one highlighted.
    expect(await page.textContent('h1')).toBe('审核队列');
    for (const ref of [toApprove.reference, toReject.reference, lowRisk.reference, newPersonRef]) {
      expect(await page.isVisible(`text=${ref}`)).toBe(true);
    }
    expect(await page.getAttribute(`tr[data-id="${toApprove.id}"]`, 'class')).toContain('overdue');
    expect(await page.getAttribute(`tr[data-id="${toReject.id}"]`, 'class')).not.toContain('overdue');
    // Masked on the server: no full ID number reaches the page.
    expect(await page.content()).not.toMatch(/530102\d{8}\d{3}[\dX]/);

    // Filter by kind (the select submits itself), then by the overdue box.
    await Promise.all([page.waitForURL(/kind=NEW_PERSON/), page.selectOption('#f-kind', 'NEW_PERSON')]);
    expect(await page.locator('table.queue tbody tr').count()).toBe(1);
    expect(await page.isVisible(`text=${newPersonRef}`)).toBe(true);
    await Promise.all([page.waitForURL(/kind=FIELD_CHANGE/), page.selectOption('#f-kind', 'FIELD_CHANGE')]);
    expect(await page.locator('table.queue tbody tr').count()).toBe(3);
    await Promise.all([page.waitForURL(/overdue=1/), page.check('#f-overdue')]);
    expect(await page.locator('table.queue tbody tr').count()).toBe(1);
    await page.goto(`${base}/console/queue`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-queue.png'), fullPage: true });

    // Approve the phone change.
    await Promise.all([page.waitForURL(new RegExp(`/console/requests/${toApprove.id}`)), page.click(`text=${toApprove.reference}`)]);
    expect(await page.textContent('h1')).toContain(toApprove.reference);
    expect(await page.textContent('table.diff')).toContain('139****4321');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-request.png'), fullPage: true });
    await Promise.all([page.waitForURL(/done=approve/), page.click('#approve')]);
    expect(await page.textContent('.notice.ok')).toContain('已通过');
    const approved = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: toApprove.id } });
    expect(approved.status).toBe('APPROVED');
    expect(await app.db.prisma.person.findUniqueOrThrow({ where: { id: toApprove.personId } })).toMatchObject({ phone: '13987654321', registrationStatus: 'CONFIRMED' });
    expect(await page.isVisible('#approve')).toBe(false);

    // Reject the birth-date change with a reason.
    await page.goto(`${base}/console/requests/${toReject.id}`);
    // Data is text, never markup.
    expect(await page.textContent('.evidence')).toBe('户口本照片（待补）<b>x</b><script>window.pwned = 1</script>');
    expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
    await page.fill('#reason', '出生日期与身份证号不一致，请带户口本到社保所办理。');
    await Promise.all([page.waitForURL(/done=reject/), page.click('#reject')]);
    const rejected = await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: toReject.id } });
    expect(rejected).toMatchObject({ status: 'REJECTED', decisionReason: '出生日期与身份证号不一致，请带户口本到社保所办理。' });
    expect(await page.textContent('.facts')).toContain('出生日期与身份证号不一致');

    // Batch-approve the low-risk address change.
    await page.goto(`${base}/console/queue`);
    await page.check(`tr[data-id="${lowRisk.id}"] input[name="item"]`);
    await Promise.all([page.waitForURL(/approved=1/), page.click('#batch-approve')]);
    expect(await page.textContent('.notice')).toContain('通过 1 条');
    expect((await app.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: lowRisk.id } })).status).toBe('APPROVED');

    // Person lookup: masked, then revealed on a click (audited), with the audit trail.
    await page.goto(`${base}/console/persons`);
    await page.fill('#idNumber', lookupId);
    await Promise.all([page.waitForNavigation(), page.click('#lookup button[type="submit"]')]);
    const masked = await page.textContent('table.record');
    expect(masked).toContain(`${lookupId.slice(0, 6)}********${lookupId.slice(14)}`);
    expect(masked).not.toContain(lookupId);
    await Promise.all([page.waitForNavigation(), page.click('#reveal-person')]);
    expect(await page.textContent('table.record')).toContain(lookupId);
    expect(await page.textContent('table.history')).toContain('显示完整信息');
    const person = await app.db.prisma.person.findUniqueOrThrow({ where: { idNumber: lookupId } });
    expect(await app.db.prisma.auditEvent.count({ where: { targetId: person.id, action: 'person.reveal', source: 'console' } })).toBe(1);

    // English.
    await page.goto(`${base}/console/queue`);
    await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang')]);
    expect(await page.textContent('h1')).toBe('Review queue');
    await page.goto(`${base}/console/requests/${toApprove.id}`);
    expect(await page.textContent('h1')).toContain('Approved');

    // A form post without the CSRF token is refused, even with the session cookie.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${base}/console/requests/${toReject.id}/approve`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'version=1',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);

    // Sign out: the session token no longer works.
    await Promise.all([page.waitForURL(/\/console\/login/), page.click('form.logout button')]);
    const after = await fetch(`${base}/console/queue`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    await context.close();
    expect(problems).toEqual([]);
  });

  it('fits a tablet screen and serves script-src self only', async () => {
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'zh-CN', hasTouch: true });
    const page = await watchedPage(context);
    const response = await page.goto(`${base}/console/login`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await signIn(page, reviewer);
    await page.goto(`${base}/console/requests/${toReject.id}`);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.goto(`${base}/console/queue?status=all`);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-queue-tablet.png'), fullPage: true });
    await context.close();
    expect(problems).toEqual([]);
  });
});
