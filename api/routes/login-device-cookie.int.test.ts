import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app.ts';
import { DEVICE_COOKIE_MAX_AGE_SEC, DEVICE_COOKIE_PATH } from '#api/middleware/device-cookie.ts';
import {
  LOGIN_MAX_FAILURES_PER_ACCOUNT,
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
  LOGIN_MAX_FAILURES_PER_DEVICE,
} from '#api/middleware/login-throttle.ts';
import { type LocalListener, listenLocally, startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';

// Behind one trusted proxy (TRUST_PROXY=true), as in login-limits.int.test.ts; a second app on the
// same database and Redis is an https deployment (PUBLIC_URL https), for the cookie's Secure form.
let server: TestServer;
let https: LocalListener;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  https = await listenLocally(createApp({ ...server.runtime, config: { ...server.config, PUBLIC_URL: 'https://leads.example.com' } }));
});
afterAll(() => closeAll(https, server));

/** A login as the proxy forwards it from `clientIp`, with the browser's device cookie when it has one. */
function logIn(email: string, password: string, clientIp: string, deviceCookie?: string, baseUrl = server.url) {
  const headers: Record<string, string> = { 'x-forwarded-for': clientIp };
  if (deviceCookie) headers.cookie = deviceCookie;
  return new ApiClient(baseUrl).request('POST', '/v1/auth/login', { json: { email, password }, headers });
}

/** The `name=value` of the device cookie an answer sets. */
function deviceCookieOf(res: HttpResult, name = 'pl_device'): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  expect(header, `${name} in Set-Cookie`).toBeDefined();
  return header!.split(';')[0];
}

let nextNetwork = 0;
/** Strangers spend the account's cap with wrong guesses from addresses nobody else uses here. */
async function lockOutFromManyIps(email: string) {
  const network = ++nextNetwork;
  const ips = Math.ceil(LOGIN_MAX_FAILURES_PER_ACCOUNT / LOGIN_MAX_FAILURES_PER_ACCOUNT_IP);
  for (let n = 0; n < ips; n++) {
    const results = await Promise.all(Array.from({ length: LOGIN_MAX_FAILURES_PER_ACCOUNT_IP }, (_, i) => logIn(email, `guess ${i}`, `10.${network}.0.${n + 1}`)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 401));
  }
}

describe('device cookies and the per-account login cap', () => {
  it('a browser that logged in before still logs in while strangers hold the account; one without its cookie is refused', async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const earlier = await logIn(email, password, '198.51.100.1');
    expect(earlier.status).toBe(200);
    const device = deviceCookieOf(earlier);
    await lockOutFromManyIps(email);

    const withoutCookie = await logIn(email, password, '198.51.100.1');
    expect(withoutCookie.status).toBe(429);
    expect(withoutCookie.headers.getSetCookie()).toEqual([]);

    const withCookie = await logIn(email, password, '198.51.100.1', device);
    expect(withCookie.status).toBe(200);
    expect(withCookie.body.user.email).toBe(email);
    // …and it is renewed (a fresh nonce each login), so the owner's browser keeps working.
    const renewed = deviceCookieOf(withCookie);
    expect(renewed).not.toBe(device);
    // Another IP of the owner's (a phone on mobile data) with the same browser works too.
    expect((await logIn(email, password, '198.51.100.2', renewed)).status).toBe(200);
    // The strangers are still refused, right password or not.
    expect((await logIn(email, password, '198.51.100.3')).status).toBe(429);
  });

  it("account A's device cookie does not let anyone past account B's cap", async () => {
    const a = await new ApiClient(server.url).signUp();
    const b = await new ApiClient(server.url).signUp();
    const deviceOfA = deviceCookieOf(await logIn(a.email, a.password, '198.51.100.10'));
    await lockOutFromManyIps(b.email);
    const refused = await logIn(b.email, b.password, '198.51.100.10', deviceOfA);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.getSetCookie()).toEqual([]);
  });

  it('a tampered, forged or malformed device cookie is ignored: 429 under the lock, never a 5xx', async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const device = deviceCookieOf(await logIn(email, password, '198.51.100.20'));
    await lockOutFromManyIps(email);
    const [name, value] = device.split('=');
    const [nonce, mac] = value.split('.');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const presented = [
      `${name}=${nonce}.${flip(mac, 0)}`, // MAC changed
      `${name}=${flip(nonce, 3)}.${mac}`, // nonce changed under the same MAC
      `${name}=${nonce}.${'A'.repeat(43)}`,
      `${name}=${nonce}`,
      `${name}=${value}x`,
      `${name}=`,
      `${name}=%%%;%00`,
      `${name}="${'.'.repeat(5000)}"`,
      `${name}=${nonce}.${mac}.${mac}`,
    ];
    for (const cookie of presented) {
      const res = await logIn(email, password, '198.51.100.20', cookie);
      expect(res.status, cookie.slice(0, 80)).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
    }
    // The genuine cookie still works: none of the above counted against it.
    expect((await logIn(email, password, '198.51.100.20', device)).status).toBe(200);
  });

  it(`a device has its own budget: ${LOGIN_MAX_FAILURES_PER_DEVICE} wrong passwords with it revoke it, and it then counts as no cookie`, async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const device = deviceCookieOf(await logIn(email, password, '198.51.100.30'));
    const nonce = device.split('=')[1].split('.')[0];
    await lockOutFromManyIps(email);
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_DEVICE; i++) {
      expect((await logIn(email, `a stolen cookie's guess ${i}`, '198.51.100.30', device)).status).toBe(401);
    }
    const prefix = `${server.config.QUEUE_PREFIX}:rl:login`;
    expect(await server.redis.pttl(`${prefix}:dev:${nonce}:revoked`)).toBeGreaterThan((DEVICE_COOKIE_MAX_AGE_SEC - 60) * 1000);
    // Revoked: under the account's lock the right password with it is refused like any stranger's.
    expect((await logIn(email, password, '198.51.100.30', device)).status).toBe(429);
    // The device's guesses were its own: the (account, IP) pair they came from was not spent.
    expect(await server.redis.get(`${prefix}:pair:${email}|198.51.100.30`)).toBeNull();
  });

  it('is set by login (and signup) HttpOnly, SameSite=Strict, on the login path only, for 180 days; logout leaves it', async () => {
    const client = new ApiClient(server.url);
    const { email, password } = await client.signUp();
    const login = await logIn(email, password, '198.51.100.40');
    const header = login.headers.getSetCookie().find((c) => c.startsWith('pl_device='));
    expect(header).toMatch(new RegExp(`^pl_device=[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}; Max-Age=${DEVICE_COOKIE_MAX_AGE_SEC}; Path=/v1/auth/login; SameSite=Strict; HttpOnly$`));
    expect(DEVICE_COOKIE_PATH).toBe('/v1/auth/login');
    expect(DEVICE_COOKIE_MAX_AGE_SEC).toBe(180 * 24 * 3600);
    // Signup starts a session too, so it marks the browser as well.
    const signup = await new ApiClient(server.url).request('POST', '/v1/auth/signup', { json: { username: 'Dana', email: `dana-${Date.now()}@example.com`, password: 'correct horse battery' } });
    expect(signup.status).toBe(201);
    expect(deviceCookieOf(signup)).toMatch(/^pl_device=/);
    // Logout ends the session cookie and leaves the device cookie alone.
    const logout = await client.post('/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie().some((c) => c.startsWith('pl_session=;'))).toBe(true);
    expect(logout.headers.getSetCookie().some((c) => c.includes('pl_device'))).toBe(false);
  });

  it('on https deployments it is __Secure-pl_device with Secure', async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const login = await logIn(email, password, '198.51.100.50', undefined, https.url);
    expect(login.status).toBe(200);
    const header = login.headers.getSetCookie().find((c) => c.startsWith('__Secure-pl_device='));
    expect(header).toMatch(/; Path=\/v1\/auth\/login; SameSite=Strict; HttpOnly; Secure$/);
    // The https deployment reads its own name (the plain one is not its cookie).
    await lockOutFromManyIps(email);
    const cookie = header!.split(';')[0];
    expect((await logIn(email, password, '198.51.100.50', cookie.replace('__Secure-pl_device', 'pl_device'), https.url)).status).toBe(429);
    expect((await logIn(email, password, '198.51.100.50', cookie, https.url)).status).toBe(200);
  });
});
