// Without SMTP_URL, the real worker process writes emails to its log: in full (links included)
// in development, and in production only that one could not be sent — a password reset link in a
// production log is an account takeover for anyone who can read the log.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import { makeUser } from './factories.ts';
import { ApiClient } from './http.ts';
import { type NodeProcess, spawnNode, stopAll, waitForLog, workerEnv } from './process.ts';

let server: TestServer;
const procs: NodeProcess[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await stopAll(procs);
  await server.close();
});

/** Starts a worker/main.ts child with `NODE_ENV`, asks for a password reset, and returns the worker's stopped log lines and its mailer line. */
async function forgotPasswordUnder(nodeEnv: 'production' | 'development', mailerMsg: string) {
  const email = `agent-${randomUUID().slice(0, 8)}@example.com`;
  await makeUser(server, { email });
  const worker = spawnNode('worker/main.ts', workerEnv(server.config, {
    NODE_ENV: nodeEnv, SESSION_SECRET: 's'.repeat(32), PUBLIC_URL: server.config.PUBLIC_URL,
  }));
  procs.push(worker);
  await waitForLog(worker, 'worker started');
  expect((await new ApiClient(server.url).post('/v1/auth/forgot-password', { email })).status).toBe(202);
  const line = await waitForLog(worker, mailerMsg);
  worker.child.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
  return { email, line, log: worker.lines.join('\n') };
}

describe('emails without SMTP_URL', () => {
  it('in production, the worker logs that a password reset email was not sent, without its link, token or address', async () => {
    const { email, line, log } = await forgotPasswordUnder('production', 'email not sent: SMTP_URL is not set');
    expect(line).toMatchObject({ level: 40, component: 'mailer', to: `a***@example.com`, subject: 'Reset your Porchlight password' });
    expect(line.text).toBeUndefined();
    expect(log).not.toMatch(/reset-password|#token=/);
    expect(log).not.toContain(email);
  });

  it('in development, the worker logs the whole email, its reset link included', async () => {
    const { email, line } = await forgotPasswordUnder('development', 'email not sent (SMTP_URL is not set): logged instead');
    expect(line).toMatchObject({ level: 30, component: 'mailer', to: email, subject: 'Reset your Porchlight password' });
    expect(line.text).toMatch(/\/app\/reset-password#token=[A-Za-z0-9_-]+/);
  });
});
