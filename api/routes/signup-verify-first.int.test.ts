// SIGNUP_VERIFY_FIRST over HTTP, with a real SMTP server and worker: signup answers the same for a
// new and a registered address, an unconfirmed login fails exactly like a wrong password (and the
// right password emails a new link), the emailed link confirms the address and is the first login,
// once; a password reset confirms the address too. (With the setting off, account-email.int.test.ts
// covers today's behaviour: signup logs a new address in at once.) Behind one trusted proxy
// (TRUST_PROXY=true), so a request can name its client IP in X-Forwarded-For: logins from many
// networks resend at most VERIFICATION_EMAILS_PER_ADDRESS verification emails an hour.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { VERIFY_RESEND_PER_USER_IP } from '#api/routes/account-email.routes.ts';
import { LOGIN_FAILED_VERIFY_FIRST_MESSAGE, SIGNUP_CHECK_EMAIL_ANSWER } from '#api/routes/auth.routes.ts';
import { VERIFICATION_EMAILS_PER_ADDRESS } from '#core/notifications/account-emails.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { listenWithLogLines } from '#test/log-lines.ts';
import { type CapturedMail, linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

// Empty = unset: the setting takes its default, on because SMTP_URL is set (the harness turns it off otherwise).
const stack = useMailStack({ SIGNUP_VERIFY_FIRST: '', TRUST_PROXY: 'true' });

const uniqueEmail = () => `agent-${randomUUID().slice(0, 8)}@example.com`;
const PASSWORD = 'correct horse battery';

/** Status, headers (without the per-request id and the date) and the body exactly as sent. */
async function rawAnswer(res: Response) {
  const headers = [...res.headers.entries()].filter(([name]) => name !== 'x-request-id' && name !== 'date');
  return { status: res.status, headers, body: await res.text(), cookies: res.headers.getSetCookie() };
}
const postJson = (path: string, body: unknown) =>
  fetch(`${stack.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const signUp = (email: string, password = PASSWORD) => postJson('/v1/auth/signup', { username: 'Dana Realtor', email, password });
const logIn = (email: string, password: string) => postJson('/v1/auth/login', { email, password });

/** The verification emails recorded for an address (one outbox row per link issued). */
async function verifyEmailsFor(email: string): Promise<number> {
  const [{ count }] = await stack.server.sql<{ count: number }>(
    `select count(*)::int as count from notifications n join users u using (user_id) where u.email = $1 and n.kind = 'verify_email'`, [email],
  );
  return count;
}

/** The account of `email` once the signup's work (after its answer) has created it. */
async function accountCreated(email: string): Promise<void> {
  await vi.waitFor(async () => expect(await stack.server.sql('select 1 from users where email = $1', [email])).toHaveLength(1), WAIT);
}

/**
 * Holds `lock table pipeline_stages in share row exclusive mode` on a connection of its own: a new
 * account's default stages (an insert) wait for it, a registered address's signup never touches
 * the table. `release` rolls back and closes; safe to call twice.
 */
async function holdStagesTable() {
  const client = new pg.Client({ connectionString: stack.server.config.DATABASE_URL });
  await client.connect();
  await client.query('begin');
  await client.query('lock table pipeline_stages in share row exclusive mode');
  const pid: number = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
  let open = true;
  return {
    pid,
    release: async () => {
      if (!open) return;
      open = false;
      await client.query('rollback').catch(() => undefined);
      await client.end();
    },
  };
}

/** The backends waiting (directly or behind another waiter) on a lock `pid` holds. */
const waitingOn = (pid: number) => stack.server.sql<{ pid: number }>(
  `with recursive queued(pid) as (
     select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
     union
     select a.pid from pg_stat_activity a join queued q on q.pid = any(pg_blocking_pids(a.pid))
   ) select pid from queued`, [pid]);

/** The link token of the `nth` (0-based) verification email to `email`. */
async function verificationToken(email: string, nth = 0): Promise<string> {
  const isVerification = (m: CapturedMail) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject);
  await stack.smtp.waitFor((m) => isVerification(m) && stack.smtp.messages.filter(isVerification).indexOf(m) === nth, { description: `verification email #${nth + 1} to ${email}` });
  return linkTokenIn(stack.smtp.messages.filter(isVerification)[nth], 'verify-email');
}

describe('signup with SIGNUP_VERIFY_FIRST (on by default with SMTP_URL)', () => {
  it('answers a new and a registered address byte for byte the same, without a cookie', async () => {
    expect(stack.server.config.SIGNUP_VERIFY_FIRST).toBe(true);
    const registered = uniqueEmail();
    expect((await signUp(registered)).status).toBe(202);
    await accountCreated(registered);
    const [{ count: usersBefore }] = await stack.server.sql<{ count: number }>('select count(*)::int as count from users');

    const again = await rawAnswer(await signUp(registered, 'another long password'));
    const fresh = uniqueEmail();
    const created = await rawAnswer(await signUp(fresh));
    expect(created.status).toBe(202);
    expect(JSON.parse(created.body)).toEqual(SIGNUP_CHECK_EMAIL_ANSWER);
    expect(created.cookies).toEqual([]);
    expect(again).toEqual(created);

    // The new address has an unconfirmed account and its link; the registered one gained nothing.
    await accountCreated(fresh);
    const [{ count: usersAfter }] = await stack.server.sql<{ count: number }>('select count(*)::int as count from users');
    expect(usersAfter).toBe(usersBefore + 1);
    const [row] = await stack.server.sql<{ email_verified_at: Date | null }>('select email_verified_at from users where email = $1', [fresh]);
    expect(row.email_verified_at).toBeNull();
    await verificationToken(fresh);
    await stack.smtp.waitFor((m) => m.envelope.to.includes(registered) && /tried to sign up/.test(m.subject));
  });

  it("answers a new address before its account's work runs, so its timing cannot tell; the account and its email follow", async () => {
    const email = uniqueEmail();
    const holder = await holdStagesTable();
    try {
      let answer: Response | undefined;
      void signUp(email).then((res) => (answer = res));
      // The new account's stages are stuck behind the lock, and the answer is already there.
      await vi.waitFor(async () => expect(await waitingOn(holder.pid)).toHaveLength(1), WAIT);
      await vi.waitFor(() => expect(answer?.status).toBe(202), WAIT);
      expect(await (answer as Response).json()).toEqual(SIGNUP_CHECK_EMAIL_ANSWER);
      expect(await stack.server.sql('select 1 from users where email = $1', [email])).toEqual([]);
      expect(stack.smtp.messages.some((m) => m.envelope.to.includes(email))).toBe(false);
    } finally {
      await holder.release();
    }
    await accountCreated(email);
    const token = await verificationToken(email);
    expect((await postJson('/v1/auth/verify-email', { token, password: PASSWORD })).status).toBe(200);
  });

  it('two signups of one new address at once both answer 202 and create one account', async () => {
    const email = uniqueEmail();
    const holder = await holdStagesTable();
    try {
      const answers = await Promise.all([signUp(email), signUp(email, 'another long password')]);
      expect(answers.map((a) => a.status)).toEqual([202, 202]);
      // One holds the new user row and waits on the lock; the other's insert of the same address waits on it.
      await vi.waitFor(async () => expect(await waitingOn(holder.pid)).toHaveLength(2), WAIT);
    } finally {
      await holder.release();
    }
    await accountCreated(email);
    await verificationToken(email);
    // The loser is answered as a registered address: the owner's "someone tried" email.
    await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /tried to sign up/.test(m.subject));
    expect(await stack.server.sql('select 1 from users where email = $1', [email])).toHaveLength(1);
    expect(await verifyEmailsFor(email)).toBe(1);
  });

  it('the emailed link with the signup password confirms the address and logs in, once', async () => {
    const email = uniqueEmail();
    expect((await signUp(email)).status).toBe(202);
    const token = await verificationToken(email);

    const visitor = new ApiClient(stack.server.url);
    // The link alone, or with another password, neither confirms nor spends it.
    const bare = await visitor.post('/v1/auth/verify-email', { token });
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe('password_required');
    const wrongPassword = await visitor.post('/v1/auth/verify-email', { token, password: 'not the signup password' });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.error.code).toBe('wrong_password');
    expect(wrongPassword.headers.getSetCookie()).toEqual([]);
    expect((await stack.server.sql('select 1 from users where email = $1 and email_verified_at is null', [email]))).toHaveLength(1);

    const verified = await visitor.post('/v1/auth/verify-email', { token, password: PASSWORD });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ emailVerified: true, user: { email, emailVerified: true }, csrfToken: expect.any(String) });
    // The session, and the device cookie that lets this browser past the per-account login cap (login-device-cookie.int.test.ts).
    expect(verified.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['pl_session', 'pl_device']);
    const me = await visitor.get('/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email, emailVerified: true });

    const reused = await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token, password: PASSWORD });
    expect(reused.status).toBe(410);
    expect(reused.body.error.code).toBe('token_used');
    expect(reused.headers.getSetCookie()).toEqual([]);
    // Confirmed, the password logs in as usual.
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('an unconfirmed login answers like a wrong password; the right password resends the link (within the limit), a wrong one sends nothing', async () => {
    const email = uniqueEmail();
    expect((await signUp(email)).status).toBe(202);
    const firstToken = await verificationToken(email);
    expect(await verifyEmailsFor(email)).toBe(1);

    const wrong = await rawAnswer(await logIn(email, 'not the password at all'));
    expect(await verifyEmailsFor(email)).toBe(1);
    const unknown = await rawAnswer(await logIn(uniqueEmail(), PASSWORD));
    const right = await rawAnswer(await logIn(email, PASSWORD));
    expect(right.status).toBe(401);
    expect(JSON.parse(right.body)).toEqual({ error: { code: 'invalid_credentials', message: LOGIN_FAILED_VERIFY_FIRST_MESSAGE } });
    expect(right.cookies).toEqual([]);
    expect(wrong).toEqual(right);
    expect(unknown).toEqual(right);

    // The right password emailed a new link; the signup email's link stopped working.
    expect(await verifyEmailsFor(email)).toBe(2);
    const secondToken = await verificationToken(email, 1);
    expect(secondToken).not.toBe(firstToken);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: firstToken })).body.error.code).toBe('token_invalid');

    // Resends share the "Resend the link" budgets (per user+IP, and per address with the signup's
    // email counted, which binds first): past them, logins still answer the same and send nothing.
    for (let i = 1; i <= VERIFY_RESEND_PER_USER_IP; i++) expect(await rawAnswer(await logIn(email, PASSWORD))).toEqual(right);
    expect(await verifyEmailsFor(email)).toBe(VERIFICATION_EMAILS_PER_ADDRESS);

    // The newest link logs in.
    const newest = await verificationToken(email, VERIFICATION_EMAILS_PER_ADDRESS - 1);
    const visitor = new ApiClient(stack.server.url);
    expect((await visitor.post('/v1/auth/verify-email', { token: newest, password: PASSWORD })).status).toBe(200);
    expect((await visitor.get('/v1/auth/me')).body.user.email).toBe(email);
  });

  it(`the right password from many networks sends at most ${VERIFICATION_EMAILS_PER_ADDRESS} verification emails an hour, the signup's included; every login answers alike`, async () => {
    const logged = await listenWithLogLines(stack.server);
    try {
      const email = uniqueEmail();
      expect((await signUp(email)).status).toBe(202);
      await verificationToken(email);
      const logInFrom = (clientIp: string) => fetch(`${logged.url}/v1/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': clientIp }, body: JSON.stringify({ email, password: PASSWORD }),
      });
      // Five networks, one login each (none meets the per-user+IP budget). Each sent email is awaited
      // before the next login: a newer link cancels an older one the worker has not sent yet.
      const answers = [];
      for (let n = 1; n <= 5; n++) {
        answers.push(await rawAnswer(await logInFrom(`198.51.100.${n}`)));
        if (n < VERIFICATION_EMAILS_PER_ADDRESS) await verificationToken(email, n);
      }
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(answers[0].status).toBe(401);
      expect(JSON.parse(answers[0].body)).toEqual({ error: { code: 'invalid_credentials', message: LOGIN_FAILED_VERIFY_FIRST_MESSAGE } });

      const sent = VERIFICATION_EMAILS_PER_ADDRESS - 1;
      expect(await verifyEmailsFor(email)).toBe(VERIFICATION_EMAILS_PER_ADDRESS);
      expect(logged.lines.filter((l) => l.msg === 'verification email not sent: the address had its verification emails for the hour')).toHaveLength(answers.length - sent);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const isVerification = (m: CapturedMail) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject);
      expect(stack.smtp.messages.filter(isVerification)).toHaveLength(VERIFICATION_EMAILS_PER_ADDRESS);

      // The last link sent still confirms the address and logs in.
      const newest = await verificationToken(email, VERIFICATION_EMAILS_PER_ADDRESS - 1);
      expect((await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: newest, password: PASSWORD })).status).toBe(200);
    } finally {
      await logged.close();
    }
  });

  it('a password reset confirms the address: the password logs in, and the leftover verification link no longer does', async () => {
    const email = uniqueEmail();
    expect((await signUp(email)).status).toBe(202);
    const verification = await verificationToken(email);
    expect((await postJson('/v1/auth/forgot-password', { email })).status).toBe(202);
    const resetMail = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Reset your Porchlight password/.test(m.subject));
    const resetToken = linkTokenIn(resetMail, 'reset-password');
    expect((await postJson('/v1/auth/reset-password', { token: resetToken, password: 'a brand new passphrase' })).status).toBe(204);

    const [row] = await stack.server.sql<{ email_verified_at: Date | null }>('select email_verified_at from users where email = $1', [email]);
    expect(row.email_verified_at).not.toBeNull();
    const login = await logIn(email, 'a brand new passphrase');
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true);

    // The reset confirmed the address, so this link is not the first login: verified, no session.
    const late = await postJson('/v1/auth/verify-email', { token: verification });
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({ emailVerified: true });
    expect(late.headers.getSetCookie()).toEqual([]);
  });

  it('someone who signs up with another person\'s address cannot have them confirm it into an account whose password they chose', async () => {
    const victim = uniqueEmail();
    const squatterPassword = 'the squatter chose this';
    expect((await signUp(victim, squatterPassword)).status).toBe(202);
    const token = await verificationToken(victim);

    // The owner opens the link they did not ask for: their own password does not confirm it, and no session starts.
    const attempt = await postJson('/v1/auth/verify-email', { token, password: 'the owner has another one' });
    expect(attempt.status).toBe(400);
    expect(((await attempt.json()) as { error: { code: string } }).error.code).toBe('wrong_password');
    expect(attempt.headers.getSetCookie()).toEqual([]);
    expect(await stack.server.sql('select 1 from users where email = $1 and email_verified_at is null', [victim])).toHaveLength(1);
    // The squatter's password does not log in while the address is unconfirmed.
    expect((await logIn(victim, squatterPassword)).status).toBe(401);

    // "Forgot password" hands the address to its owner; the squatter's password stops working.
    expect((await postJson('/v1/auth/forgot-password', { email: victim })).status).toBe(202);
    const resetMail = await stack.smtp.waitFor((m) => m.envelope.to.includes(victim) && /Reset your Porchlight password/.test(m.subject));
    const resetToken = linkTokenIn(resetMail, 'reset-password');
    expect((await postJson('/v1/auth/reset-password', { token: resetToken, password: 'the owner has another one' })).status).toBe(204);
    expect((await logIn(victim, 'the owner has another one')).status).toBe(200);
    expect((await logIn(victim, squatterPassword)).status).toBe(401);
  });
});
