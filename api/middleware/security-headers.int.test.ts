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

describe('session cookie and HSTS', () => {
  let httpsServer: TestServer;
  let production: TestServer;
  beforeAll(async () => {
    [httpsServer, production] = await Promise.all([
      startTestServer({ PUBLIC_URL: 'https://leads.example.com' }),
      startTestServer({ NODE_ENV: 'production', SESSION_SECRET: 'a production secret of at least 32 characters' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([httpsServer.close(), production.close()]);
  });

  const signUp = async (url: string) => {
    const n = Math.random().toString(36).slice(2, 10);
    const res = await fetch(`${url}/v1/auth/signup`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'Cookie Test', email: `cookie-${n}@example.com`, password: 'a long enough password' }),
    });
    expect(res.status).toBe(201);
    return res;
  };

  it.each([
    ['PUBLIC_URL is https', () => httpsServer],
    ['NODE_ENV=production (TLS ends at a proxy the API does not trust)', () => production],
  ])('when %s: the cookie is Secure with the __Host- prefix, and HSTS is sent', async (_name, pick) => {
    const target = pick();
    const res = await signUp(target.url);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^__Host-pl_session=[^;]+; path=\/; /);
    expect(cookie.toLowerCase()).toContain('; secure');
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).not.toContain('domain=');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const value = cookie.split(';')[0].split('=').slice(1).join('=');
    const me = await fetch(`${target.url}/v1/auth/me`, { headers: { cookie: `__Host-pl_session=${value}` } });
    expect(me.status).toBe(200);
    // The unprefixed name (which any subdomain could set) is not accepted.
    expect((await fetch(`${target.url}/v1/auth/me`, { headers: { cookie: `pl_session=${value}` } })).status).toBe(401);
    // The OpenAPI document names the cookie this deployment sets.
    expect((await (await fetch(`${target.url}/v1/openapi.json`)).json()).components.securitySchemes.session.name).toBe('__Host-pl_session');
  });

  it('in development over http: a plain cookie without Secure, and no HSTS', async () => {
    const res = await signUp(server.url);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^pl_session=/);
    expect((await (await fetch(`${server.url}/v1/openapi.json`)).json()).components.securitySchemes.session.name).toBe('pl_session');
    expect(cookie.toLowerCase()).not.toContain('secure');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
