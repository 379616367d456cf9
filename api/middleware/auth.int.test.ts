import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAppStreams, createApp, sessionCacheOf } from '#api/app.ts';
import { type LocalListener, listenLocally, startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { ApiClient } from '#test/http.ts';

// The same database and Redis served by a second app whose SESSION_SECRET differs, as after a rotation.
let server: TestServer;
let rotated: LocalListener;
let rotatedUrl: string;
beforeAll(async () => {
  server = await startTestServer({ SESSION_SECRET: 'the first secret, at least 32 characters' });
  const app = createApp({ ...server.runtime, config: { ...server.config, SESSION_SECRET: 'the rotated secret, at least 32 characters' } });
  rotated = await listenLocally(app);
  rotatedUrl = rotated.url;
});
afterAll(() => closeAll(rotated, server));

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

describe('sessions held in memory by several API processes', () => {
  it('a logout through one process ends the session in another that had it in memory, and at once in its own', async () => {
    // A second app on the same database and secret: another API process with its own session cache.
    const app = createApp({ ...server.runtime, config: server.config });
    const other = await listenLocally(app);
    try {
      const client = new ApiClient(server.url);
      await client.signUp();
      const there = new ApiClient(other.url);
      there.cookie = client.cookie;
      // Both processes answer it from memory once their caches listen.
      await expect.poll(async () => (await there.get('/v1/auth/me')).status === 200 && sessionCacheOf(app).listening()).toBe(true);
      expect((await there.get('/v1/auth/me')).status).toBe(200);
      expect((await client.get('/v1/auth/me')).status).toBe(200);

      const cookie = client.cookie;
      const heard = sessionCacheOf(app).nextChange();
      expect((await client.post('/v1/auth/logout')).status).toBe(204);
      const replay = new ApiClient(server.url);
      replay.cookie = cookie;
      expect((await replay.get('/v1/auth/me')).status).toBe(401);
      await heard; // Postgres' notification of the deleted session, milliseconds after the commit
      expect((await there.get('/v1/auth/me')).status).toBe(401);
    } finally {
      await other.close();
      await closeAppStreams(app);
    }
  });
});
