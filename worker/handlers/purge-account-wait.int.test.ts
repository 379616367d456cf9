// A purge that can only wait for its deletion notice (SMTP down: the `account_deleted` email stays
// pending for up to 24 h) does not hold a `rescore` slot: a run long after the deletion — the purge
// sweep's, every minute — returns at once, so a rules rescore enqueued beside it starts at once, and
// the sweep wakes accounts with data left to erase before the ones only waiting for their notice.
// Real Postgres, Redis and a BullMQ worker with the rescore queue's production concurrency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPendingAccountPurges, purgeDeletedAccount } from '#core/accounts/account-deletion-purge.ts';
import { enqueue } from '#core/jobs/queues.ts';
import { countAccountRows, mergeIds, readAccountIds, seedAccountData } from '#test/account-data.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import { startTestWorker } from '#test/worker.ts';
import { defineHandler } from '../handler.ts';
import { QUEUE_CONCURRENCY } from './index.ts';
import { purgeAccountHandler } from './purge-account.handler.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A realtor with a site and some data, deleted over the API (no worker runs: its notice stays pending). */
async function deletedAccount(leads = 2) {
  const r = await makeRealtor(server);
  const site = await makeSite(r);
  const ids = mergeIds(await seedAccountData(server, { userId: r.userId, siteId: site.siteId, leads, eventsPerLead: 2 }), await readAccountIds(server, r.userId));
  expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(202);
  // The deletion's own wake-up ran long ago (this test enqueues the later runs itself).
  await server.queues.rescore.remove(`purge-${r.userId}`);
  return { r, ids };
}

const noticePending = async (userId: string) => (await server.sql(`select 1 from notifications where user_id = $1 and kind = 'account_deleted' and status = 'pending'`, [userId])).length;

describe('a purge waiting only for its notice', () => {
  it('returns at once long after the deletion: a rescore enqueued beside the purges starts promptly', async () => {
    const slots = QUEUE_CONCURRENCY.rescore ?? 4;
    const accounts = [];
    for (let i = 0; i < slots; i++) {
      const a = await deletedAccount();
      // Erased but for the user row, which waits for the notice (SMTP is down).
      expect(await purgeDeletedAccount({ em: server.orm.em.fork(), userId: a.r.userId, now: () => new Date(Date.now() + 60_000) })).toMatchObject({ done: false, waitingForEmail: true });
      // Deleted five minutes ago: the sweep's runs, not the one the deletion woke.
      await server.sql(`update users set deleted_at = now() - interval '5 minutes' where user_id = $1`, [a.r.userId]);
      accounts.push(a);
    }
    let rescoreStarted = 0;
    const worker = await startTestWorker(server, {
      name: 'purge-wait-worker',
      concurrency: { rescore: slots },
      handlers: {
        purgeAccount: purgeAccountHandler,
        rescoreUser: defineHandler('rescoreUser', async () => {
          rescoreStarted = performance.now();
          return {};
        }),
      },
    });
    try {
      const enqueued = performance.now();
      // The sweep's wake-ups first (they take the slots first), then a rules rescore.
      for (const { r } of accounts) await enqueue(server.queues, 'purgeAccount', { userId: r.userId });
      const other = await makeRealtor(server);
      await enqueue(server.queues, 'rescoreUser', { userId: other.userId, version: 1 });
      await expect.poll(() => rescoreStarted, WAIT).toBeGreaterThan(0);
      expect(rescoreStarted - enqueued, 'the rescore waited for a slot').toBeLessThan(2_000);
      // Every purge run ended (removed on completion) within the bound, leaving the user row for the notice.
      for (const { r } of accounts) await expect.poll(() => server.queues.rescore.getJob(`purge-${r.userId}`), WAIT).toBeUndefined();
      expect(performance.now() - enqueued, 'the purge runs held their slots').toBeLessThan(2_000);
      for (const { r, ids } of accounts) {
        expect(await noticePending(r.userId)).toBe(1);
        expect((await countAccountRows(server, ids)).users).toBe(1);
      }
    } finally {
      await worker.close();
    }
  });

  it('the sweep wakes accounts with data left to erase before those only waiting for their notice', async () => {
    const before = await findPendingAccountPurges(server.orm.em.fork(), { limit: 1_000 });
    const waiting = await deletedAccount();
    await purgeDeletedAccount({ em: server.orm.em.fork(), userId: waiting.r.userId, now: () => new Date(Date.now() + 60_000) });
    await server.sql(`update users set deleted_at = now() - interval '1 hour' where user_id = $1`, [waiting.r.userId]);
    const fresh = await deletedAccount();
    // The older deletion is only waiting for its notice; the newer one has data left: it comes first.
    const order = (await findPendingAccountPurges(server.orm.em.fork(), { limit: 1_000 })).filter((id) => !before.includes(id));
    expect(order).toEqual([fresh.r.userId, waiting.r.userId]);
    const first = await findPendingAccountPurges(server.orm.em.fork(), { limit: 1 });
    expect(first).toEqual([fresh.r.userId]);
  });
});
