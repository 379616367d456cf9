// lead_analytics partitioned by month: rows land in their month's partition, replays are stored
// once (lead_analytics_keys), the worker's partition job creates months ahead (moving rows out
// of the default partition), and retention drops whole partitions, deletes per site and purges the
// rows of deleted sites.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueue } from '#core/jobs/queues.ts';
import { writeIngestBatch } from '#core/events/ingest-batcher.ts';
import { applyEventRetention, monthsBefore } from '#core/sites/event-retention.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeEvents, makeRealtor, makeSite, type Realtor, type TestSite } from '#test/factories.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { waitUntilBlockedBy } from '#test/row-locks.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { createLogger } from '#core/logger.ts';
import {
  dropAnalyticsPartitions, dropAnalyticsPartitionsBefore, ensureAnalyticsPartitions, eventsPerDayQuery, listAnalyticsPartitions, monthStart, PARTITION_LOCK_TIMEOUT_MS, partitionName, partitionsScanned,
} from './analytics-partitions.ts';

const ORIGIN = 'https://homes.example';
const nextIp = ipSource(7);

let server: TestServer;
let worker: TestWorker;
let realtor: Realtor;
let site: TestSite;

const em = () => server.orm.em.fork() as EntityManager;

async function partitionOf(analyticId: string): Promise<string> {
  const [row] = await server.sql<{ part: string }>('select tableoid::regclass::text as part from lead_analytics where analytic_id = $1', [analyticId]);
  return row.part;
}

async function runJob(key: 'analyticsPartitions' | 'eventRetention') {
  const jobId = `${key}-${randomUUID()}`;
  await enqueue(server.queues, key, {}, { jobId });
  return vi.waitFor(async () => {
    const job = await server.queues.maintenance.getJob(jobId);
    expect(job?.finishedOn, `${key} finished`).toBeTruthy();
    expect(job?.failedReason).toBeUndefined();
    return job!;
  }, WAIT);
}

/** A transaction of the test's own, on its own connection, that has run `statement` (a read) and holds its locks. */
async function openReader(statement: string) {
  const client = new pg.Client({ connectionString: server.config.DATABASE_URL });
  await client.connect();
  let open = true;
  await client.query('begin');
  await client.query(statement);
  const pid: number = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
  return {
    pid,
    state: async () => (await server.sql<{ state: string }>('select state from pg_stat_activity where pid = $1', [pid]))[0]?.state,
    commit: async () => { await client.query('commit'); },
    end: async () => {
      if (!open) return;
      open = false;
      await client.end();
    },
  };
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  worker = await startTestWorker(server);
  realtor = await makeRealtor(server);
  site = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

describe('lead_analytics partitions', () => {
  it('has month partitions from this month to three months ahead, plus a default one', async () => {
    const names = (await listAnalyticsPartitions(em())).map((p) => p.name);
    const now = new Date();
    for (let i = 0; i <= 3; i++) expect(names).toContain(partitionName(monthStart(now, i)));
    const [row] = await server.sql<{ n: number }>(`select count(*)::int as n from pg_class where relname = 'lead_analytics_default'`);
    expect(row.n).toBe(1);
  });

  it('stores each row in the partition of its event_date month (the default one outside them)', async () => {
    const now = new Date();
    const lastMonthDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0, 23, 59, 59));
    const farPast = new Date(Date.UTC(2001, 0, 15));
    const [current, previous, ancient] = await makeEvents(server, [
      { siteId: site.siteId, at: now },
      { siteId: site.siteId, at: lastMonthDay },
      { siteId: site.siteId, at: farPast },
    ]);
    expect(await partitionOf(current)).toBe(partitionName(monthStart(now)));
    expect(await partitionOf(previous)).toBe((await listAnalyticsPartitions(em())).some((p) => p.name === partitionName(monthStart(now, -1))) ? partitionName(monthStart(now, -1)) : 'lead_analytics_default');
    expect(await partitionOf(ancient)).toBe('lead_analytics_default');
  });

  it('a date-bounded dashboard query reads only the partitions of its months (EXPLAIN)', async () => {
    const now = new Date();
    const mid = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 10));
    const oneMonth = await partitionsScanned(em(), eventsPerDayQuery(site.siteId, mid, new Date(mid.getTime() + 7 * 86_400_000)));
    expect(oneMonth.partitions, oneMonth.plan).toEqual([partitionName(monthStart(now))]);
    const twoMonths = await partitionsScanned(em(), eventsPerDayQuery(site.siteId, new Date(monthStart(now, 1).getTime() - 3 * 86_400_000), new Date(monthStart(now, 1).getTime() + 3 * 86_400_000)));
    expect(twoMonths.partitions, twoMonths.plan).toEqual([partitionName(monthStart(now)), partitionName(monthStart(now, 1))].sort());
    // Unbounded by date: every partition, the default one included.
    const all = await partitionsScanned(em(), sql`select count(*) from lead_analytics where site_id = ${site.siteId}`);
    expect(all.partitions).toContain('lead_analytics_default');
    expect(all.partitions.length).toBeGreaterThan(4);
  });

  it('stores each event of a replayed batch once, with one replay key each', async () => {
    const body = { site: site.publicKey, visitor: `v_${randomUUID().slice(0, 8)}`, events: [0, 1, 2].map(() => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/x`, ts: Date.now() })) };
    const ids = body.events.map((e) => e.id);
    for (let i = 0; i < 3; i++) {
      const res = await sendIngest(`${server.url}/v1/collect`, body, { defaultOrigin: ORIGIN, nextIp });
      expect(res.status).toBe(202);
    }
    // Replayed concurrently too (group commit puts them in one statement).
    const burst = await Promise.all([0, 1, 2, 3].map(() => sendIngest(`${server.url}/v1/collect`, body, { defaultOrigin: ORIGIN, nextIp })));
    expect(burst.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const [row] = await server.sql<{ events: number; keys: number }>(
      `select (select count(*)::int from lead_analytics where client_event_id = any($1::uuid[])) as events,
              (select count(*)::int from lead_analytics_keys where client_event_id = any($1::uuid[])) as keys`,
      [ids],
    );
    expect(row).toEqual({ events: 3, keys: 3 });
  });

  it('the partition job creates months ahead and moves their rows out of the default partition', async () => {
    // A month far ahead whose rows were written before its partition existed.
    const future = new Date(Date.UTC(new Date().getUTCFullYear() + 2, 4, 10));
    const [early] = await makeEvents(server, [{ siteId: site.siteId, at: future }]);
    expect(await partitionOf(early)).toBe('lead_analytics_default');

    const created = await ensureAnalyticsPartitions(em(), future, 1);
    expect(created).toEqual({ created: [partitionName(monthStart(future)), partitionName(monthStart(future, 1))], deferred: [] });
    expect(await partitionOf(early)).toBe(partitionName(monthStart(future)));
    expect(await ensureAnalyticsPartitions(em(), future, 1)).toEqual({ created: [], deferred: [] }); // idempotent

    // The scheduled job does the same for the real clock: this month and three ahead exist after it.
    await runJob('analyticsPartitions');
    const names = (await listAnalyticsPartitions(em())).map((p) => p.name);
    for (let i = 0; i <= 3; i++) expect(names).toContain(partitionName(monthStart(new Date(), i)));
  });

  it('retention deletes a site\'s rows older than its own retention, in batches, and keeps the rest', async () => {
    const other = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
    const res = await realtor.client.patch(`/v1/sites/${other.siteId}`, { settings: { retentionMonths: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.settings.retentionMonths).toBe(1);
    const now = new Date();
    const old = new Date(monthsBefore(now, 1).getTime() - 86_400_000);
    await makeEvents(server, [
      ...Array.from({ length: 7 }, () => ({ siteId: other.siteId, at: old })),
      { siteId: other.siteId, at: now },
      { siteId: site.siteId, at: old }, // 13 months for this one: kept
    ]);
    const result = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 3 });
    // 7 of the short-retention site, and the 2001 row of the 13-month one (an earlier test's).
    expect(result.deletedEvents).toBe(8);
    expect(result.droppedPartitions).toEqual([]);
    const rows = await server.sql<{ site_id: string; n: number }>(
      'select site_id, count(*)::int as n from lead_analytics where event_date < $1 group by site_id',
      [monthsBefore(now, 1).toISOString()],
    );
    expect(rows).toEqual([{ site_id: site.siteId, n: expect.any(Number) }]);
    const [kept] = await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where site_id = $1', [other.siteId]);
    expect(kept.n).toBe(1);
  });

  it('deleting a site deletes its events; rows a batch stored just after the delete are purged by retention', async () => {
    const doomed = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
    const now = new Date();
    await makeEvents(server, [{ siteId: doomed.siteId, at: now }, { siteId: doomed.siteId, at: now }, { siteId: doomed.siteId, at: now }]);
    const count = async (siteId: string) => (await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where site_id = $1', [siteId]))[0].n;
    const keptBefore = await count(site.siteId);
    expect((await realtor.client.delete(`/v1/sites/${doomed.siteId}`)).status).toBe(204);
    expect(await count(doomed.siteId)).toBe(0);

    // No foreign key from lead_analytics to sites (its per-event check was a lock on the site
    // row). Ingest's own batch for a deleted site (one that resolved it before the delete) still
    // fails, on the visitors key, and stores nothing.
    const at = new Date();
    const racing = { siteId: doomed.siteId, visitorId: 'v_racing', firstAt: at, lastAt: at, receivedAt: at, rows: [{ id: randomUUID(), type: 'page_view', value: null, listing: null, url: `${ORIGIN}/x`, ts: at.toISOString() }] };
    await expect(writeIngestBatch(em(), [racing])).rejects.toMatchObject({ code: '23503', constraint: 'visitors_site_id_foreign' });
    expect(await count(doomed.siteId)).toBe(0);
    // Rows any other writer stores after the delete are purged by retention.
    await makeEvents(server, Array.from({ length: 5 }, () => ({ siteId: doomed.siteId, at: now })));
    expect(await count(doomed.siteId)).toBe(5);
    const result = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 2 });
    expect(result.deletedOrphanEvents).toBe(5);
    expect(result.more).toBe(false);
    expect(await count(doomed.siteId)).toBe(0);
    expect(await count(site.siteId)).toBe(keptBefore);
    // Nothing left to purge.
    expect((await applyEventRetention({ em: em(), config: server.config, now })).deletedOrphanEvents).toBe(0);
  });

  it('dropping a partition locks the default partition before the parent, in the order creating one does', async () => {
    // An old month of its own, so the drop touches nothing the other tests use.
    const old = new Date(Date.UTC(2020, 0, 15));
    expect(await ensureAnalyticsPartitions(em(), old, 0)).toEqual({ created: ['lead_analytics_p202001'], deferred: [] });
    const holder = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table lead_analytics_default in share row exclusive mode');
      const holderPid: number = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid;
      const drop = dropAnalyticsPartitionsBefore(em(), new Date(Date.UTC(2020, 1, 1)));
      const dropPid = await waitUntilBlockedBy(server, holderPid, drop);
      // Waiting for the default partition, it holds nothing on the parent (a partition job holding
      // the default one and waiting for the parent would otherwise deadlock with it).
      const held = await server.sql<{ relname: string }>(
        "select c.relname from pg_locks l join pg_class c on c.oid = l.relation where l.pid = $1 and l.granted and c.relname = 'lead_analytics'", [dropPid],
      );
      expect(held).toEqual([]);
      await holder.query('rollback');
      expect(await drop).toEqual(['lead_analytics_p202001']);
    } finally {
      await holder.end();
    }
  });

  it('a partition drop waiting behind a long read gives up after its lock timeout: ingest writes go on, the month waits for the next run', async () => {
    // An old month of its own (2019-06), due for retention under every site's.
    expect(await ensureAnalyticsPartitions(em(), new Date(Date.UTC(2019, 5, 15)), 0)).toEqual({ created: ['lead_analytics_p201906'], deferred: [] });
    const reader = await openReader('select count(*) from lead_analytics');
    const { destination, lines } = captureLogLines();
    try {
      const drop = dropAnalyticsPartitions(em(), new Date(Date.UTC(2019, 6, 1)), { retryDelaysMs: [50], log: createLogger({ level: 'warn', name: 'partitions-test', destination }) });
      const dropPid = await waitUntilBlockedBy(server, reader.pid, drop);
      // An ingest batch queues behind the waiting DETACH (its lock request is ahead of the
      // insert's), and goes on when that attempt's lock timeout ends it — the reader still open.
      const at = new Date();
      const ingest = writeIngestBatch(em(), [{ siteId: site.siteId, visitorId: 'v_behind_detach', firstAt: at, lastAt: at, receivedAt: at, rows: [{ id: randomUUID(), type: 'page_view', value: null, listing: null, url: `${ORIGIN}/z`, ts: at.toISOString() }] }]);
      await waitUntilBlockedBy(server, dropPid, ingest);
      await ingest;
      expect(await reader.state()).toBe('idle in transaction');
      expect(await drop).toEqual({ dropped: [], deferred: ['lead_analytics_p201906'] });
      expect((await listAnalyticsPartitions(em())).map((p) => p.name)).toContain('lead_analytics_p201906');
      expect(lines).toEqual([expect.objectContaining({ partition: 'lead_analytics_p201906', action: 'drop', attempts: 2, lockTimeoutMs: PARTITION_LOCK_TIMEOUT_MS })]);
      await reader.commit();
      // The next retention run, with nothing in its way, drops it.
      expect((await applyEventRetention({ em: em(), config: server.config, now: new Date() })).droppedPartitions).toContain('lead_analytics_p201906');
      expect((await listAnalyticsPartitions(em())).map((p) => p.name)).not.toContain('lead_analytics_p201906');
    } finally {
      await reader.end();
    }
  });

  it('creating a partition behind a long read of the default partition gives up after its lock timeout and is reported deferred', async () => {
    const month = new Date(Date.UTC(2031, 2, 15));
    const reader = await openReader('select count(*) from lead_analytics_default');
    try {
      expect(await ensureAnalyticsPartitions(em(), month, 0, { retryDelaysMs: [] })).toEqual({ created: [], deferred: ['lead_analytics_p203103'] });
      // Rolled back whole: no table left half made.
      expect(await server.sql(`select 1 from pg_class where relname = 'lead_analytics_p203103'`)).toEqual([]);
      await reader.commit();
      expect(await ensureAnalyticsPartitions(em(), month, 0, { retryDelaysMs: [] })).toEqual({ created: ['lead_analytics_p203103'], deferred: [] });
    } finally {
      await reader.end();
    }
  });

  it('retention drops whole month partitions older than every site\'s retention (scheduled job)', async () => {
    const now = new Date();
    // Two years from now every partition created for the current month has passed 13 months.
    const later = new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth(), 15));
    const thisMonth = partitionName(monthStart(now));
    const [inThisMonth] = await makeEvents(server, [{ siteId: site.siteId, at: now }]);
    expect(await partitionOf(inThisMonth)).toBe(thisMonth);
    const result = await applyEventRetention({ em: em(), config: server.config, now: later });
    expect(result.droppedPartitions).toContain(thisMonth);
    const names = (await listAnalyticsPartitions(em())).map((p) => p.name);
    expect(names).not.toContain(thisMonth);
    const [gone] = await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where analytic_id = $1', [inThisMonth]);
    expect(gone.n).toBe(0);

    // The scheduled job runs and recreates nothing it should not; the table still takes writes.
    const job = await runJob('eventRetention');
    expect(job.returnvalue).toMatchObject({ droppedPartitions: [] });
    // The partition job recreates the current month and the three ahead (all dropped above).
    expect((await runJob('analyticsPartitions')).returnvalue).toEqual({ created: [0, 1, 2, 3].map((i) => partitionName(monthStart(now, i))), deferred: [] });
    const ok = await sendIngest(`${server.url}/v1/collect`, { site: site.publicKey, visitor: 'v_after', events: [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/y` }] }, { defaultOrigin: ORIGIN, nextIp });
    expect(ok.status).toBe(202);
  });
});
