// An IPv6 client usually holds a whole /64 and can take a fresh address for every request, so the
// per-IP limits count IPv6 clients by their /64 (rateLimitKeyOfIp, docs/configuration.md
// "TRUST_PROXY"): addresses of one /64, however spelt, share one budget, whose spent state answers
// 429 `rate_limited` with Retry-After and changes nothing, while another /64 keeps its own. Behind
// one trusted proxy (TRUST_PROXY=true), as in account-link-limits.int.test.ts, so each request names
// its client address in X-Forwarded-For. Real links from a real SMTP server and worker.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, LOGIN_WINDOW_SEC } from '#api/middleware/login-throttle.ts';
import { LINK_ATTEMPT_WINDOW_SEC, LINK_ATTEMPTS_PER_IP } from '#api/routes/account-email.routes.ts';
import { SIGNUPS_PER_IP_PER_HOUR } from '#api/routes/auth.routes.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const stack = useMailStack({ TRUST_PROXY: 'true' });
const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
/** As long as a real link token, and as hopeless. */
const madeUpToken = () => randomUUID().replaceAll('-', '') + randomUUID().slice(0, 11);

/**
 * The i-th address of the /64 `2001:db8:<net>:1::/64`, spelt three ways in turn (compressed,
 * upper case, fully written out), so a budget shared by spelling alone would not pass.
 */
function sibling(net: number, i: number): string {
  const host = (i + 1).toString(16);
  const spellings = [
    `2001:db8:${net.toString(16)}:1::${host}`,
    `2001:DB8:${net.toString(16).toUpperCase()}:1:0:FFFF:0:${host.toUpperCase()}`,
    `2001:0db8:${net.toString(16).padStart(4, '0')}:0001:0000:0000:abcd:${host.padStart(4, '0')}`,
  ];
  return spellings[i % spellings.length];
}
/** An address in the next /64 over. */
const neighbour = (net: number) => `2001:db8:${net.toString(16)}:2::1`;

/** A POST to a public route as the proxy forwards it from `clientIp`. */
function postFrom(clientIp: string, path: string, json: unknown): Promise<HttpResult> {
  return new ApiClient(stack.server.url).request('POST', path, { json, headers: { 'x-forwarded-for': clientIp } });
}

/** The 429 of a spent budget: `rate_limited` JSON and a Retry-After within the window. */
function expectRateLimited(res: HttpResult, windowSec: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.body.error.code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
  expect(res.headers.get('set-cookie')).toBeNull();
}

describe('per-IP limits count an IPv6 client by its /64', () => {
  it(`signup: ${SIGNUPS_PER_IP_PER_HOUR} from different addresses of one /64 spend its budget; the next is refused and creates nothing; another /64 signs up`, async () => {
    const net = 0xa;
    for (let i = 0; i < SIGNUPS_PER_IP_PER_HOUR; i++) {
      const res = await postFrom(sibling(net, i), '/v1/auth/signup', { username: `v6 ${i}`, email: uniqueEmail('v6-signup'), password: 'correct horse battery' });
      expect(res.status, `signup ${i + 1} from ${sibling(net, i)}`).toBe(201);
    }
    const input = { username: 'v6 refused', email: uniqueEmail('v6-refused'), password: 'correct horse battery' };
    expectRateLimited(await postFrom(sibling(net, SIGNUPS_PER_IP_PER_HOUR), '/v1/auth/signup', input), 3600);
    // Nothing was created: the same address signs up afresh (201, not the 202 of a registered one) from another /64.
    const elsewhere = await postFrom(neighbour(net), '/v1/auth/signup', input);
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    expect(elsewhere.body.user.email).toBe(input.email);
  });

  it(`POST /v1/auth/verify-email: ${LINK_ATTEMPTS_PER_IP} attempts from addresses of one /64 spend its budget; the valid link from a sibling is refused and verifies nothing; another /64 verifies`, async () => {
    const realtor = new ApiClient(stack.server.url);
    const { email } = await realtor.signUp({ email: uniqueEmail('v6-verifier') });
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject));
    const token = linkTokenIn(mail, 'verify-email');

    const net = 0xb;
    for (let i = 0; i < LINK_ATTEMPTS_PER_IP; i++) {
      const res = await postFrom(sibling(net, i), '/v1/auth/verify-email', { token: madeUpToken() });
      expect(res.status, `attempt ${i + 1} from ${sibling(net, i)}`).toBe(400);
      expect(res.body.error.code).toBe('token_invalid');
    }
    expectRateLimited(await postFrom(sibling(net, LINK_ATTEMPTS_PER_IP), '/v1/auth/verify-email', { token }), LINK_ATTEMPT_WINDOW_SEC);
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(false);

    const verified = await postFrom(neighbour(net), '/v1/auth/verify-email', { token });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toEqual({ emailVerified: true });
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
  });

  it(`login: ${LOGIN_MAX_FAILURES_PER_ACCOUNT_IP} wrong passwords from addresses of one /64 block the pair; the right password from a sibling is refused without a session; another /64 logs in`, async () => {
    const { email, password } = await new ApiClient(stack.server.url).signUp({ email: uniqueEmail('v6-login') });
    const logIn = (clientIp: string, pw: string) => postFrom(clientIp, '/v1/auth/login', { email, password: pw });

    const net = 0xc;
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP; i++) {
      expect((await logIn(sibling(net, i), 'a wrong guess')).status, `guess ${i + 1} from ${sibling(net, i)}`).toBe(401);
    }
    expectRateLimited(await logIn(sibling(net, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP), password), LOGIN_WINDOW_SEC);

    const owner = await logIn(neighbour(net), password);
    expect(owner.status, JSON.stringify(owner.body)).toBe(200);
    expect(owner.body.user.email).toBe(email);
  });
});
