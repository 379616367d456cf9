import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_IP } from '#api/middleware/login-throttle.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';

// TRUST_PROXY=true is one proxy: it appends the address it saw, after whatever the client sent.
let oneHop: TestServer;
let twoHops: TestServer;
beforeAll(async () => {
  [oneHop, twoHops] = await Promise.all([startTestServer({ TRUST_PROXY: 'true' }), startTestServer({ TRUST_PROXY: '2' })]);
});
afterAll(async () => {
  await Promise.all([oneHop.close(), twoHops.close()]);
});

const logIn = (server: TestServer, email: string, forwardedFor: string) =>
  new ApiClient(server.url).request('POST', '/v1/auth/login', { json: { email, password: 'a guess' }, headers: { 'x-forwarded-for': forwardedFor } });

describe('client IP behind trusted proxies', () => {
  it('does not let a client rotate its own X-Forwarded-For entries past the per-IP login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_MAX_FAILURES_PER_IP; i++) {
      statuses.push((await logIn(oneHop, `nobody-${i}@example.com`, `10.9.${i}.1, 203.0.113.7`)).status);
    }
    expect(statuses.slice(0, LOGIN_MAX_FAILURES_PER_IP).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('with TRUST_PROXY=2 takes the entry the outer proxy wrote, not the client-supplied one nor the inner proxy', async () => {
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_IP; i++) {
      expect((await logIn(twoHops, `nobody-${i}@example.com`, `10.9.${i}.1, 203.0.113.8, 10.0.0.${i}`)).status).toBe(401);
    }
    // Same client behind the same CDN, a different inner proxy: still the same client.
    expect((await logIn(twoHops, 'nobody-else@example.com', '203.0.113.8, 10.0.1.1')).status).toBe(429);
    // Another client is not affected.
    expect((await logIn(twoHops, 'nobody-else@example.com', '203.0.113.9, 10.0.1.1')).status).toBe(401);
  });
});
