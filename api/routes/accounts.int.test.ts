import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const countUsers = async () => Number((await server.sql<{ n: string }>('select count(*) as n from users'))[0].n);

describe('sign up', () => {
  it('creates the user with an argon2id hash, lower-cases the email and starts a session', async () => {
    const client = new ApiClient(server.url);
    const res = await client.post('/v1/auth/signup', { username: 'Dana Realtor', email: 'Dana@Example.COM', password: 'a long enough password' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: 'Dana Realtor', email: 'dana@example.com' });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const cookie = res.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^pl_session=/);
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).toContain('samesite=lax');
    const [row] = await server.sql<{ password_hash: string; email: string }>('select * from users where user_id = $1', [res.body.user.userId]);
    expect(row.email).toBe('dana@example.com');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    const sessions = await server.sql<{ token_hash: string }>('select token_hash from sessions where user_id = $1', [res.body.user.userId]);
    expect(sessions).toHaveLength(1);
    expect(cookie).not.toContain(sessions[0].token_hash);
    client.cookie = `pl_session=${cookie.split(';')[0].split('=')[1]}`;
    const me = await client.get('/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('dana@example.com');
  });

  it.each([
    ['a weak password', { username: 'x', email: 'weak@example.com', password: 'short' }, 400, 'validation_failed'],
    ['a malformed email', { username: 'x', email: 'not-an-email', password: 'long enough password' }, 400, 'validation_failed'],
    ['an oversized username', { username: 'x'.repeat(51), email: 'big@example.com', password: 'long enough password' }, 400, 'validation_failed'],
    ['an unknown key', { username: 'x', email: 'extra@example.com', password: 'long enough password', isAdmin: true }, 400, 'validation_failed'],
    ['a missing field', { email: 'missing@example.com', password: 'long enough password' }, 400, 'validation_failed'],
  ])('rejects %s with a clear 4xx and writes nothing', async (_name, body, status, code) => {
    const before = await countUsers();
    const res = await new ApiClient(server.url).post('/v1/auth/signup', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(await countUsers()).toBe(before);
  });

  it('names the failing field in validation details', async () => {
    const res = await new ApiClient(server.url).post('/v1/auth/signup', { username: 'x', email: 'ok@example.com', password: 'short' });
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);
  });
});

describe('passwords are Unicode text', () => {
  it('a password with a lone surrogate is refused with a 400 naming the field (signup, login, reset), not hashed as U+FFFD', async () => {
    const anon = new ApiClient(server.url);
    const email = 'surrogate@example.com';
    const signup = await anon.post('/v1/auth/signup', { username: 'Lone', email, password: 'long enough \ud800' });
    expect(signup.status).toBe(400);
    expect(signup.body.error.details).toEqual([{ path: 'password', message: 'The password is not valid Unicode (it has a lone surrogate)' }]);
    expect(await server.sql('select 1 from users where email = $1', [email])).toEqual([]);
    // Before, "…\ud800" and "…\udfff" were one password (both hashed as "…\ufffd").
    const other = new ApiClient(server.url);
    const { password } = await other.signUp({ email, password: 'long enough \ufffd' });
    for (const attempt of ['long enough \udfff', 'long enough \ud800']) {
      const login = await new ApiClient(server.url).post('/v1/auth/login', { email, password: attempt });
      expect(login.status).toBe(400);
      expect(login.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);
    }
    expect((await new ApiClient(server.url).post('/v1/auth/login', { email, password })).status).toBe(200);
    const reset = await anon.post('/v1/auth/reset-password', { token: 'x'.repeat(43), password: 'long enough \udbff' });
    expect(reset.status).toBe(400);
    expect(reset.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);
  });

  it('a password set composed logs in typed decomposed, and the other way round', async () => {
    const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    for (const [set, typed] of [[composed, decomposed], [decomposed, composed]]) {
      const { email } = await new ApiClient(server.url).signUp({ password: set });
      expect((await new ApiClient(server.url).post('/v1/auth/login', { email, password: typed })).status).toBe(200);
      expect((await new ApiClient(server.url).post('/v1/auth/login', { email, password: 'cafe creme brulee' })).status).toBe(401);
    }
  });
});

describe('log in and sessions', () => {
  it('logs in, answers who-am-I, and logs out (the old cookie stops working)', async () => {
    const a = new ApiClient(server.url);
    const { email, password } = await a.signUp();
    const b = new ApiClient(server.url);
    const login = await b.post('/v1/auth/login', { email: email.toUpperCase(), password });
    expect(login.status).toBe(200);
    b.csrfToken = login.body.csrfToken;
    expect((await b.get('/v1/auth/me')).body.user.email).toBe(email);
    const oldCookie = b.cookie;
    expect((await b.post('/v1/auth/logout')).status).toBe(204);
    const after = new ApiClient(server.url);
    after.cookie = oldCookie;
    const me = await after.get('/v1/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthorized');
  });

  it('answers the same generic error for a wrong password and an unknown email', async () => {
    const a = new ApiClient(server.url);
    const { email } = await a.signUp();
    const wrong = await new ApiClient(server.url).post('/v1/auth/login', { email, password: 'not the password' });
    const unknown = await new ApiClient(server.url).post('/v1/auth/login', { email: 'nobody-here@example.com', password: 'whatever password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.message).toBe('Invalid email or password');
  });

  it('rejects a forged cookie and an expired session', async () => {
    const forged = new ApiClient(server.url);
    forged.cookie = 'pl_session=forged-token';
    expect((await forged.get('/v1/auth/me')).status).toBe(401);

    const a = new ApiClient(server.url);
    const { userId } = await a.signUp();
    await server.sql(`update sessions set expires_at = now() - interval '1 minute' where user_id = $1`, [userId]);
    const res = await a.get('/v1/auth/me');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
    expect(await server.sql('select 1 from sessions where user_id = $1', [userId])).toHaveLength(0);
  });

  it('throttles repeated failures per email with 429 and Retry-After, even for the right password', async () => {
    const a = new ApiClient(server.url);
    const { email, password } = await a.signUp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await new ApiClient(server.url).post('/v1/auth/login', { email, password: `wrong password ${i}` })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    const blocked = await new ApiClient(server.url).post('/v1/auth/login', { email, password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.error.code).toBe('rate_limited');
  });
});

describe('CSRF', () => {
  it('refuses cookie-authenticated writes without the right x-csrf-token and changes nothing', async () => {
    const a = new ApiClient(server.url);
    const { userId } = await a.signUp();
    const none = await a.request('POST', '/v1/sites', { json: { name: 'No token' }, csrf: false });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe('csrf_failed');
    const wrong = await a.request('POST', '/v1/sites', { json: { name: 'Wrong token' }, headers: { 'x-csrf-token': 'nope' }, csrf: false });
    expect(wrong.status).toBe(403);
    expect(await server.sql('select 1 from sites where user_id = $1', [userId])).toHaveLength(0);
    expect((await a.post('/v1/sites', { name: 'With token' })).status).toBe(201);
  });
});

describe('API keys', () => {
  it('shows a key once, stores only its hash, authenticates Bearer requests without CSRF, and stops working when revoked', async () => {
    const a = new ApiClient(server.url);
    const { userId } = await a.signUp();
    const created = await a.post('/v1/api-keys', { name: 'CRM sync' });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^plk_/);
    const [row] = await server.sql<{ key_hash: string; prefix: string }>('select key_hash, prefix from api_keys where user_id = $1', [userId]);
    expect(row.key_hash).not.toContain(key);
    expect(key.startsWith(row.prefix)).toBe(true);
    const list = await a.get('/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(key);

    const bot = new ApiClient(server.url);
    bot.bearer = key;
    const site = await bot.post('/v1/sites', { name: 'From the API' });
    expect(site.status).toBe(201);
    expect((await bot.get('/v1/auth/me')).body.user.userId).toBe(userId);

    expect((await a.delete(`/v1/api-keys/${created.body.apiKeyId}`)).status).toBe(204);
    const revoked = await bot.get('/v1/sites');
    expect(revoked.status).toBe(401);
  });

  it('rejects an unknown bearer key', async () => {
    const bot = new ApiClient(server.url);
    bot.bearer = 'plk_unknown';
    expect((await bot.get('/v1/sites')).status).toBe(401);
  });
});
