import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './smtp.ts';
import { startTestWorker, type TestWorker } from './worker.ts';

export interface MailStack {
  readonly smtp: TestSmtpServer;
  readonly server: TestServer;
  readonly worker: TestWorker;
}

/**
 * For a test file that sends email through the app: registers beforeAll/afterAll hooks that start
 * a test SMTP server, the app with `SMTP_URL` pointing at it (merged into `env`) and a worker on it
 * (`worker`: startTestWorker's options), and close worker, server and SMTP in that order (only what
 * started). Read the fields inside hooks and tests (beforeAll sets them).
 */
export function useMailStack(env: Record<string, string> = {}, opts: { worker?: Parameters<typeof startTestWorker>[1] } = {}): MailStack {
  const state = {} as { smtp: TestSmtpServer; server: TestServer; worker: TestWorker };
  beforeAll(async () => {
    state.smtp = await startTestSmtpServer();
    state.server = await startTestServer({ ...env, SMTP_URL: state.smtp.url });
    state.worker = await startTestWorker(state.server, opts.worker);
  });
  afterAll(async () => {
    // Each close runs even if the one before it failed (the server's close drops its database).
    try {
      await state.worker?.close();
    } finally {
      try {
        await state.server?.close();
      } finally {
        await state.smtp?.close();
      }
    }
  });
  return state;
}
