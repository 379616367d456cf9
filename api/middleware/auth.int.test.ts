import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';

// The same database and Redis served by a second app whose SESSION_SECRET differs, as after a rotation.
let server: TestServer;
let rotated: Server;
let rotatedUrl: string;
beforeAll(async () => {
  server = await startTestServer({ SESSION_SECRET: 'the first secret, at least 32 characters' });
  const app = createApp({ ...server.runtime, config: { ...server.config, SESSION_SECRET: 'the rotated secret, at least 32 characters' } });
  rotated = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => rotated.once('listening', resolve));
  rotatedUrl = `http://127.0.0.1:${(rotated.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => rotated.close(resolve));
  await server.close();
});

describe('SESSION_SECRET signs the session cookie', () => {
  it('accepts the cookie under the secret that issued it and refuses it after the secret changes', async () => {
    const client = new ApiClient(server.url);
    await client.signUp();
    expect((await client.get('/v1/auth/me')).status).toBe(200);
    const elsewhere = new ApiClient(rotatedUrl);
    elsewhere.cookie = client.cookie;
    const refused = await elsewhere.get('/v1/auth/me');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');
  });

  it('refuses the session token without its signature, or with a signature from elsewhere', async () => {
    const client = new ApiClient(server.url);
    await client.signUp();
    const value = client.cookie.slice('pl_session='.length);
    const token = value.includes('.') ? value.slice(0, value.lastIndexOf('.')) : value;
    expect(token.length).toBeGreaterThan(20);
    for (const forged of [token, `${token}.`, `${token}.${'A'.repeat(43)}`]) {
      const c = new ApiClient(server.url);
      c.cookie = `pl_session=${forged}`;
      expect((await c.get('/v1/auth/me')).status, forged).toBe(401);
    }
  });
});
