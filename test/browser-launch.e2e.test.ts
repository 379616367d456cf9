// The Chromium every browser test drives (test/browser.ts launchBrowser): the features it switches
// off reach the browser, Playwright's own list included, and the omnibox popup it no longer
// preloads is gone from the browser's targets.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTRA_DISABLED_FEATURES, launchBrowser, PLAYWRIGHT_DISABLED_FEATURES } from './browser.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** The values of every `--disable-features` switch on the browser process's command line (as chrome://version shows it), in order. */
async function disableFeatureSwitches(): Promise<string[][]> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto('chrome://version');
    const commandLine = await page.locator('#command_line').innerText();
    return [...commandLine.matchAll(/--disable-features=(\S+)/g)].map((m) => m[1].split(','));
  } finally {
    await context.close();
  }
}

describe('launchBrowser', () => {
  it('its --disable-features, the one Chromium reads (the last), holds Playwright’s list and ours', async () => {
    const switches = await disableFeatureSwitches();
    // Playwright's own switch comes first; if a Playwright upgrade changed it, PLAYWRIGHT_DISABLED_FEATURES must follow.
    expect(switches.length).toBe(2);
    expect(new Set(PLAYWRIGHT_DISABLED_FEATURES)).toEqual(new Set(switches[0]));
    expect(switches.at(-1)).toEqual(expect.arrayContaining([...PLAYWRIGHT_DISABLED_FEATURES, ...EXTRA_DISABLED_FEATURES]));
  });

  it('a new context opens its page and no omnibox popup', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.setContent('<p>hello</p>');
      const cdp = await browser.newBrowserCDPSession();
      const { targetInfos } = await cdp.send('Target.getTargets');
      await cdp.detach();
      expect(targetInfos.filter((t) => t.url.startsWith('chrome://omnibox-popup'))).toEqual([]);
      expect(targetInfos.filter((t) => t.type === 'page').length).toBeGreaterThanOrEqual(1);
    } finally {
      await context.close();
    }
  });
});
