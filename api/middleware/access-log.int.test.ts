import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { ApiClient } from '#test/http.ts';
import { listenWithLogLines } from '#test/log-lines.ts';

// The real app behind one trusted proxy, logging at info into memory (one JSON line per event).
let server: TestServer;
let logged: Awaited<ReturnType<typeof listenWithLogLines>>;
let url: string;
let lines: Array<Record<string, any>>;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  logged = await listenWithLogLines(server);
  ({ url, lines } = logged);
});
afterAll(() => closeAll(logged, server));

describe('access log', () => {
  it('names the client IP on every request line and logs failed logins without the password', async () => {
    const client = new ApiClient(url);
    const { email, password } = await client.signUp();
    const wrongPassword = 'not-the-password-7f3a';
    const failed = await new ApiClient(url).request('POST', '/v1/auth/login', {
      json: { email, password: wrongPassword }, headers: { 'x-forwarded-for': '203.0.113.50' },
    });
    expect(failed.status).toBe(401);
    const ok = await new ApiClient(url).request('POST', '/v1/auth/login', { json: { email, password }, headers: { 'x-forwarded-for': '203.0.113.51' } });
    expect(ok.status).toBe(200);

    const requests = lines.filter((l) => l.msg === 'request' && l.path === '/v1/auth/login');
    expect(requests.map((l) => [l.status, l.ip])).toEqual([[401, '203.0.113.50'], [200, '203.0.113.51']]);
    expect(lines.find((l) => l.msg === 'request' && l.path === '/v1/auth/signup')?.ip).toBe('127.0.0.1');
    const failure = lines.find((l) => l.msg === 'login failed');
    expect(failure).toMatchObject({ level: 40, email, ip: '203.0.113.50', reason: 'invalid_credentials' });
    expect(failure?.requestId).toBe(failed.headers.get('x-request-id'));
    // Neither password, nor the session cookie, nor the CSRF token is ever written.
    for (const secret of [wrongPassword, password, ok.body.csrfToken, ok.headers.getSetCookie()[0].split(';')[0].split('=')[1]]) {
      expect(logged.raw()).not.toContain(secret);
    }
  });

  it('in development puts request lines at debug (quieter at the default info level); elsewhere at info', async () => {
    const levelOfRequestLine = async (nodeEnv: 'development' | 'test') => {
      const app = await listenWithLogLines(server, { level: 'debug', config: { NODE_ENV: nodeEnv } });
      try {
        expect((await fetch(`${app.url}/v1/auth/me`)).status).toBe(401);
      } finally {
        await app.close();
      }
      return app.lines.find((l) => l.msg === 'request')?.level;
    };
    expect(await levelOfRequestLine('development')).toBe(20);
    expect(await levelOfRequestLine('test')).toBe(30);
  });
});
