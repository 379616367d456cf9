// Real Chromium for browser tests (playwright-core drives the system /usr/bin/chromium).
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots land (kept as CI artefacts). */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots');

/**
 * Features switched off on top of Playwright's own list. Full Chromium in headless mode preloads
 * its omnibox popup (a WebUI page with a renderer of its own) for every window, and every browser
 * context is a window: with it, board.e2e took 43 s and 73 s of CPU; without it, 32 s and 46 s;
 * six of the heaviest browser files 255–330 s against 158 s. Nobody types in the address bar here.
 */
export const EXTRA_DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

/**
 * Playwright's own `--disable-features` list (playwright-core 1.65, `chromiumSwitches`). Chromium
 * reads only the last `--disable-features` switch, so ours must repeat it; browser-launch.e2e
 * fails when a Playwright upgrade adds a feature this list lacks.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];

/** A headless Chromium with the flags that keep it quiet and offline in CI. Close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...EXTRA_DISABLED_FEATURES].join(',')}`,
    ],
  });
}

/**
 * Saves a PNG to test-results/screenshots/<name>.png and returns its path. Full page by default;
 * pass `fullPage: false` for modals (their backdrop only covers the viewport).
 */
export async function saveScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? true });
  return path;
}

/** A browser context signed in as `client`: it shares the API client's session cookie (the app fetches its CSRF token from /me). */
export async function newSessionContext(browser: Browser, server: { url: string }, client: { cookie: string }, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addCookies([{ name: 'pl_session', value: client.cookie.replace(/^pl_session=/, ''), url: server.url }]);
  return context;
}

export interface SessionPageOptions extends BrowserContextOptions {
  /** Where the new context is pushed, for the file's afterAll to close (`closeAll(...contexts, …)`). */
  contexts: BrowserContext[];
  /** The page's default timeout for waits and actions. */
  timeoutMs: number;
  /** Where the page's uncaught errors are collected (the file's afterAll expects it empty); default: not collected. */
  pageErrors?: string[];
  /** Put before each collected error message (`admin: `, say, when other pages report to the same list). */
  errorPrefix?: string;
}

/** A page in a new browser context signed in as `client` (see newSessionContext). */
export async function newSessionPage(browser: Browser, server: { url: string }, client: { cookie: string }, opts: SessionPageOptions): Promise<Page> {
  const { contexts, timeoutMs, pageErrors, errorPrefix = '', ...options } = opts;
  const context = await newSessionContext(browser, server, client, options);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  if (pageErrors) page.on('pageerror', (err) => pageErrors.push(`${errorPrefix}${err.message}`));
  return page;
}

/** The page is no wider than the viewport (nothing overflows sideways). */
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  expect(scroll, `${label}: page ${scroll}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width);
}

/** A batch the tracker posts to /v1/collect, as the e2e tests read it. */
export interface CollectBatch {
  site: string;
  visitor?: string;
  dnt?: boolean;
  events: Array<{ id: string; type: string } & Record<string, unknown>>;
}

/** The batches `page` posts to /v1/collect from now on, and the statuses of the answers. */
export function watchCollect(page: Page): { bodies: CollectBatch[]; statuses: number[] } {
  const bodies: CollectBatch[] = [];
  const statuses: number[] = [];
  page.on('request', (req) => {
    if (req.url().endsWith('/v1/collect') && req.method() === 'POST') bodies.push(JSON.parse(req.postData() ?? 'null'));
  });
  page.on('response', (res) => {
    if (res.url().endsWith('/v1/collect') && res.request().method() === 'POST') statuses.push(res.status());
  });
  return { bodies, statuses };
}

/** The visitor id w.js keeps in localStorage: written with its first batch (~1 s after the page view), not while the page parses. */
export async function visitorOf(page: Page): Promise<string> {
  return (await page.waitForFunction(() => localStorage.getItem('porchlight_vid'))).jsonValue() as Promise<string>;
}

/**
 * Stops the page's clock (installed with `page.clock.install()`) just ahead of where it is: from
 * here on its timers run only when the test moves time on (`runFor`, `fastForward`). `pauseAt` must
 * name a time still ahead when the browser gets it; on a loaded machine 50 ms can already be past
 * by then ("Cannot fast-forward to the past"), so a wider margin is tried, up to 400 ms.
 */
export async function pauseClock(page: Page): Promise<void> {
  for (let margin = 50; ; margin *= 2) {
    try {
      return await page.clock.pauseAt(await page.evaluate((ms) => Date.now() + ms, margin));
    } catch (err) {
      if (margin >= 400 || !String(err).includes('Cannot fast-forward to the past')) throw err;
    }
  }
}
