// DELETE /v1/account sets `users.deleted_at` from Postgres's clock once it holds the user row's
// lock, not from the request's start: the purge times the sites' cache window
// (ACCOUNT_PURGE_SITE_CACHE_WAIT_MS) from it, so it must count from about the commit, however long
// the request spent on argon2 and on lock waits. Real Postgres and HTTP; a transaction of the test
// holds the user row while the deletion waits for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor } from '#test/factories.ts';
import { holdRowLocks, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('the deletion time', () => {
  it('is when the deletion got the user row, not when the request started', async () => {
    const r = await makeRealtor(server);
    const holder = await holdRowLocks(server, 'select user_id from users where user_id = $1 for update', [r.userId]);
    let released = 0;
    try {
      const started = Date.now();
      const deletion = r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
      await waitUntilBlockedBy(server, holder.pid, deletion);
      released = Date.now();
      expect(released).toBeGreaterThan(started);
      await holder.release();
      const res = await deletion;
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const [{ deleted_at: deletedAt }] = await server.sql<{ deleted_at: Date }>('select deleted_at from users where user_id = $1', [r.userId]);
      // After the lock was released (the request's own clock read was before the argon2 check).
      expect(deletedAt.getTime()).toBeGreaterThanOrEqual(released);
      // The answer reports the time stored.
      expect(Math.abs(Date.parse(res.body.deletedAt) - deletedAt.getTime())).toBeLessThanOrEqual(1);
    } finally {
      await holder.release();
    }
  });
});
