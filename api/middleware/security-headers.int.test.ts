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

describe('Cache-Control on authenticated JSON', () => {
  it('answers no-store to login, who-am-I (with its CSRF token) and every realtor route', async () => {
    const client = new ApiClient(server.url);
    const { email, password } = await client.signUp();
    const login = await client.post('/v1/auth/login', { email, password });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    client.csrfToken = login.body.csrfToken;
    for (const path of ['/v1/auth/me', '/v1/leads', '/v1/sites', '/v1/api-keys', '/v1/scoring-rules']) {
      const res = await client.get(path);
      expect(res.status, path).toBeLessThan(300);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const refused = await new ApiClient(server.url).get('/v1/leads');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });
});
