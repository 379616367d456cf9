// The set-up a browser test file shares with the others: one test server and one Chromium for the
// file, every browser context it opens closed after it, and no uncaught error on any of its pages.
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
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await closeAll(...suite.contexts, suite.browser, suite.server);
    expect(suite.pageErrors).toEqual([]);
  });
  return suite;
}
