// The real worker process (`node worker/main.ts`) SIGKILLed in the middle of erasing a deleted
// account: the committed chunks stay erased, BullMQ hands the stalled `accounts.purge` to another
// worker process, which resumes from what is left and erases every row of the account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAccountRows, mergeIds, readAccountIds, seedAccountData } from '#test/account-data.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import { FAST_RECOVERY_ENV, type NodeProcess, spawnNode, stopAll, waitForLog, workerEnv } from '#test/process.ts';

let server: TestServer;
const procs: NodeProcess[] = [];

function spawnWorker(): NodeProcess {
  const proc = spawnNode('worker/main.ts', workerEnv(server.config, { ...FAST_RECOVERY_ENV }));
  procs.push(proc);
  return proc;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await stopAll(procs);
  await server?.close();
});

describe('worker killed mid-purge', () => {
  it('another worker resumes the purge and erases every row of the account', { timeout: 180_000 }, async () => {
    const r = await makeRealtor(server);
    const site = await makeSite(r);
    const ids = mergeIds(await seedAccountData(server, { userId: r.userId, siteId: site.siteId, leads: 3_000, eventsPerLead: 30 }), await readAccountIds(server, r.userId));
    const events = async () => (await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where site_id = $1', [site.siteId]))[0].n;
    const initial = await events();
    expect(initial).toBeGreaterThanOrEqual(90_000);

    const first = spawnWorker();
    await waitForLog(first, 'worker started');
    expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(202);
    // Killed once the purge has committed some chunks, long before it is done.
    await expect.poll(events, { timeout: 60_000, interval: 20 }).toBeLessThan(initial);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const left = await events();
    expect(left).toBeGreaterThan(0);
    expect((await server.sql('select 1 from users where user_id = $1', [r.userId]))).toHaveLength(1);

    const second = spawnWorker();
    await waitForLog(second, 'worker started');
    await expect.poll(() => countAccountRows(server, ids), { timeout: 120_000, interval: 500 }).toEqual({});
    expect(second.lines.some((l) => l.includes('account purged'))).toBe(true);
  });
});
