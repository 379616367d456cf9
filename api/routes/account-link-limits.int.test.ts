// The public link routes are limited per IP (LINK_ATTEMPTS_PER_IP per LINK_ATTEMPT_WINDOW_SEC each,
// docs/accounts.md "Limits"): a flood of made-up links from one address gets 429 with Retry-After and
// changes nothing — not even with a valid link — while another address still gets its normal answer
// and the valid link works from there. Real links from a real SMTP server and worker. Behind one
// trusted proxy (TRUST_PROXY=true), as in login-limits.int.test.ts, so each request names its client
// IP in X-Forwarded-For. "Forgot password" for one address from many networks sends at most
// PASSWORD_RESET_EMAILS_PER_ADDRESS emails, answers every request alike, and kills no link it sent.
// "Resend the link" from many networks sends at most VERIFICATION_EMAILS_PER_ADDRESS verification
// emails an hour, the signup's included, and answers the rest 429 with Retry-After.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { LINK_ATTEMPT_WINDOW_SEC, LINK_ATTEMPTS_PER_IP } from '#api/routes/account-email.routes.ts';
import { PASSWORD_RESET_EMAILS_PER_ADDRESS } from '#core/accounts/account-tokens.ts';
import { VERIFICATION_EMAIL_WINDOW_MS, VERIFICATION_EMAILS_PER_ADDRESS } from '#core/notifications/account-emails.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { listenWithLogLines } from '#test/log-lines.ts';
import { linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const stack = useMailStack({ TRUST_PROXY: 'true' });
const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
/** As long as a real link token, and as hopeless. */
const madeUpToken = () => randomUUID().replaceAll('-', '') + randomUUID().slice(0, 11);

/** A POST to a public route as the proxy forwards it from `clientIp`. */
function postFrom(clientIp: string, path: string, json: unknown): Promise<HttpResult> {
  return new ApiClient(stack.server.url).request('POST', path, { json, headers: { 'x-forwarded-for': clientIp } });
}

/** Spends `clientIp`'s budget on `path`: one malformed body (it counts too), the rest made-up links — each gets its normal 400. */
async function spendBudget(clientIp: string, path: string) {
  const malformed = await postFrom(clientIp, path, {});
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.code).toBe('validation_failed');
  for (let i = 1; i < LINK_ATTEMPTS_PER_IP; i++) {
    const res = await postFrom(clientIp, path, { token: madeUpToken() });
    expect(res.status, `attempt ${i + 1}`).toBe(400);
    expect(res.body.error.code).toBe('token_invalid');
  }
}

/** The 429 of a spent budget: `rate_limited` JSON and a Retry-After within the window. */
function expectRateLimited(res: HttpResult) {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.body.error.code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(LINK_ATTEMPT_WINDOW_SEC);
  expect(res.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
}

describe('per-IP limits on the public link routes', () => {
  it(`POST /v1/auth/confirm-email-change: one attempt past ${LINK_ATTEMPTS_PER_IP} from one IP is refused and changes nothing; another IP confirms`, async () => {
    const realtor = new ApiClient(stack.server.url);
    const { email, password } = await realtor.signUp({ email: uniqueEmail('mover') });
    const newEmail = uniqueEmail('moved');
    expect((await realtor.post('/v1/account/email', { newEmail, password })).status).toBe(202);
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(newEmail) && /Confirm your new Porchlight sign-in email/.test(m.subject));
    const token = linkTokenIn(mail, 'confirm-email');

    await spendBudget('203.0.113.1', '/v1/auth/confirm-email-change');
    // Over the budget, even the valid link is refused from there, and the address stays as it was.
    expectRateLimited(await postFrom('203.0.113.1', '/v1/auth/confirm-email-change', { token }));
    expectRateLimited(await postFrom('203.0.113.1', '/v1/auth/confirm-email-change', { token: madeUpToken() }));
    const pending = (await realtor.get('/v1/account')).body;
    expect(pending).toMatchObject({ email, pendingEmail: newEmail });

    // Another IP gets its normal answers, and the valid link works there.
    const other = await postFrom('203.0.113.2', '/v1/auth/confirm-email-change', { token: madeUpToken() });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('token_invalid');
    const confirmed = await postFrom('203.0.113.2', '/v1/auth/confirm-email-change', { token });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toEqual({ email: newEmail });
    expect((await realtor.get('/v1/account')).body).toMatchObject({ email: newEmail, emailVerified: true, pendingEmail: null });
  });

  it(`POST /v1/auth/verify-email: one attempt past ${LINK_ATTEMPTS_PER_IP} from one IP is refused and changes nothing; another IP verifies`, async () => {
    const realtor = new ApiClient(stack.server.url);
    const { email } = await realtor.signUp({ email: uniqueEmail('verifier') });
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject));
    const token = linkTokenIn(mail, 'verify-email');

    await spendBudget('203.0.113.11', '/v1/auth/verify-email');
    expectRateLimited(await postFrom('203.0.113.11', '/v1/auth/verify-email', { token }));
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(false);

    // The budget is per route: the same IP still reaches the email-change confirmation.
    const elsewhere = await postFrom('203.0.113.11', '/v1/auth/confirm-email-change', { token: madeUpToken() });
    expect(elsewhere.status).toBe(400);

    const other = await postFrom('203.0.113.12', '/v1/auth/verify-email', { token: madeUpToken() });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('token_invalid');
    const verified = await postFrom('203.0.113.12', '/v1/auth/verify-email', { token });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toEqual({ emailVerified: true });
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
  });
});

describe('"forgot password" for one address from many networks', () => {
  const OVER_CAP = 'password reset not sent: the address had its reset emails for the hour';

  it(`sends at most ${PASSWORD_RESET_EMAILS_PER_ADDRESS} reset emails an hour, answers every request alike, and the first link still resets`, async () => {
    // Its own listener on the test server's app, to see each request's after-the-answer work end.
    const logged = await listenWithLogLines(stack.server);
    try {
      const { email } = await new ApiClient(stack.server.url).signUp({ email: uniqueEmail('flooded') });
      const isReset = (m: { envelope: { to: string[] }; subject: string }) => m.envelope.to.includes(email) && /Reset your Porchlight password/.test(m.subject);
      // Ten /64s: each stays under the per-(address, /64) and per-IP budgets.
      const ask = (n: number) => new ApiClient(logged.url).request('POST', '/v1/auth/forgot-password', { json: { email }, headers: { 'x-forwarded-for': `2001:db8:${n % 10}::7` } });

      // The owner asks and gets a link; then a stranger keeps asking for the address.
      const answers = [await ask(0)];
      const firstLink = linkTokenIn(await stack.smtp.waitFor(isReset), 'reset-password');
      for (let n = 1; n <= 10; n++) answers.push(await ask(n));
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        expect(answer.body).toEqual(answers[0].body);
      }

      // Every request's work has run (each either recorded an email or logged that it was over the
      // cap); then: cap emails recorded, the rest refused.
      const recordedEmails = async () => Number((await stack.server.sql<{ n: string }>(
        `select count(*) as n from notifications n join users u on u.user_id = n.user_id where u.email = $1 and n.kind = 'password_reset'`, [email]))[0].n);
      const overCap = () => logged.lines.filter((l) => l.msg === OVER_CAP).length;
      await vi.waitFor(async () => expect((await recordedEmails()) + overCap()).toBe(answers.length), WAIT);
      expect(await recordedEmails()).toBe(PASSWORD_RESET_EMAILS_PER_ADDRESS);
      expect(overCap()).toBe(answers.length - PASSWORD_RESET_EMAILS_PER_ADDRESS);
      await vi.waitFor(() => expect(stack.smtp.messages.filter(isReset)).toHaveLength(PASSWORD_RESET_EMAILS_PER_ADDRESS), WAIT);

      // The link the owner got first was not pushed out by the later ones.
      const reset = await postFrom('203.0.113.21', '/v1/auth/reset-password', { token: firstLink, password: 'a brand new passphrase' });
      expect(reset.status, JSON.stringify(reset.body)).toBe(204);
      expect((await postFrom('203.0.113.21', '/v1/auth/login', { email, password: 'a brand new passphrase' })).status).toBe(200);
      // The other links that were live die with the reset: none can set the password again.
      for (const message of stack.smtp.messages.filter(isReset).slice(1)) {
        const again = await postFrom('203.0.113.21', '/v1/auth/reset-password', { token: linkTokenIn(message, 'reset-password'), password: 'someone else entirely' });
        expect(again.status).toBe(400);
        expect(again.body.error.code).toBe('token_invalid');
      }
      expect((await postFrom('203.0.113.21', '/v1/auth/login', { email, password: 'a brand new passphrase' })).status).toBe(200);
    } finally {
      await logged.close();
    }
  });
});

describe('"Resend the link" for one address from many networks', () => {
  const OVER_CAP = 'verification email not sent: the address had its verification emails for the hour';

  it(`sends at most ${VERIFICATION_EMAILS_PER_ADDRESS} verification emails an hour, the signup's included; past that 429 with Retry-After, nothing sent`, async () => {
    const logged = await listenWithLogLines(stack.server);
    try {
      const realtor = new ApiClient(logged.url);
      const { email } = await realtor.signUp({ email: uniqueEmail('resender') });
      const isVerification = (m: { envelope: { to: string[] }; subject: string }) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject);
      const delivered = () => stack.smtp.messages.filter(isVerification).length;
      await vi.waitFor(() => expect(delivered()).toBe(1), WAIT);
      const recordedEmails = async () => Number((await stack.server.sql<{ n: string }>(
        `select count(*) as n from notifications n join users u on u.user_id = n.user_id where u.email = $1 and n.kind = 'verify_email'`, [email]))[0].n);

      // Five requests, each from a network of its own (so none meets the per-user+IP budget). Each
      // sent email is awaited before the next request: a newer link would otherwise cancel an older
      // one still waiting for the worker, and fewer emails would arrive than were recorded.
      const answers: HttpResult[] = [];
      for (let n = 1; n <= 5; n++) {
        const answer = await realtor.request('POST', '/v1/auth/verify-email/resend', { headers: { 'x-forwarded-for': `198.51.100.${n}` } });
        answers.push(answer);
        if (answer.status === 202) await vi.waitFor(() => expect(delivered()).toBe(n + 1), WAIT);
      }
      const sent = VERIFICATION_EMAILS_PER_ADDRESS - 1;
      expect(answers.map((a) => a.status)).toEqual([...Array(sent).fill(202), ...Array(answers.length - sent).fill(429)]);
      for (const answer of answers.slice(0, sent)) expect(answer.body).toEqual({ emailVerified: false });
      for (const refused of answers.slice(sent)) {
        expect(refused.body.error.code).toBe('rate_limited');
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(VERIFICATION_EMAIL_WINDOW_MS / 1000);
        expect(refused.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
      }
      expect(logged.lines.filter((l) => l.msg === OVER_CAP)).toHaveLength(answers.length - sent);

      // Nothing recorded past the cap, and the mailbox got exactly the cap.
      expect(await recordedEmails()).toBe(VERIFICATION_EMAILS_PER_ADDRESS);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(delivered()).toBe(VERIFICATION_EMAILS_PER_ADDRESS);

      // Nothing changed either: the last link sent still verifies the address.
      const newest = linkTokenIn(stack.smtp.messages.filter(isVerification).at(-1)!, 'verify-email');
      const verified = await postFrom('198.51.100.9', '/v1/auth/verify-email', { token: newest });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
    } finally {
      await logged.close();
    }
  });
});
