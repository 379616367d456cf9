// Account emails and alert settings over HTTP, with a real SMTP server and worker: verification
// and reset links work once and expire, signup and "forgot password" reveal no accounts, the
// settings are per user and validated, unsubscribe links need a POST.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { FORGOT_PASSWORD_PER_EMAIL_IP, RESET_PASSWORD_PER_IP } from '#api/routes/account-email.routes.ts';
import { makeRealtor } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { holdRowLocks } from '#test/row-locks.ts';
import { type CapturedMail, linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const to = (address: string, subject: RegExp) => (m: CapturedMail) => m.envelope.to.includes(address) && subject.test(m.subject);
const uniqueEmail = () => `agent-${randomUUID().slice(0, 8)}@example.com`;

const stack = useMailStack();
describe('email verification', () => {
  it('signup emails a link that verifies the address once; /me says so and that email is configured', async () => {
    const realtor = await makeRealtor(stack.server, { email: uniqueEmail() });
    const me = await realtor.client.get('/v1/auth/me');
    expect(me.body.user.emailVerified).toBe(false);
    expect(me.body.mailer).toEqual({ configured: true });

    const mail = await stack.smtp.waitFor(to(realtor.email, /Confirm your email/));
    const token = linkTokenIn(mail, 'verify-email');
    const anon = new ApiClient(stack.server.url);
    expect((await anon.post('/v1/auth/verify-email', { token })).status).toBe(200);
    expect((await realtor.client.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
    const again = await anon.post('/v1/auth/verify-email', { token });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('token_used');
    // The raw token lives on the outbox row only until the email is sent (the worker marks the row
    // sent just after the SMTP server has the mail: awaited, not read at once).
    await expect.poll(() => stack.server.sql<{ data: unknown }>(`select data from notifications where user_id = $1 and kind = 'verify_email'`, [realtor.userId]), WAIT).toEqual([{ data: null }]);
  });

  it('resend sends a new link and the old one stops working; an expired link is refused', async () => {
    const realtor = await makeRealtor(stack.server, { email: uniqueEmail() });
    const first = linkTokenIn(await stack.smtp.waitFor(to(realtor.email, /Confirm your email/)), 'verify-email');
    const before = stack.smtp.messages.length;
    expect((await realtor.client.post('/v1/auth/verify-email/resend')).status).toBe(202);
    const second = linkTokenIn(await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= before && to(realtor.email, /Confirm your email/)(m)), 'verify-email');
    expect(second).not.toBe(first);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: first })).body.error.code).toBe('token_invalid');

    await stack.server.sql(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1`, [realtor.userId]);
    const expired = await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: second });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('token_expired');
  });

  it('greets by name only once an address is confirmed: a stranger who signs up with it cannot put their text in its mail', async () => {
    const username = 'Cheap Pills At pills example';
    const realtor = await makeRealtor(stack.server, { email: uniqueEmail(), username });
    const verify = await stack.smtp.waitFor(to(realtor.email, /Confirm your email/));
    expect(verify.text).toContain('Hi there,');
    expect(`${verify.subject} ${verify.text} ${verify.html}`).not.toContain('Cheap Pills');
    const anon = new ApiClient(stack.server.url);
    const before = stack.smtp.messages.length;
    expect((await anon.post('/v1/auth/forgot-password', { email: realtor.email })).status).toBe(202);
    const reset = await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= before && to(realtor.email, /reset/i)(m));
    expect(`${reset.text} ${reset.html}`).not.toContain('Cheap Pills');

    // Confirmed: the account's name is the owner's now.
    expect((await anon.post('/v1/auth/verify-email', { token: linkTokenIn(verify, 'verify-email') })).status).toBe(200);
    const after = stack.smtp.messages.length;
    expect((await anon.post('/v1/auth/forgot-password', { email: realtor.email })).status).toBe(202);
    const named = await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= after && to(realtor.email, /reset/i)(m));
    expect(named.text).toContain(`Hi ${username},`);
  });

  it('rejects a malformed token body with a 400', async () => {
    const res = await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: '' });
    expect(res.status).toBe(400);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: 'x'.repeat(101) })).status).toBe(400);
  });
});

describe('signup does not reveal accounts', () => {
  it('a registered address gets a neutral 202, creates nothing, and its owner is told by email', async () => {
    const owner = await makeRealtor(stack.server, { email: uniqueEmail() });
    const [{ count: before }] = await stack.server.sql<{ count: number }>('select count(*)::int as count from users');
    const res = await new ApiClient(stack.server.url).post('/v1/auth/signup', { username: 'Mallory', email: owner.email.toUpperCase(), password: 'another long password' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'check_email', message: 'Check your email to continue.' });
    expect(res.headers.getSetCookie()).toEqual([]);
    const [{ count: after }] = await stack.server.sql<{ count: number }>('select count(*)::int as count from users');
    expect(after).toBe(before);
    const mail = await stack.smtp.waitFor(to(owner.email, /tried to sign up/));
    expect(mail.text).toContain('/app/forgot-password');
  });
});

describe('forgot and reset password', () => {
  it('answers an unknown address exactly like a known one', async () => {
    const known = await makeRealtor(stack.server, { email: uniqueEmail() });
    const a = await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: known.email });
    const b = await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: uniqueEmail() });
    expect(a.status).toBe(202);
    expect(b.status).toBe(a.status);
    expect(b.body).toEqual(a.body);
    const headers = (h: Headers) => [...h].filter(([name]) => name !== 'date' && name !== 'x-request-id');
    expect(headers(b.headers)).toEqual(headers(a.headers));
    await stack.smtp.waitFor(to(known.email, /Reset your Porchlight password/));
  });

  it("answers before the registered address's work runs, so its timing cannot tell; the email still arrives", async () => {
    const known = await makeRealtor(stack.server, { email: uniqueEmail() });
    // Hold the user's row: issuing the reset token (its foreign key) waits for it; the lookup does not.
    const holder = await holdRowLocks(stack.server, 'select user_id from users where user_id = $1 for update', [known.userId]);
    try {
      let answer: HttpResult | undefined;
      void new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: known.email }).then((res) => (answer = res));
      await vi.waitFor(async () => {
        expect(await stack.server.sql('select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [holder.pid])).toHaveLength(1);
      }, WAIT);
      // The token write is stuck behind the lock, and the answer is already there.
      await vi.waitFor(() => expect(answer?.status).toBe(202), WAIT);
      expect(stack.smtp.messages.some(to(known.email, /Reset your Porchlight password/))).toBe(false);
    } finally {
      await holder.release();
    }
    const token = linkTokenIn(await stack.smtp.waitFor(to(known.email, /Reset your Porchlight password/)), 'reset-password');
    expect((await new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token, password: 'a brand new passphrase' })).status).toBe(204);
  });

  it('a reset link sets the password once, ends every session, and expires', async () => {
    const realtor = await makeRealtor(stack.server, { email: uniqueEmail() });
    await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: realtor.email });
    const token = linkTokenIn(await stack.smtp.waitFor(to(realtor.email, /Reset your Porchlight password/)), 'reset-password');
    const anon = new ApiClient(stack.server.url);
    expect((await anon.post('/v1/auth/reset-password', { token, password: 'short' })).status).toBe(400);
    expect((await anon.post('/v1/auth/reset-password', { token, password: 'a brand new passphrase' })).status).toBe(204);
    expect((await realtor.client.get('/v1/auth/me')).status).toBe(401);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: realtor.email, password: 'a brand new passphrase' })).status).toBe(200);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(401);
    const reused = await anon.post('/v1/auth/reset-password', { token, password: 'yet another passphrase' });
    expect(reused.status).toBe(410);
    expect(reused.body.error.code).toBe('token_used');

    const before = stack.smtp.messages.length;
    await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: realtor.email });
    const late = linkTokenIn(await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= before && to(realtor.email, /Reset your/)(m)), 'reset-password');
    await stack.server.sql(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1 and purpose = 'password_reset'`, [realtor.userId]);
    expect((await anon.post('/v1/auth/reset-password', { token: late, password: 'yet another passphrase' })).body.error.code).toBe('token_expired');
  });

  it('two resets racing with one link: exactly one sets its password, the other is told the link was used', async () => {
    const realtor = await makeRealtor(stack.server, { email: uniqueEmail() });
    await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: realtor.email });
    const token = linkTokenIn(await stack.smtp.waitFor(to(realtor.email, /Reset your Porchlight password/)), 'reset-password');
    const passwords = ['the first passphrase', 'the second passphrase'];
    const answers = await Promise.all(passwords.map((password) => new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token, password })));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 410]);
    const winner = passwords[answers.findIndex((a) => a.status === 204)];
    const loser = passwords[answers.findIndex((a) => a.status === 410)];
    expect(answers.find((a) => a.status === 410)!.body.error.code).toBe('token_used');
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: realtor.email, password: loser })).status).toBe(401);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: realtor.email, password: winner })).status).toBe(200);
  });

  it('a made-up link is refused as before, and attempts are limited per IP', async () => {
    // This file's requests all come from 127.0.0.1: start from a fresh budget, leave one behind.
    const clearBudget = async () => {
      const keys = await stack.server.redis.keys(`${stack.server.config.QUEUE_PREFIX}:rl:reset-ip:*`);
      if (keys.length) await stack.server.redis.del(...keys);
    };
    await clearBudget();
    try {
      const anon = new ApiClient(stack.server.url);
      const madeUp = () => anon.post('/v1/auth/reset-password', { token: randomUUID().replaceAll('-', '') + randomUUID().slice(0, 11), password: 'a brand new passphrase' });
      const first = await madeUp();
      expect(first.status).toBe(400);
      expect(first.body.error).toEqual({ code: 'token_invalid', message: 'This link is not valid. Check that you copied all of it, or ask for a new one.' });

      for (let i = 1; i < RESET_PASSWORD_PER_IP; i++) expect((await madeUp()).status).toBe(400);
      const limited = await madeUp();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await clearBudget();
    }
  });

  it('limits requests per address and IP', async () => {
    const email = uniqueEmail();
    const client = new ApiClient(stack.server.url);
    for (let i = 0; i < FORGOT_PASSWORD_PER_EMAIL_IP; i++) expect((await client.post('/v1/auth/forgot-password', { email })).status).toBe(202);
    const limited = await client.post('/v1/auth/forgot-password', { email });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await client.post('/v1/auth/forgot-password', { email: 'not an email' })).status).toBe(400);
  });
});

describe('notification preferences', () => {
  it('are per user: a change by one realtor is invisible to another', async () => {
    const a = await makeRealtor(stack.server);
    const b = await makeRealtor(stack.server);
    const initial = await a.client.get('/v1/notification-preferences');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ alertNewInquiry: true, alertDigest: false, quietHoursEnabled: false, digestHour: 7, timeZone: 'America/New_York' });
    const changed = await a.client.patch('/v1/notification-preferences', { alertNewInquiry: false, quietHoursEnabled: true, quietStart: '22:30', quietEnd: '06:00', digestHour: 8, timeZone: 'Europe/Berlin' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ alertNewInquiry: false, quietStart: '22:30', timeZone: 'Europe/Berlin' });
    expect((await a.client.get('/v1/notification-preferences')).body).toMatchObject({ alertNewInquiry: false, digestHour: 8 });
    expect((await b.client.get('/v1/notification-preferences')).body).toMatchObject({ alertNewInquiry: true, digestHour: 7, timeZone: 'America/New_York' });
    expect((await new ApiClient(stack.server.url).get('/v1/notification-preferences')).status).toBe(401);
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }],
    ['an hour out of range', { digestHour: 24 }],
    ['a malformed time', { quietStart: '9pm' }],
    ['an unknown key', { userId: randomUUID() }],
    ['an empty change', {}],
    ['a wrong type', { alertLeadHot: 'yes' }],
  ])('rejects %s with a 400 and changes nothing', async (_name, body) => {
    const realtor = await makeRealtor(stack.server);
    const before = (await realtor.client.get('/v1/notification-preferences')).body;
    const res = await realtor.client.patch('/v1/notification-preferences', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await realtor.client.get('/v1/notification-preferences')).body).toEqual(before);
  });

  it('an unsubscribe link shows a confirmation page on GET and switches the alert off only on POST (one-click)', async () => {
    const realtor = await makeRealtor(stack.server);
    await realtor.client.get('/v1/notification-preferences');
    const [{ unsubscribe_token: token }] = await stack.server.sql<{ unsubscribe_token: string }>('select unsubscribe_token from notification_preferences where user_id = $1', [realtor.userId]);
    const url = `${stack.server.url}/v1/unsubscribe/${token}?alert=lead_hot`;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<form method="post"');
    expect((await realtor.client.get('/v1/notification-preferences')).body.alertLeadHot).toBe(true);

    const click = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(click.status).toBe(200);
    expect((await realtor.client.get('/v1/notification-preferences')).body).toMatchObject({ alertLeadHot: false, alertNewInquiry: true });
    expect((await fetch(`${stack.server.url}/v1/unsubscribe/nope?alert=lead_hot`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${stack.server.url}/v1/unsubscribe/${token}?alert=everything`)).status).toBe(400);
  });
});
