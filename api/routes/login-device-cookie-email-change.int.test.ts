// A device cookie belongs to the account, not to its sign-in address (api/middleware/device-cookie.ts,
// docs/accounts.md): after the realtor changes the address through the emailed link (real SMTP
// server and worker), the browser they logged in from still logs in — with the new address — while
// strangers' failed logins from many IPs hold the account's cap; and the cookie is no help for the
// account that registers the old address next. Behind one trusted proxy (TRUST_PROXY=true), as in
// login-device-cookie.int.test.ts, so each login names its client IP in X-Forwarded-For.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP } from '#api/middleware/login-throttle.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const stack = useMailStack({ TRUST_PROXY: 'true' });
const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;

/** The realtor's browser: its session (ApiClient) and its device cookie, kept as a browser keeps them. */
interface Browser {
  client: ApiClient;
  device: string;
}

/** The `name=value` of the device cookie an answer sets. */
function deviceCookieOf(res: HttpResult): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('pl_device='));
  expect(header, 'pl_device in Set-Cookie').toBeDefined();
  return header!.split(';')[0];
}

/** A login as the proxy forwards it from `clientIp`, with a browser's device cookie when it has one. */
function logIn(email: string, password: string, clientIp: string, deviceCookie?: string) {
  const headers: Record<string, string> = { 'x-forwarded-for': clientIp };
  if (deviceCookie) headers.cookie = deviceCookie;
  return new ApiClient(stack.server.url).request('POST', '/v1/auth/login', { json: { email, password }, headers });
}

/** Logs in from `clientIp` in a browser: keeps the session (and CSRF token) and the device cookie. */
async function logInBrowser(email: string, password: string, clientIp: string): Promise<Browser> {
  const client = new ApiClient(stack.server.url);
  const res = await client.request('POST', '/v1/auth/login', { json: { email, password }, headers: { 'x-forwarded-for': clientIp } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  client.csrfToken = res.body.csrfToken;
  return { client, device: deviceCookieOf(res) };
}

/** Changes the signed-in account's address to `newEmail` the way the realtor does: ask, open the emailed link, confirm. */
async function changeEmail(browser: Browser, password: string, newEmail: string) {
  const asked = await browser.client.post('/v1/account/email', { newEmail, password });
  expect(asked.status, JSON.stringify(asked.body)).toBe(202);
  const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(newEmail) && /Confirm your new Porchlight sign-in email/.test(m.subject));
  const confirmed = await browser.client.post('/v1/auth/confirm-email-change', { token: linkTokenIn(mail, 'confirm-email') });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body).toEqual({ email: newEmail });
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

describe('a device cookie after the sign-in email changes', () => {
  it("the realtor's browser logs in with the new address while strangers hold the account's cap", async () => {
    const { email: oldEmail, password } = await new ApiClient(stack.server.url).signUp({ email: uniqueEmail('before') });
    const browser = await logInBrowser(oldEmail, password, '198.51.100.1');
    const newEmail = uniqueEmail('after');
    await changeEmail(browser, password, newEmail);

    await lockOutFromManyIps(newEmail);
    // A browser that never logged in to the account is held, right password or not…
    const stranger = await logIn(newEmail, password, '198.51.100.1');
    expect(stranger.status).toBe(429);
    expect(stranger.body.error.code).toBe('rate_limited');
    // …the realtor's, with the cookie it got before the change, is not.
    const own = await logIn(newEmail, password, '198.51.100.1', browser.device);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.user.email).toBe(newEmail);
    // The renewed cookie keeps working, from another IP of the realtor's too.
    expect((await logIn(newEmail, password, '198.51.100.2', deviceCookieOf(own))).status).toBe(200);
  });

  it('the cookie is no help for the account that registers the old address next', async () => {
    const a = { email: uniqueEmail('giver'), password: 'correct horse battery' };
    await new ApiClient(stack.server.url).signUp(a);
    const browserOfA = await logInBrowser(a.email, a.password, '198.51.100.10');
    await changeEmail(browserOfA, a.password, uniqueEmail('moved'));

    // Someone else signs up with the address A gave up, and strangers lock it out.
    const b = await new ApiClient(stack.server.url).signUp({ email: a.email, password: 'another good passphrase' });
    await lockOutFromManyIps(b.email);
    // A's browser is not a device of B's account, even with B's right password.
    const refused = await logIn(b.email, b.password, '198.51.100.10', browserOfA.device);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.getSetCookie()).toEqual([]);
  });
});
