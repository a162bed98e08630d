import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { SuiteResources } from './suite-resources';

/** Where browser tests write their screenshots (created by serveWithBrowser). */
export const ARTIFACTS = path.resolve(__dirname, '../artifacts');
/** The password browser tests give the staff accounts they create. */
export const PASSWORD = 'correct horse battery';

/** Debian's Chromium with the flags that work offline and as root on the test machines. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * The fonts a screenshot needs to show what a person sees: a CJK font and an emoji font (.ci/run installs
 * fonts-noto-cjk and fonts-noto-color-emoji). Without them every Chinese character is a box.
 */
export function missingScreenshotFonts(): string[] {
  const fonts = execFileSync('fc-list', { encoding: 'utf8' });
  return [
    ...(/Noto Sans CJK|WenQuanYi|Noto Serif CJK/i.test(fonts) ? [] : ['a CJK font (fonts-noto-cjk)']),
    ...(/Noto Color Emoji/i.test(fonts) ? [] : ['an emoji font (fonts-noto-color-emoji)']),
  ];
}

/** Launches Chromium for a browser test after checking that its screenshots will be readable. */
export async function launchBrowser(): Promise<Browser> {
  expect(missingScreenshotFonts()).toEqual([]);
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** An express app listening on a free local port, with its base URL and a close function. */
export async function serveApp(app: { listen(port: number, host: string): Server }): Promise<{ base: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams (server-sent events) and kept-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/**
 * A browser test's start-up: `app` served on a free local port and Chromium launched, both closed by the
 * file's `resources` (Chromium first, then the server).
 */
export async function serveWithBrowser(
  resources: SuiteResources,
  app: { listen(port: number, host: string): Server },
): Promise<{ base: string; browser: Browser }> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const { base } = resources.track(await serveApp(app));
  const browser = resources.track(await launchBrowser());
  return { base, browser };
}

/** Opens `url` on the console, signs in on the login page it leads to, and waits until `landing` is shown. */
export async function signInAt(page: Page, url: string, username: string, password: string, landing: RegExp): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/console\/login/);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(landing), page.click('button[type="submit"].primary')]);
}

/** A new page whose console errors, page errors and 5xx responses are pushed to `problems`. */
export async function watchedPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${m.type()} ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror ${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}
