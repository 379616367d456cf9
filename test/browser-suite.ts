// The set-up a browser test file shares with the others: one test server for the file, the test
// worker's Chromium, every browser context the file opens closed after it, and no uncaught error on
// any of its pages.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import { launchBrowser, newSessionPage, type SessionPageOptions } from './browser.ts';
import { closeAll } from './cleanup.ts';

export interface BrowserSuite {
  /** Set in the file's beforeAll. */
  server: TestServer;
  /** Set in the file's beforeAll. */
  browser: Browser;
  /** Contexts to close after the file (newSessionPage pushes its own). */
  contexts: BrowserContext[];
  /** Uncaught page errors; the file fails unless it stays empty. */
  pageErrors: string[];
  /** A page signed in as `client` (newSessionPage: a 15 s default timeout, errors collected with `admin: `). */
  adminPage(client: { cookie: string }, opts?: Partial<SessionPageOptions>): Promise<Page>;
}

/** Registers the file's beforeAll/afterAll (a test server started with `env`, Chromium) and returns what they set. */
export function useBrowserSuite(env: Record<string, string> = {}): BrowserSuite {
  const suite: BrowserSuite = {
    server: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    contexts: [],
    pageErrors: [],
    adminPage: (client, opts = {}) =>
      newSessionPage(suite.browser, suite.server, client, { contexts: suite.contexts, pageErrors: suite.pageErrors, errorPrefix: 'admin: ', timeoutMs: 15_000, ...opts }),
  };
  beforeAll(async () => {
    suite.server = await startTestServer(env);
    suite.browser = await workerBrowser();
  });
  afterAll(async () => {
    // The browser outlives the file; every context in it is the file's (suite.contexts and those
    // it opened with browser.newContext itself) and closes now.
    await closeAll(...(suite.browser?.contexts() ?? []), suite.server);
    expect(suite.pageErrors).toEqual([]);
  });
  return suite;
}

const WORKER_BROWSER = Symbol.for('porchlight.test.workerBrowser');
type WithBrowser = typeof globalThis & { [WORKER_BROWSER]?: Promise<Browser> };

/**
 * One Chromium per test worker process, shared by the browser files it runs one after another
 * (launching and closing it cost ~0.9 s per file). Held on globalThis, which outlives a file's
 * modules; launched again if it went away. Playwright closes it when the worker process exits.
 */
async function workerBrowser(): Promise<Browser> {
  const g = globalThis as WithBrowser;
  const current = await g[WORKER_BROWSER]?.catch(() => undefined);
  if (current?.isConnected()) return current;
  g[WORKER_BROWSER] = launchBrowser();
  return g[WORKER_BROWSER];
}
