// Group commit of POST /v1/collect (ingest-batcher.ts) and the ingest site cache, against the real
// API, Postgres and Redis. Failures are real Postgres errors: a trigger on lead_analytics raises
// for a marked listing (as a data error, or as `query_canceled`, which is not one).
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { AppError } from '#core/errors.ts';
import { createLogger } from '#core/logger.ts';
import { INGEST_SITE_CACHE_TTL_MS } from '#core/sites/resolve-ingest-site.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeRealtor, makeSite, type Realtor, type TestSite } from '#test/factories.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { holdRowLocks, waitUntilBlockedBy } from '#test/row-locks.ts';
import { createIngestBatcher, type IngestBatcher, type IngestBatchItem, type IngestItemOutcome, writeIngestBatch } from './ingest-batcher.ts';

const ORIGIN = 'https://homes.example';
const POISON = 'poison-listing';
const CANCEL = 'cancel-listing';

let server: TestServer;
let realtor: Realtor;
let site: TestSite;
const nextIp = ipSource(7);

const collect = (body: unknown, origin = ORIGIN) => sendIngest(`${server.url}/v1/collect`, body, { defaultOrigin: origin, nextIp });
const beacon = (listing = 'oak-12', siteKey = site.publicKey) => ({
  site: siteKey, visitor: `v_${randomUUID().slice(0, 8)}`, events: [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/${listing}`, listing }],
});
const eventIds = (bodies: ReturnType<typeof beacon>[]) => bodies.map((b) => b.events[0].id);

/** How many of these events are stored, and in how many transactions (rows of one transaction share its xmin). */
async function stored(ids: string[]): Promise<{ rows: number; transactions: number }> {
  const [row] = await server.sql<{ rows: number; transactions: number }>(
    'select count(*)::int as rows, count(distinct xmin::text)::int as transactions from lead_analytics where client_event_id = any($1::uuid[])',
    [ids],
  );
  return row;
}

function item(listing: string, overrides: Partial<IngestBatchItem> = {}): IngestBatchItem {
  const now = new Date();
  return {
    siteId: site.siteId, visitorId: `v_${randomUUID().slice(0, 8)}`, firstAt: now, lastAt: now, receivedAt: now,
    rows: [{ id: randomUUID(), type: 'page_view', value: null, listing, url: null, ts: now.toISOString() }],
    ...overrides,
  };
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  realtor = await makeRealtor(server);
  site = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
  await server.sql(`
    create function fail_marked_events() returns trigger language plpgsql as $$
    begin
      if new.listing_ref = '${POISON}' then raise exception 'poisoned event' using errcode = 'check_violation'; end if;
      if new.listing_ref = '${CANCEL}' then raise exception 'cancelled' using errcode = 'query_canceled'; end if;
      return new;
    end $$`);
  await server.sql('create trigger fail_marked_events before insert on lead_analytics for each row execute function fail_marked_events()');
});
afterAll(async () => {
  await server.close();
});

describe('group commit', () => {
  it('stores concurrent requests, every one of them, answering 202 after the commit', async () => {
    const bodies = Array.from({ length: 60 }, () => beacon());
    const answers = await Promise.all(bodies.map((b) => collect(b)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
    const { rows } = await stored(eventIds(bodies));
    expect(rows).toBe(60);
    // How many commits they share depends on how the requests happen to arrive (a batch now takes
    // ~1.5 ms, so on a busy machine they may arrive one by one): the next test submits together
    // and checks the sharing exactly.
  });

  it('keys the events it stores by time-ordered ids (UUIDv7 of their receipt), so the primary key grows at its end', async () => {
    const bodies = Array.from({ length: 5 }, () => beacon());
    const sentMs = Date.now();
    for (const b of bodies) expect((await collect(b)).status).toBe(202);
    const rows = await server.sql<{ analytic_id: string; received_ms: string }>(
      `select analytic_id, floor(extract(epoch from received_at) * 1000)::bigint::text as received_ms from lead_analytics
       where client_event_id = any($1::uuid[]) order by received_at, analytic_id`,
      [eventIds(bodies)],
    );
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.analytic_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The id's time is the request's arrival (the API's clock); received_at is the batch
      // statement's transaction time (the database's clock), taken after it on this machine.
      const idMs = Number.parseInt(r.analytic_id.replaceAll('-', '').slice(0, 12), 16);
      expect(idMs).toBeGreaterThanOrEqual(sentMs);
      expect(idMs).toBeLessThanOrEqual(Number(r.received_ms) + 1);
      expect(Number(r.received_ms) - idMs).toBeLessThan(WAIT.timeout);
    }
    // Sent one after another: each id sorts after the one before.
    expect(rows.map((r) => r.analytic_id)).toEqual(rows.map((r) => r.analytic_id).sort());
  });

  it('writes the requests submitted together in one transaction, a duplicate event once', async () => {
    const batcher = createIngestBatcher({ em: () => server.orm.em.fork() as EntityManager, queues: server.queues, logger: createLogger({ level: 'silent', name: 'test' }) });
    const items = Array.from({ length: 25 }, (_, i) => item(`l-${i}`));
    // A replay of the first event inside the same batch.
    items.push({ ...items[0], visitorId: items[0].visitorId });
    const outcomes = await Promise.all(items.map((i) => batcher.submit(i)));
    expect(batcher.stats()).toMatchObject({ batches: 1, items: 26, failedBatches: 0 });
    expect(outcomes.reduce((n, o) => n + o.stored, 0)).toBe(25);
    const ids = [...new Set(items.flatMap((i) => i.rows.map((r) => r.id)))];
    expect(await stored(ids)).toEqual({ rows: 25, transactions: 1 });
  });

  it('a returning visitor\'s upsert is a heap-only (HOT) update: it moves last_seen_at without writing into the visitors indexes', async () => {
    const first = item('hot-first');
    const later = new Date(first.lastAt.getTime() + 60_000);
    const again = item('hot-again', { visitorId: first.visitorId, firstAt: later, lastAt: later, receivedAt: later });
    const em = server.orm.em.fork() as EntityManager;
    await writeIngestBatch(em, [first]);
    // The transaction's own counters (pg_stat_get_xact_*), read before it commits: exact, unlike the cumulative views.
    const counts = await em.transactional(async (tem) => {
      await writeIngestBatch(tem as EntityManager, [again]);
      return (tem as EntityManager).execute<{ updated: number; hot: number }[]>(
        `select pg_stat_get_xact_tuples_updated('visitors'::regclass)::int as updated, pg_stat_get_xact_tuples_hot_updated('visitors'::regclass)::int as hot`);
    });
    expect(counts).toEqual([{ updated: 1, hot: 1 }]);
    const [visitor] = await server.sql<{ last_seen_at: Date }>('select last_seen_at from visitors where site_id = $1 and visitor_id = $2', [site.siteId, first.visitorId]);
    expect(visitor.last_seen_at.toISOString()).toBe(later.toISOString());
  });

  it('counts the visitors a batch creates in visitor_daily_counts, and writes no count row for a batch of returning visitors', async () => {
    const countRows = async () => (await server.sql<{ rows: number; visitors: number }>(
      'select count(*)::int as rows, coalesce(sum(visitors), 0)::int as visitors from visitor_daily_counts where site_id = $1', [site.siteId]))[0];
    const em = () => server.orm.em.fork() as EntityManager;
    /** The same visitor's next beacon: a new event. */
    const nextBeacon = (i: IngestBatchItem): IngestBatchItem => ({ ...i, rows: [{ ...i.rows[0], id: randomUUID() }] });
    const returning = [item('count-a'), item('count-b')];
    await writeIngestBatch(em(), returning);
    const before = await countRows();
    // Two returning visitors and one new one in one statement: one visitor more.
    const fresh = item('count-new');
    await writeIngestBatch(em(), [...returning.map(nextBeacon), fresh]);
    const afterMixed = await countRows();
    expect(afterMixed.visitors).toBe(before.visitors + 1);
    // Only returning visitors: nothing to count (the insert trigger returns at once).
    await writeIngestBatch(em(), [...returning, fresh].map(nextBeacon));
    expect(await countRows()).toEqual(afterMixed);
    const [{ visitors }] = await server.sql<{ visitors: number }>('select count(*)::int as visitors from visitors where site_id = $1', [site.siteId]);
    expect(afterMixed.visitors).toBe(visitors);
  });

  /**
   * A batcher (with `opts`) whose first batch is stuck: the visitor row of its one request is held
   * locked by another transaction until `release()` (also called after `run`, whatever happens).
   */
  async function withStuckFirstBatch(
    opts: { maxItems?: number; stallMs: number; first?: IngestBatchItem },
    run: (t: { batcher: IngestBatcher; first: IngestBatchItem; firstDone: Promise<IngestItemOutcome>; release(): Promise<void> }) => Promise<void>,
  ): Promise<void> {
    const { first = item('stuck-first'), ...batcherOpts } = opts;
    const batcher = createIngestBatcher({ em: () => server.orm.em.fork() as EntityManager, queues: server.queues, logger: createLogger({ level: 'silent', name: 'test' }), ...batcherOpts });
    await server.sql('insert into visitors (site_id, visitor_id, first_seen_at, last_seen_at) values ($1, $2, now(), now())', [first.siteId, first.visitorId]);
    const holder = await holdRowLocks(server, 'select 1 from visitors where site_id = $1 and visitor_id = $2 for update', [first.siteId, first.visitorId]);
    try {
      const firstDone = batcher.submit(first);
      // The batch statement is waiting for the lock.
      await waitUntilBlockedBy(server, holder.pid, firstDone);
      await run({ batcher, first, firstDone, release: holder.release });
    } finally {
      await holder.release();
    }
  }

  it('one batch at a time: requests that arrive while one is in flight all go in the next', async () => {
    await withStuckFirstBatch({ stallMs: 60_000 }, async ({ batcher, firstDone, release }) => {
      // Two groups, in two turns of the event loop, while the first batch is stuck.
      const groupA = Array.from({ length: 5 }, (_, i) => item(`a-${i}`));
      const doneA = groupA.map((i) => batcher.submit(i));
      await new Promise((resolve) => setImmediate(resolve));
      const groupB = Array.from({ length: 5 }, (_, i) => item(`b-${i}`));
      const doneB = groupB.map((i) => batcher.submit(i));
      await release();
      await Promise.all([firstDone, ...doneA, ...doneB]);
      expect(batcher.stats()).toMatchObject({ batches: 2, items: 11, stalledStarts: 0 });
      expect(await stored([...groupA, ...groupB].map((i) => i.rows[0].id))).toEqual({ rows: 10, transactions: 1 });
    });
  });

  it('more than a full batch waiting (an overload) starts the next batch at once, beside the one in flight', async () => {
    await withStuckFirstBatch({ maxItems: 3, stallMs: 60_000 }, async ({ batcher, firstDone, release }) => {
      const rest = Array.from({ length: 8 }, (_, i) => item(`overload-${i}`));
      const done = rest.map((i) => batcher.submit(i));
      // Two full batches go beside the stuck one while more than 3 wait; the last 2 wait for it.
      await Promise.all(done.slice(0, 6));
      expect(batcher.stats()).toMatchObject({ batches: 2, items: 6, stalledStarts: 0 });
      await release();
      await Promise.all([firstDone, ...done]);
      expect(batcher.stats()).toMatchObject({ batches: 4, items: 9 });
      expect(await stored(rest.map((i) => i.rows[0].id))).toMatchObject({ rows: 8 });
    });
  });

  it('a batch stuck on a lock does not hold the rest: after stallMs a second one starts beside it', async () => {
    await withStuckFirstBatch({ stallMs: 100 }, async ({ batcher, first, firstDone, release }) => {
      const others = Array.from({ length: 5 }, (_, i) => item(`beside-${i}`));
      // Stored while the first batch still waits.
      const outcomes = await Promise.all(others.map((i) => batcher.submit(i)));
      expect(outcomes.map((o) => o.stored)).toEqual([1, 1, 1, 1, 1]);
      expect(batcher.stats()).toMatchObject({ batches: 1, items: 5, stalledStarts: 1 });
      expect(await stored(first.rows.map((r) => r.id))).toMatchObject({ rows: 0 });
      await release();
      expect((await firstDone).stored).toBe(1);
    });
  });

  it('an event whose request waited before its batch ran is still counted by the analytics rollup (received_at is the transaction time)', async () => {
    // A request that arrived 20 s (more than ROLLUP_LAG_MS) before its batch statement could run:
    // the batcher's queue, the pool or a lock held it that long.
    const arrived = new Date(Date.now() - 20_000);
    const late = item(`late-${randomUUID().slice(0, 8)}`, { receivedAt: arrived });
    const countedOf = async () => (await server.sql<{ n: number }>(
      'select coalesce(sum(events), 0)::int as n from analytics_daily where site_id = $1 and listing_ref = $2', [late.siteId, late.rows[0].listing],
    ))[0].n;
    await withStuckFirstBatch({ stallMs: 60_000, first: late }, async ({ firstDone, release }) => {
      // The rollup runs while the batch is stuck: its watermark moves past the request's arrival.
      const during = await rollupEvents({ em: server.orm.em.fork() as EntityManager });
      expect(during.busy).toBe(false);
      expect(new Date(during.watermark!).getTime()).toBeGreaterThan(arrived.getTime());
      await release();
      expect((await firstDone).stored).toBe(1);
    });
    expect(await countedOf()).toBe(0);
    await rollupEvents({ em: server.orm.em.fork() as EntityManager, lagMs: 0 });
    expect(await countedOf()).toBe(1);
  });

  it('a request whose event Postgres refuses gets 503 and stores nothing; its batch neighbours are stored', async () => {
    const batcher = createIngestBatcher({ em: () => server.orm.em.fork() as EntityManager, queues: server.queues, logger: createLogger({ level: 'silent', name: 'test' }) });
    const good = Array.from({ length: 9 }, (_, i) => item(`ok-${i}`));
    const bad = item(POISON);
    const settled = await Promise.allSettled([...good, bad].map((i) => batcher.submit(i)));
    expect(settled.slice(0, 9).map((s) => s.status)).toEqual(good.map(() => 'fulfilled'));
    const refused = settled[9];
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    expect((refused as PromiseRejectedResult).reason.status).toBe(503);
    expect(await stored(good.map((i) => i.rows[0].id))).toMatchObject({ rows: 9 });
    expect(await stored(bad.rows.map((r) => r.id))).toMatchObject({ rows: 0 });
    expect(batcher.stats().failedBatches).toBeGreaterThanOrEqual(2); // the batch, then the poisoned request alone

    const res = await collect(beacon(POISON));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('a batch that fails as a whole answers 503 to every request in it and stores none of them', async () => {
    const batcher = createIngestBatcher({ em: () => server.orm.em.fork() as EntityManager, queues: server.queues, logger: createLogger({ level: 'silent', name: 'test' }) });
    const items = [...Array.from({ length: 7 }, (_, i) => item(`whole-${i}`)), item(CANCEL)];
    const settled = await Promise.allSettled(items.map((i) => batcher.submit(i)));
    expect(settled.map((s) => s.status)).toEqual(items.map(() => 'rejected'));
    for (const s of settled) expect((s as PromiseRejectedResult).reason.status).toBe(503);
    expect(await stored(items.map((i) => i.rows[0].id))).toMatchObject({ rows: 0 });
    expect(batcher.stats()).toMatchObject({ batches: 0, failedBatches: 1 });
  });
});

describe('ingest site cache', () => {
  it('sees a site update, disable and delete made through the API at once', async () => {
    const own = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
    expect((await collect(beacon('a', own.publicKey))).status).toBe(202); // cached now

    expect((await realtor.client.patch(`/v1/sites/${own.siteId}`, { allowedOrigins: ['https://other.example'] })).status).toBe(200);
    expect((await collect(beacon('b', own.publicKey))).status).toBe(403);
    expect((await collect(beacon('c', own.publicKey), 'https://other.example')).status).toBe(202);

    expect((await realtor.client.patch(`/v1/sites/${own.siteId}`, { enabled: false })).status).toBe(200);
    const disabled = await collect(beacon('d', own.publicKey), 'https://other.example');
    expect(disabled.status).toBe(403);
    expect(disabled.body.error.message).toMatch(/disabled/);

    expect((await realtor.client.delete(`/v1/sites/${own.siteId}`)).status).toBe(204);
    expect((await collect(beacon('e', own.publicKey), 'https://other.example')).status).toBe(404);
  });

  it(`sees a change made elsewhere (another process, SQL) within ${INGEST_SITE_CACHE_TTL_MS} ms`, async () => {
    const own = await makeSite(realtor, { allowedOrigins: [ORIGIN] });
    expect((await collect(beacon('a', own.publicKey))).status).toBe(202);
    const changedAt = Date.now();
    await server.sql('update sites set enabled = false where site_id = $1', [own.siteId]);
    await vi.waitFor(async () => expect((await collect(beacon('b', own.publicKey))).status).toBe(403), { timeout: INGEST_SITE_CACHE_TTL_MS + 2000, interval: 100 });
    expect(Date.now() - changedAt).toBeLessThan(INGEST_SITE_CACHE_TTL_MS + 2000);
  });
});
