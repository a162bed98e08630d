import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

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
