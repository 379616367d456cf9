// An account email that waited in the outbox (worker down, retries) is not sent with a dead link:
// a newer link replaced it, it was used or expired, or the address it was for changed. The row is
// cancelled with the reason, and only a link that still works reaches the mail server.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { type CapturedMail, linkTokenIn, startTestSmtpServer, type TestSmtpServer } from '#test/smtp.ts';
import { startTestWorker } from '#test/worker.ts';

let smtp: TestSmtpServer;
let server: TestServer;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

type Row = { notification_id: string; status: string; last_error: string | null; token: string | null };
const uniqueEmail = () => `agent-${randomUUID().slice(0, 8)}@example.com`;
const accountEmails = (userId: string, kind: 'verify_email' | 'password_reset') => server.sql<Row>(
  `select notification_id, status, last_error, data->>'token' as token from notifications where user_id = $1 and kind = $2 order by created_at, notification_id`, [userId, kind],
);
const mailsTo = (address: string, subject: RegExp) => smtp.messages.filter((m: CapturedMail) => m.envelope.to.includes(address) && subject.test(m.subject));

/** The queued emails go out only now: a worker runs until none of the user's rows of `kind` is pending. */
async function runWorkerUntilSettled(userId: string, kind: 'verify_email' | 'password_reset'): Promise<Row[]> {
  const worker = await startTestWorker(server);
  try {
    await expect.poll(async () => (await accountEmails(userId, kind)).filter((r) => r.status === 'pending').length).toBe(0);
  } finally {
    await worker.close();
  }
  return accountEmails(userId, kind);
}

/** Signs up (no worker yet: the verification email stays queued) and returns the realtor and the queued link token. */
async function signUpWithQueuedEmail(): Promise<{ realtor: Realtor; token: string }> {
  const realtor = await makeRealtor(server, { email: uniqueEmail() });
  const [row] = await accountEmails(realtor.userId, 'verify_email');
  expect(row).toMatchObject({ status: 'pending' });
  return { realtor, token: row.token! };
}

describe('a queued verification email', () => {
  it('is not sent once a newer link replaced it; the newer one is, and works', async () => {
    const { realtor, token: first } = await signUpWithQueuedEmail();
    expect((await realtor.client.post('/v1/auth/verify-email/resend')).status).toBe(202);

    const rows = await runWorkerUntilSettled(realtor.userId, 'verify_email');
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([['cancelled', 'link replaced by a newer one before it was sent'], ['sent', null]]);
    const mails = mailsTo(realtor.email, /Confirm your email/);
    expect(mails).toHaveLength(1);
    const sent = linkTokenIn(mails[0], 'verify-email');
    expect(sent).not.toBe(first);
    expect((await new ApiClient(server.url).post('/v1/auth/verify-email', { token: sent })).status).toBe(200);
  });

  it('is not sent after the address was verified with its own link', async () => {
    const { realtor, token } = await signUpWithQueuedEmail();
    expect((await new ApiClient(server.url).post('/v1/auth/verify-email', { token })).status).toBe(200);
    expect((await runWorkerUntilSettled(realtor.userId, 'verify_email')).map((r) => [r.status, r.last_error])).toEqual([['cancelled', 'address already verified']]);
    expect(mailsTo(realtor.email, /Confirm your email/)).toHaveLength(0);
  });

  it('is not sent to a new address, nor to the old one, when the address changed after it was queued', async () => {
    const { realtor } = await signUpWithQueuedEmail();
    const changed = uniqueEmail();
    // No route changes an address yet; the guard is for the day one does (and for support fixing a typo).
    await server.sql('update users set email = $1 where user_id = $2', [changed, realtor.userId]);
    expect((await runWorkerUntilSettled(realtor.userId, 'verify_email')).map((r) => [r.status, r.last_error])).toEqual([['cancelled', 'address changed since the link was issued']]);
    expect([...mailsTo(realtor.email, /Confirm your email/), ...mailsTo(changed, /Confirm your email/)]).toHaveLength(0);
  });

  it('is not sent once its link has expired', async () => {
    const { realtor } = await signUpWithQueuedEmail();
    await server.sql(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1`, [realtor.userId]);
    expect((await runWorkerUntilSettled(realtor.userId, 'verify_email')).map((r) => [r.status, r.last_error])).toEqual([['cancelled', 'link expired before it was sent']]);
    expect(mailsTo(realtor.email, /Confirm your email/)).toHaveLength(0);
  });
});

describe('a queued password reset email', () => {
  it('is still sent when a newer reset was asked for: both links work (a stranger can ask too)', async () => {
    const { realtor } = await signUpWithQueuedEmail();
    const anon = new ApiClient(server.url);
    for (let i = 1; i <= 2; i++) {
      expect((await anon.post('/v1/auth/forgot-password', { email: realtor.email })).status).toBe(202);
      // The route records the reset after its answer has gone.
      await expect.poll(async () => (await accountEmails(realtor.userId, 'password_reset')).length).toBe(i);
    }
    const rows = await runWorkerUntilSettled(realtor.userId, 'password_reset');
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([['sent', null], ['sent', null]]);
    expect(mailsTo(realtor.email, /Reset your Porchlight password/)).toHaveLength(2);
  });
});
