// Account settings over HTTP, with a real SMTP server and worker (the emails go through the outbox
// like every account email): the password change rotates the session and ends the others, the
// sign-in address changes only through a link emailed to the new address, the old address is told,
// links are tied to the address they were sent to, sessions can be listed and ended, an API key
// gets none of it, and wrong passwords are throttled per user.
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_PASSWORD_ATTEMPTS_PER_USER, EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR } from '#api/routes/account.routes.ts';
import { closeAppStreams, createApp, sessionCacheOf } from '#api/app.ts';
import { listenLocally } from '#test/app.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { type CapturedMail, linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const to = (address: string, subject: RegExp) => (m: CapturedMail) => m.envelope.to.includes(address) && subject.test(m.subject);
const uniqueEmail = (tag = 'agent') => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const NEW_PASSWORD = 'a brand new passphrase';

const stack = useMailStack();
// Every signup here comes from 127.0.0.1: a fresh signup budget per test (SIGNUPS_PER_IP_PER_HOUR).
beforeEach(async () => {
  const keys = await stack.server.redis.keys(`${stack.server.config.QUEUE_PREFIX}:rl:signup-ip:*`);
  if (keys.length) await stack.server.redis.del(...keys);
});
/** Another browser signed in to the same account (its own cookie and CSRF token). */
async function signInElsewhere(email: string, password: string): Promise<ApiClient> {
  const c = new ApiClient(stack.server.url);
  const res = await c.post('/v1/auth/login', { email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  c.csrfToken = res.body.csrfToken;
  return c;
}

/** A copy of a client's credentials as they are now (to replay after they were replaced). */
function snapshot(c: ApiClient): ApiClient {
  const copy = new ApiClient(stack.server.url);
  copy.cookie = c.cookie;
  copy.csrfToken = c.csrfToken;
  return copy;
}

/** The link of the email-change mail to `address` that arrived after `since` messages. */
async function emailChangeLink(address: string, since = 0): Promise<string> {
  const mail = await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= since && to(address, /Confirm your new Porchlight sign-in email/)(m));
  return linkTokenIn(mail, 'confirm-email');
}

const errorCode = (res: { body: any }) => res.body?.error?.code;

describe('GET /v1/account', () => {
  it('shows the sign-in address, whether it is confirmed, and no pending change', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const res = await r.client.get('/v1/account');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ email: r.email, emailVerified: false, pendingEmail: null, pendingEmailExpiresAt: null });
  });
});

describe('API keys cannot use account settings', () => {
  it('every /v1/account route answers 403 forbidden to a valid key (401 to a bad one), and nothing changes', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail(), auth: 'apiKey' });
    const [{ id: sessionId }] = await stack.server.sql<{ id: string }>('select session_id as id from sessions where user_id = $1', [r.userId]);
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/v1/account'],
      ['POST', '/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD }],
      ['POST', '/v1/account/email', { newEmail: uniqueEmail(), password: r.password }],
      ['DELETE', '/v1/account/email/pending'],
      ['GET', '/v1/account/sessions'],
      ['DELETE', `/v1/account/sessions/${sessionId}`],
      ['POST', '/v1/account/sessions/sign-out-others'],
    ];
    for (const [method, path, json] of calls) {
      const res = await r.client.request(method, path, json === undefined ? {} : { json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toMatch(/API keys cannot use account settings/);
    }
    // The OpenAPI document says so: the session scheme only, and the 403.
    const openapi = (await new ApiClient(stack.server.url).get('/v1/openapi.json')).body;
    expect(openapi.paths['/v1/account/password'].post.security).toEqual([{ session: [] }]);
    expect(openapi.paths['/v1/account/password'].post.responses['403'].description).toMatch(/API key/);
    expect(openapi.paths['/v1/leads'].get.security).toEqual([{ session: [] }, { bearer: [] }]);
    const bad = new ApiClient(stack.server.url);
    bad.bearer = 'plk_not-a-key';
    expect((await bad.get('/v1/account')).status).toBe(401);
    // The password did not change and the session is still there.
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
    expect(await stack.server.sql('select 1 from sessions where session_id = $1', [sessionId])).toHaveLength(1);
    expect(await stack.server.sql(`select 1 from account_tokens where user_id = $1 and purpose = 'email_change'`, [r.userId])).toHaveLength(0);
  });
});

describe('POST /v1/account/password', () => {
  it('changes the password, ends every other session at once, rotates this one, and emails a notice', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const laptop = await signInElsewhere(r.email, r.password);
    const phone = await signInElsewhere(r.email, r.password);
    const before = snapshot(r.client);
    expect((await laptop.get('/v1/auth/me')).status).toBe(200); // cached in this process before the change

    const res = await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ signedOutSessions: 2, csrfToken: expect.any(String) });
    expect(res.body.csrfToken).not.toBe(before.csrfToken);
    expect(r.client.cookie).not.toBe(before.cookie);

    // The old cookie is dead; so are the other sessions.
    expect((await before.get('/v1/auth/me')).status).toBe(401);
    expect((await laptop.get('/v1/auth/me')).status).toBe(401);
    expect((await phone.get('/v1/auth/me')).status).toBe(401);
    // The new cookie works, with the new CSRF token only.
    r.client.csrfToken = res.body.csrfToken;
    expect((await r.client.get('/v1/auth/me')).body.csrfToken).toBe(res.body.csrfToken);
    expect((await r.client.request('POST', '/v1/sites', { json: { name: 'Old token' }, csrf: false, headers: { 'x-csrf-token': before.csrfToken } })).status).toBe(403);
    expect((await r.client.post('/v1/sites', { name: 'After the change' })).status).toBe(201);
    const sessions = await r.client.get('/v1/account/sessions');
    expect(sessions.body.items).toHaveLength(1);
    expect(sessions.body.items[0].current).toBe(true);
    // A list takes no query parameters: an unknown one is a 400 naming it.
    const unknown = await r.client.get('/v1/account/sessions?cursor=x');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].message).toMatch(/cursor/);

    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(401);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: NEW_PASSWORD })).status).toBe(200);
    const notice = await stack.smtp.waitFor(to(r.email, /Your Porchlight password was changed/));
    expect(notice.text).toContain('/app/forgot-password');
  });

  it('refuses a wrong current password (400 wrong_password), the same password and a weak one (400 validation_failed on newPassword); nothing changes', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const other = await signInElsewhere(r.email, r.password);
    const wrong = await r.client.post('/v1/account/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('wrong_password');
    const same = await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: r.password });
    expect(same.status).toBe(400);
    expect(same.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'newPassword' }] });
    const weak = await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('validation_failed');
    expect(weak.body.error.details.map((d: { path: string }) => d.path)).toEqual(['newPassword']);
    // Still the old password, every session alive, no notice recorded.
    expect((await other.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
    expect(await stack.server.sql(`select 1 from notifications where user_id = $1 and kind = 'password_changed'`, [r.userId])).toHaveLength(0);
  });

  it(`throttles wrong current passwords per user: 429 with Retry-After after ${ACCOUNT_PASSWORD_ATTEMPTS_PER_USER}, even for the right one, shared with the email change`, async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    for (let i = 0; i < ACCOUNT_PASSWORD_ATTEMPTS_PER_USER; i++) {
      const res = await r.client.post('/v1/account/password', { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('wrong_password');
    }
    const limited = await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    const viaEmail = await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password });
    expect(viaEmail.status).toBe(429);
    // Another user is not held by it.
    const other = await makeRealtor(stack.server, { email: uniqueEmail() });
    expect((await other.client.post('/v1/account/password', { currentPassword: 'wrong', newPassword: NEW_PASSWORD })).body.error.code).toBe('wrong_password');
    // The password did not change.
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
  });

  it('a right password clears the count of wrong ones', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    for (let i = 0; i < ACCOUNT_PASSWORD_ATTEMPTS_PER_USER - 1; i++) {
      expect((await r.client.post('/v1/account/password', { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD })).status).toBe(400);
    }
    expect((await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password })).status).toBe(202);
    for (let i = 0; i < ACCOUNT_PASSWORD_ATTEMPTS_PER_USER - 1; i++) {
      expect((await r.client.post('/v1/account/password', { currentPassword: `again ${i}`, newPassword: NEW_PASSWORD })).status).toBe(400);
    }
  });
});

describe('changing the sign-in email', () => {
  it('end to end: link to the new address, confirm, the new address signs in and the old does not, the old address is told, old links die', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail('old') });
    const verifyOld = linkTokenIn(await stack.smtp.waitFor(to(r.email, /Confirm your email/)), 'verify-email');
    const newEmail = uniqueEmail('new');

    const asked = await r.client.post('/v1/account/email', { newEmail: newEmail.toUpperCase(), password: r.password });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.pendingEmail).toBe(newEmail);
    const expiresIn = Date.parse(asked.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(23.9 * 3_600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3_600_000);
    expect((await r.client.get('/v1/account')).body).toEqual({ email: r.email, emailVerified: false, pendingEmail: newEmail, pendingEmailExpiresAt: asked.body.expiresAt });
    // Nothing changed yet.
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);

    const token = await emailChangeLink(newEmail);
    // Only the hash is stored; the raw token left the outbox row once sent.
    const [tokenRow] = await stack.server.sql<{ email: string; token_hash: string }>(`select email, token_hash from account_tokens where user_id = $1 and purpose = 'email_change'`, [r.userId]);
    expect(tokenRow.email).toBe(newEmail);
    expect(tokenRow.token_hash).not.toContain(token);
    // (The worker marks the row sent just after the SMTP server has the mail.)
    await expect.poll(() => stack.server.sql(`select data from notifications where user_id = $1 and kind = 'email_change'`, [r.userId]), WAIT).toEqual([{ data: null }]);

    const anon = new ApiClient(stack.server.url);
    const confirmed = await anon.post('/v1/auth/confirm-email-change', { token });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toEqual({ email: newEmail });
    expect((await r.client.get('/v1/account')).body).toEqual({ email: newEmail, emailVerified: true, pendingEmail: null, pendingEmailExpiresAt: null });

    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: newEmail, password: r.password })).status).toBe(200);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(401);

    const notice = await stack.smtp.waitFor(to(r.email, /Your Porchlight sign-in email was changed/));
    const masked = `${newEmail[0]}•••@example.com`;
    expect(notice.text).toContain(masked);
    expect(notice.text).not.toContain(newEmail);
    expect(notice.html).not.toContain(newEmail);

    const reused = await anon.post('/v1/auth/confirm-email-change', { token });
    expect(reused.status).toBe(410);
    expect(reused.body.error.code).toBe('token_used');
    // The verification link sent to the old address is refused.
    const verify = await anon.post('/v1/auth/verify-email', { token: verifyOld });
    expect(verify.status).toBe(400);
    expect(verify.body.error.code).toBe('token_invalid');
  });

  it('a link is tied to the address it was sent to: a reset link sent before the address changed is refused', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: r.email });
    const reset = linkTokenIn(await stack.smtp.waitFor(to(r.email, /Reset your Porchlight password/)), 'reset-password');
    // The address changes by another way than the email-change link (an operator's SQL): the link
    // itself is not deleted, and still must not work.
    const moved = uniqueEmail('moved');
    await stack.server.sql('update users set email = $1 where user_id = $2', [moved, r.userId]);
    const res = await new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token: reset, password: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('token_invalid');
    expect(res.body.error.message).toMatch(/no longer uses/);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: moved, password: r.password })).status).toBe(200);
    // Back at the address it was sent to, the link works again (nothing spent it).
    await stack.server.sql('update users set email = $1 where user_id = $2', [r.email, r.userId]);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token: reset, password: NEW_PASSWORD })).status).toBe(204);
  });

  it('a newer request kills the older link; cancelling kills the pending one; cancelling nothing is 204 too', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    expect((await r.client.post('/v1/account/email', { newEmail: first, password: r.password })).status).toBe(202);
    const firstToken = await emailChangeLink(first);
    expect((await r.client.post('/v1/account/email', { newEmail: second, password: r.password })).status).toBe(202);
    const secondToken = await emailChangeLink(second);
    expect((await r.client.get('/v1/account')).body.pendingEmail).toBe(second);
    expect(errorCode(await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: firstToken }))).toBe('token_invalid');

    const cancelled = await r.client.delete('/v1/account/email/pending');
    expect(cancelled.status).toBe(204);
    expect((await r.client.get('/v1/account')).body).toMatchObject({ email: r.email, pendingEmail: null, pendingEmailExpiresAt: null });
    const dead = await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: secondToken });
    expect(dead.status).toBe(400);
    expect(dead.body.error.code).toBe('token_invalid');
    expect((await r.client.delete('/v1/account/email/pending')).status).toBe(204);
    expect((await r.client.get('/v1/account')).body.email).toBe(r.email);
  });

  it('a password change or a reset kills a pending change of address: whoever had the old password cannot finish it afterwards', async () => {
    // Changed while signed in.
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const intruder = uniqueEmail('intruder');
    expect((await r.client.post('/v1/account/email', { newEmail: intruder, password: r.password })).status).toBe(202);
    const link = await emailChangeLink(intruder);
    expect((await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await r.client.get('/v1/account')).body.pendingEmail).toBeNull();
    expect(errorCode(await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: link }))).toBe('token_invalid');
    expect((await stack.server.sql<{ email: string }>('select email from users where user_id = $1', [r.userId]))[0].email).toBe(r.email);

    // Reset with the emailed link.
    const s = await makeRealtor(stack.server, { email: uniqueEmail() });
    const intruder2 = uniqueEmail('intruder');
    expect((await s.client.post('/v1/account/email', { newEmail: intruder2, password: s.password })).status).toBe(202);
    const link2 = await emailChangeLink(intruder2);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: s.email })).status).toBe(202);
    const reset = linkTokenIn(await stack.smtp.waitFor(to(s.email, /Reset your Porchlight password/)), 'reset-password');
    expect((await new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token: reset, password: NEW_PASSWORD })).status).toBe(204);
    expect(errorCode(await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: link2 }))).toBe('token_invalid');
    expect((await stack.server.sql<{ email: string }>('select email from users where user_id = $1', [s.userId]))[0].email).toBe(s.email);
  });

  it('refuses a wrong password, a non-address, the current address and another account\'s address; nothing is sent', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const other = await makeRealtor(stack.server, { email: uniqueEmail() });
    const wrong = await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('wrong_password');
    const notEmail = await r.client.post('/v1/account/email', { newEmail: 'not an email', password: r.password });
    expect(notEmail.status).toBe(400);
    expect(notEmail.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'newEmail' }] });
    const same = await r.client.post('/v1/account/email', { newEmail: r.email.toUpperCase(), password: r.password });
    expect(same.status).toBe(400);
    expect(same.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'newEmail' }] });
    const taken = await r.client.post('/v1/account/email', { newEmail: other.email, password: r.password });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    expect(await stack.server.sql(`select 1 from account_tokens where user_id = $1 and purpose = 'email_change'`, [r.userId])).toHaveLength(0);
    expect(await stack.server.sql(`select 1 from notifications where user_id = $1 and kind = 'email_change'`, [r.userId])).toHaveLength(0);
  });

  it(`sends at most ${EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR} change emails per hour per user`, async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    for (let i = 0; i < EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR; i++) {
      expect((await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password })).status).toBe(202);
    }
    const limited = await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    const [{ n }] = await stack.server.sql<{ n: number }>(`select count(*)::int as n from notifications where user_id = $1 and kind = 'email_change'`, [r.userId]);
    expect(n).toBe(EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR);
  });

  it('counts a change email before sending it: requests at once cannot pass the budget, and refused ones (nothing sent) give their point back', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    // Refused before anything is sent: the current address, twice. They cost nothing.
    for (let i = 0; i < 2; i++) expect(errorCode(await r.client.post('/v1/account/email', { newEmail: r.email, password: r.password }))).toBe('validation_failed');
    const answers = await Promise.all(Array.from({ length: EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR + 3 }, () => r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password })));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(3);
    const [{ n }] = await stack.server.sql<{ n: number }>(`select count(*)::int as n from notifications where user_id = $1 and kind = 'email_change'`, [r.userId]);
    expect(n).toBe(EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR);
  });

  it('counts email_taken answers against the same budget: a session cannot probe which addresses have accounts faster', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const other = await makeRealtor(stack.server, { email: uniqueEmail() });
    for (let i = 0; i < EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR; i++) {
      expect((await r.client.post('/v1/account/email', { newEmail: other.email, password: r.password })).status).toBe(409);
    }
    const limited = await r.client.post('/v1/account/email', { newEmail: other.email, password: r.password });
    expect(limited.status).toBe(429);
    expect((await r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: r.password })).status).toBe(429);
  });

  it('confirm: an address taken meanwhile is 409 and changes nothing (the link stays unspent); expired and made-up links are refused', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const wanted = uniqueEmail('wanted');
    expect((await r.client.post('/v1/account/email', { newEmail: wanted, password: r.password })).status).toBe(202);
    const token = await emailChangeLink(wanted);
    const squatter = await makeRealtor(stack.server, { email: wanted });
    const taken = await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    expect((await r.client.get('/v1/account')).body).toMatchObject({ email: r.email, pendingEmail: wanted });
    expect(await stack.server.sql(`select 1 from account_tokens where user_id = $1 and purpose = 'email_change' and consumed_at is null`, [r.userId])).toHaveLength(1);
    expect(await stack.server.sql(`select 1 from notifications where user_id = $1 and kind = 'email_changed'`, [r.userId])).toHaveLength(0);

    // The squatter leaves: the same link now works.
    await stack.server.sql('delete from users where user_id = $1', [squatter.userId]);
    await stack.server.sql(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1 and purpose = 'email_change'`, [r.userId]);
    const expired = await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token });
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('token_expired');
    const madeUp = await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: randomUUID().replaceAll('-', '') });
    expect(madeUp.status).toBe(400);
    expect(madeUp.body.error.code).toBe('token_invalid');
    const missing = await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
  });

  it('two confirmations racing with one link: exactly one changes the address, the other is told it was used', async () => {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const wanted = uniqueEmail('race');
    expect((await r.client.post('/v1/account/email', { newEmail: wanted, password: r.password })).status).toBe(202);
    const token = await emailChangeLink(wanted);
    const answers = await Promise.all([0, 1].map(() => new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410]);
    expect(answers.find((a) => a.status === 410)!.body.error.code).toBe('token_used');
    const [{ n }] = await stack.server.sql<{ n: number }>(`select count(*)::int as n from notifications where user_id = $1 and kind = 'email_changed'`, [r.userId]);
    expect(n).toBe(1);
  });
});

describe('sessions', () => {
  async function withSessions(): Promise<{ r: Realtor; laptop: ApiClient; phone: ApiClient }> {
    const r = await makeRealtor(stack.server, { email: uniqueEmail() });
    const laptop = await signInElsewhere(r.email, r.password);
    const phone = await signInElsewhere(r.email, r.password);
    return { r, laptop, phone };
  }

  it('lists the live sessions only, most recently used first, marking the current one', async () => {
    const { r } = await withSessions();
    const ids = (await stack.server.sql<{ id: string }>('select session_id as id from sessions where user_id = $1 order by created_at', [r.userId])).map((x) => x.id);
    expect(ids).toHaveLength(3);
    // Distinct last uses: the laptop's the newest, then this client's (within the 5 minutes in
    // which a request does not slide it again), the phone's the oldest.
    await stack.server.sql(`update sessions set last_seen_at = now() - (interval '1 minute' * $2) where session_id = $1`, [ids[0], 2]);
    await stack.server.sql(`update sessions set last_seen_at = now() - (interval '1 minute' * $2) where session_id = $1`, [ids[1], 1]);
    await stack.server.sql(`update sessions set last_seen_at = now() - (interval '1 minute' * $2) where session_id = $1`, [ids[2], 10]);
    // An expired session is not listed.
    await stack.server.sql(
      `insert into sessions (session_id, token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
       values (gen_random_uuid(), encode(sha256(gen_random_uuid()::text::bytea), 'hex'), $1, 'x', now() - interval '3 days', now(), now() - interval '1 second')`,
      [r.userId],
    );
    const res = await r.client.get('/v1/account/sessions');
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { sessionId: string }) => s.sessionId)).toEqual([ids[1], ids[0], ids[2]]);
    expect(res.body.items.map((s: { current: boolean }) => s.current)).toEqual([false, true, false]);
    expect(res.body.items[0]).toEqual({
      sessionId: ids[1], createdAt: expect.any(String), lastSeenAt: expect.any(String), expiresAt: expect.any(String), ip: expect.any(String), userAgent: expect.any(String), current: false,
    });
    for (const s of res.body.items) expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('ends one other session at once; the current one is 409, an unknown or another user\'s id is 404', async () => {
    const { r, laptop, phone } = await withSessions();
    const bob = await makeRealtor(stack.server, { email: uniqueEmail() });
    const [{ id: bobSession }] = await stack.server.sql<{ id: string }>('select session_id as id from sessions where user_id = $1', [bob.userId]);
    const items = (await r.client.get('/v1/account/sessions')).body.items as Array<{ sessionId: string; current: boolean }>;
    const current = items.find((s) => s.current)!.sessionId;
    const laptopId = (await laptop.get('/v1/account/sessions')).body.items.find((s: { current: boolean }) => s.current).sessionId;
    expect((await laptop.get('/v1/auth/me')).status).toBe(200); // cached in this process

    const mine = await r.client.delete(`/v1/account/sessions/${current}`);
    expect(mine.status).toBe(409);
    expect(mine.body.error.code).toBe('conflict');
    expect(mine.body.error.message).toMatch(/Log out/);
    const others = await r.client.delete(`/v1/account/sessions/${bobSession}`);
    expect(others.status).toBe(404);
    expect(others.body.error.code).toBe('not_found');
    expect((await bob.client.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.delete(`/v1/account/sessions/${randomUUID()}`)).status).toBe(404);
    expect((await r.client.delete('/v1/account/sessions/not-a-uuid')).status).toBe(404);

    expect((await r.client.delete(`/v1/account/sessions/${laptopId}`)).status).toBe(204);
    expect((await laptop.get('/v1/auth/me')).status).toBe(401);
    expect((await phone.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.delete(`/v1/account/sessions/${laptopId}`)).status).toBe(404);
  });

  it('signs out every other session and says how many', async () => {
    const { r, laptop, phone } = await withSessions();
    const bob = await makeRealtor(stack.server, { email: uniqueEmail() });
    const res = await r.client.post('/v1/account/sessions/sign-out-others');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ signedOut: 2 });
    expect((await laptop.get('/v1/auth/me')).status).toBe(401);
    expect((await phone.get('/v1/auth/me')).status).toBe(401);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    expect((await bob.client.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.post('/v1/account/sessions/sign-out-others')).body).toEqual({ signedOut: 0 });
  });

  it('ending a session, or changing the password, ends the sessions in another API process that had them in memory', async () => {
    // A second app on the same database and secret: another API process with its own session cache.
    const app = createApp({ ...stack.server.runtime, config: stack.server.config });
    const other = await listenLocally(app);
    try {
      const { r, laptop, phone } = await withSessions();
      const viaOther = (c: ApiClient) => {
        const there = new ApiClient(other.url);
        there.cookie = c.cookie;
        return there;
      };
      const [laptopThere, phoneThere] = [viaOther(laptop), viaOther(phone)];
      // Both answered from the other process's memory once its cache listens.
      await expect.poll(async () => (await laptopThere.get('/v1/auth/me')).status === 200 && sessionCacheOf(app).listening()).toBe(true);
      expect((await phoneThere.get('/v1/auth/me')).status).toBe(200);

      const laptopId = (await laptop.get('/v1/account/sessions')).body.items.find((s: { current: boolean }) => s.current).sessionId;
      let heard = sessionCacheOf(app).nextChange();
      expect((await r.client.delete(`/v1/account/sessions/${laptopId}`)).status).toBe(204);
      await heard; // Postgres' notification, milliseconds after the commit
      expect((await laptopThere.get('/v1/auth/me')).status).toBe(401);
      expect((await phoneThere.get('/v1/auth/me')).status).toBe(200);

      heard = sessionCacheOf(app).nextChange();
      const mine = viaOther(r.client);
      expect((await mine.get('/v1/auth/me')).status).toBe(200);
      expect((await r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD })).status).toBe(200);
      await heard;
      expect((await phoneThere.get('/v1/auth/me')).status).toBe(401);
      expect((await mine.get('/v1/auth/me')).status).toBe(401); // the rotated session's old cookie
      expect((await viaOther(r.client).get('/v1/auth/me')).status).toBe(200); // its new one
    } finally {
      await other.close();
      await closeAppStreams(app);
    }
  });

  it('needs the CSRF token on writes', async () => {
    const { r, laptop } = await withSessions();
    const res = await r.client.request('POST', '/v1/account/sessions/sign-out-others', { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
    expect((await laptop.get('/v1/auth/me')).status).toBe(200);
  });
});
