// useBrowserSuite for the files that follow mail: a local SMTP server (test/smtp.ts) the test
// server sends to (SMTP_URL) and a test worker (test/worker.ts) that sends it.
import { afterAll, beforeAll } from 'vitest';
import { type BrowserSuite, useBrowserSuite } from './browser-suite.ts';
import { closeAll } from './cleanup.ts';
import { startTestSmtpServer, type TestSmtpServer } from './smtp.ts';
import { startTestWorker, type TestWorker } from './worker.ts';

export interface MailBrowserSuite extends BrowserSuite {
  /** Set in the file's beforeAll: the SMTP server SMTP_URL names. */
  smtp: TestSmtpServer;
  /** Set in the file's beforeAll: a worker on the test server's database and queues. */
  worker: TestWorker;
}

/**
 * Registers the SMTP server, the browser suite (test server started with `env` plus SMTP_URL,
 * Chromium) and the worker, in that order. Hooks run: SMTP → server and browser → worker before the
 * file; worker → contexts, browser and server → SMTP after it (the test server closes before the
 * server it sends mail to).
 */
export function useMailBrowserSuite(env: Record<string, string> = {}): MailBrowserSuite {
  const serverEnv = { ...env };
  let smtp: TestSmtpServer | undefined;
  // Registered before the suite's hooks: this beforeAll runs first (the suite reads serverEnv when
  // it starts the test server) and this afterAll last.
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    serverEnv.SMTP_URL = smtp.url;
  });
  afterAll(() => closeAll(smtp));
  const suite = useBrowserSuite(serverEnv) as MailBrowserSuite;
  beforeAll(async () => {
    suite.smtp = smtp as TestSmtpServer;
    suite.worker = await startTestWorker(suite.server);
  });
  afterAll(() => closeAll(suite.worker));
  return suite;
}
