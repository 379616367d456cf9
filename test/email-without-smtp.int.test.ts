// Without SMTP_URL, the real worker process writes emails to its log: in full (links included)
// in development, and in production only that one could not be sent — a password reset link in a
// production log is an account takeover for anyone who can read the log. Either way the email's
// outbox row ends `not_sent` (reason `smtp_not_configured`), never `sent`; with a mail server it is `sent`.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import { makeUser } from './factories.ts';
import { ApiClient } from './http.ts';
import { type NodeProcess, spawnNode, stopAll, waitForLog, workerEnv } from './process.ts';
import { startTestSmtpServer, type TestSmtpServer } from './smtp.ts';

let server: TestServer;
let smtp: TestSmtpServer;
const procs: NodeProcess[] = [];
beforeAll(async () => {
  server = await startTestServer();
  smtp = await startTestSmtpServer();
});
afterAll(async () => {
  await stopAll(procs);
  await server.close();
  await smtp.close();
});

/** The first JSON log line of `proc` that `match` accepts (awaited on its output, like waitForLog). */
function waitForLine(proc: NodeProcess, match: (line: Record<string, any>) => boolean): Promise<Record<string, any>> {
  const find = () => proc.lines.map((l) => { try { return JSON.parse(l); } catch { return null; } }).find((l) => l !== null && match(l));
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = find();
      if (found) return resolve(found);
      if (proc.child.exitCode !== null) return reject(new Error(`exited early: ${proc.stderr}`));
      proc.child.stdout!.once('data', () => setImmediate(check));
    };
    check();
  });
}

/**
 * Starts a worker/main.ts child with `NODE_ENV` (and `env`), asks for a password reset, waits for
 * the worker's line `msg` and for the attempt to be recorded (the handler's job-finished line),
 * stops the worker, and returns its log, `msg`'s line and the email's outbox row with its attempts.
 */
async function forgotPasswordUnder(nodeEnv: 'production' | 'development', msg: string, env: Record<string, string> = {}) {
  const email = `agent-${randomUUID().slice(0, 8)}@example.com`;
  const { userId } = await makeUser(server, { email });
  const worker = spawnNode('worker/main.ts', workerEnv(server.config, {
    NODE_ENV: nodeEnv, SESSION_SECRET: 's'.repeat(32), PUBLIC_URL: server.config.PUBLIC_URL, ...env,
  }));
  procs.push(worker);
  await waitForLog(worker, 'worker started');
  expect((await new ApiClient(server.url).post('/v1/auth/forgot-password', { email })).status).toBe(202);
  const line = await waitForLog(worker, msg);
  // The send job's "job done" comes after its attempt is recorded.
  await waitForLine(worker, (l) => l.msg === 'job done' && l.job === 'notifications.send');
  worker.child.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
  const [row] = await server.sql<{ status: string; last_error: string | null; sent_at: Date | null; data: unknown; attempts: Array<{ ok: boolean; transport: string; error: string | null }> }>(
    `select n.status, n.last_error, n.sent_at, n.data,
            (select json_agg(json_build_object('ok', a.ok, 'transport', a.transport, 'error', a.error)) from notification_attempts a where a.notification_id = n.notification_id) as attempts
       from notifications n where n.user_id = $1 and n.kind = 'password_reset'`, [userId]);
  return { email, line, log: worker.lines.join('\n'), row };
}

describe('emails without SMTP_URL', () => {
  it('in production, the worker logs that a password reset email was not sent, without its link, token or address, and records it as not sent', async () => {
    const { email, line, log, row } = await forgotPasswordUnder('production', 'email not sent: SMTP_URL is not set');
    expect(line).toMatchObject({ level: 40, component: 'mailer', to: `a***@example.com`, subject: 'Reset your Porchlight password' });
    expect(line.text).toBeUndefined();
    expect(log).not.toMatch(/reset-password|#token=/);
    expect(log).not.toContain(email);
    expect(row).toMatchObject({ status: 'not_sent', last_error: 'smtp_not_configured', sent_at: null, data: null });
    expect(row.attempts).toEqual([{ ok: false, transport: 'log', error: expect.stringMatching(/^smtp_not_configured: SMTP_URL is not set; dropped/) }]);
  });

  it('in development, the worker logs the whole email, its reset link included, and records it as not sent', async () => {
    const { email, line, row } = await forgotPasswordUnder('development', 'email not sent (SMTP_URL is not set): logged instead');
    expect(line).toMatchObject({ level: 30, component: 'mailer', to: email, subject: 'Reset your Porchlight password' });
    expect(line.text).toMatch(/\/app\/reset-password#token=[A-Za-z0-9_-]+/);
    expect(row).toMatchObject({ status: 'not_sent', last_error: 'smtp_not_configured', sent_at: null });
    expect(row.attempts).toEqual([{ ok: false, transport: 'log', error: expect.stringMatching(/^smtp_not_configured: SMTP_URL is not set; written to the log/) }]);
  });
});

describe('emails with SMTP_URL', () => {
  it('in production, the email reaches the mail server and is recorded as sent', async () => {
    const { email, row } = await forgotPasswordUnder('production', 'job done', { SMTP_URL: smtp.url });
    await smtp.waitFor((m) => m.envelope.to.includes(email));
    expect(row).toMatchObject({ status: 'sent', last_error: null, data: null });
    expect(row.sent_at).not.toBeNull();
    expect(row.attempts).toEqual([{ ok: true, transport: 'smtp', error: null }]);
  });
});
