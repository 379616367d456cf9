import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import { createCompiledQueries } from '../db/compiled-queries.ts';
import { timeOrderedUuid } from '../db/time-ordered-uuid.ts';
import { isRetryableTransactionError, TRANSACTION_ATTEMPTS } from '../db/transactional-retry.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { createWakeup, enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';

/** One event as it goes into `lead_analytics` (times as ISO strings). */
export interface EventRow {
  id: string;
  type: string;
  value: string | null;
  listing: string | null;
  url: string | null;
  ts: string;
  props?: Record<string, unknown>;
}

/** What one `POST /v1/collect` request (without identify events) asks to store. */
export interface IngestBatchItem {
  siteId: string;
  visitorId: string;
  rows: EventRow[];
  /** The earliest and latest event time (visitor first/last seen, lead activity). */
  firstAt: Date;
  lastAt: Date;
  /**
   * The request's clock: the time part of the events' `analytic_id` (time-ordered keys) only.
   * `received_at` is the batch statement's own transaction time (`now()`), see eventInsertCtes.
   */
  receivedAt: Date;
}

export interface IngestItemOutcome {
  /** Rows inserted for this item (a replayed event is not counted). */
  stored: number;
  /** The lead the visitor is linked to, if any. */
  leadId: string | null;
}

/** Most requests one batch (one statement) carries. */
export const INGEST_BATCH_MAX_ITEMS = 200;
/** Batch statements in flight at once at most (each holds one pooled connection). */
export const INGEST_BATCH_MAX_CONCURRENT = 2;
/**
 * A second batch starts only behind one that has been in flight this long (a lock wait, a slow
 * disk); otherwise requests wait for the batch in flight and go in the next, larger one. A batch
 * takes 2–4 ms under the ingest bench. One writer at a time made bigger batches (24.7 events per
 * commit against 15.6) and cost less per event in Postgres (55 against 70 µs) and in the API (82
 * against 97 µs): two writers contend for the same right-edge index pages (docs/performance.md).
 */
export const INGEST_BATCH_STALL_MS = 50;
/** Retry-After on a 503 from a failed batch. */
export const INGEST_RETRY_AFTER_SEC = 1;

/**
 * Writes the items in ONE statement (data-modifying CTEs; atomic on its own, so the batcher runs
 * it without BEGIN/COMMIT: one round trip per batch; inside a caller's transaction it joins it):
 * 1. upserts every visitor once (first/last seen), in (site, visitor) order so two batches lock
 *    visitor rows in the same order, and learns which are linked to a lead;
 * 2. claims every event's replay key in `lead_analytics_keys` (site_id, client_event_id), in key
 *    order, `on conflict do nothing`: replays and duplicates within the batch are stored once
 *    (the partitioned `lead_analytics` cannot carry that unique constraint, see the migration);
 * 3. inserts the events whose key was new, with the lead id already set;
 * 4. flags the leads that got new events for rescoring (and moves `last_activity_at` forward).
 * Returns each item's outcome (same order) and the wake-ups to send after the commit.
 */
export async function writeIngestBatch(em: EntityManager, items: IngestBatchItem[]): Promise<{ outcomes: IngestItemOutcome[]; wakeups: Wakeup[] }> {
  const visitors = new Map<string, { site_id: string; visitor_id: string; first_seen_at: string; last_seen_at: string }>();
  for (const item of items) {
    const key = `${item.siteId} ${item.visitorId}`;
    const first = item.firstAt.toISOString();
    const last = item.lastAt.toISOString();
    const seen = visitors.get(key);
    if (!seen) visitors.set(key, { site_id: item.siteId, visitor_id: item.visitorId, first_seen_at: first, last_seen_at: last });
    else {
      if (first < seen.first_seen_at) seen.first_seen_at = first;
      if (last > seen.last_seen_at) seen.last_seen_at = last;
    }
  }
  let ord = 0;
  const rows = items.flatMap((item) => {
    const receivedMs = item.receivedAt.getTime();
    return item.rows.map((r) => ({ ...r, site: item.siteId, visitor: item.visitorId, ord: ord++, aid: timeOrderedUuid(receivedMs) }));
  });
  const { ins, vis } = await runBatchStatement(em, JSON.stringify(rows), JSON.stringify([...visitors.values()]));

  const leadOf = new Map<string, string | null>();
  for (const [siteId, visitorId, leadId] of vis) leadOf.set(`${siteId} ${visitorId}`, leadId);
  // Attribute each stored row to the first item that carried it (for the per-request count).
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const r of item.rows) if (!owner.has(`${item.siteId} ${r.id}`)) owner.set(`${item.siteId} ${r.id}`, i);
  });
  const stored = items.map(() => 0);
  const flagged = new Set<string>();
  for (const [siteId, key, leadId] of ins) {
    const i = owner.get(`${siteId} ${key}`);
    if (i !== undefined) stored[i]++;
    if (leadId) flagged.add(leadId);
  }
  const wakeups = [...flagged].sort().map((leadId) => createWakeup('scoreLead', { leadId }));
  return { outcomes: items.map((item, i) => ({ stored: stored[i], leadId: leadOf.get(`${item.siteId} ${item.visitorId}`) ?? null })), wakeups };
}

/** The batch statement: rows and visitors each travel as one jsonb parameter (cheap to build and to plan, whatever the batch size). */
function batchStatement(rowsJson: string, visitorsJson: string): RawBuilder<{ ins: BatchRow[]; vis: BatchRow[] }> {
  return sql<{ ins: BatchRow[]; vis: BatchRow[] }>`
    with input as (
      select * from jsonb_to_recordset(${rowsJson}::jsonb)
        as e(site uuid, visitor text, id uuid, type text, value text, listing text, url text, ts timestamptz, props jsonb, ord int, aid uuid)
    ), vis as (
      insert into visitors (site_id, visitor_id, first_seen_at, last_seen_at)
      select v.site_id, v.visitor_id, v.first_seen_at, v.last_seen_at
      from jsonb_to_recordset(${visitorsJson}::jsonb)
        as v(site_id uuid, visitor_id text, first_seen_at timestamptz, last_seen_at timestamptz)
      order by v.site_id, v.visitor_id
      on conflict (site_id, visitor_id) do update
        set first_seen_at = least(visitors.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(visitors.last_seen_at, excluded.last_seen_at)
      returning site_id, visitor_id, lead_id
    ), ${eventInsertCtes(sql`select i.*, vis.lead_id as lead from input i join vis on vis.site_id = i.site and vis.visitor_id = i.visitor`)}
    select
      (select coalesce(json_agg(json_build_array(site_id, client_event_id, lead_id)), '[]') from ins) as ins,
      (select coalesce(json_agg(json_build_array(site_id, visitor_id, lead_id)), '[]') from vis) as vis`;
}

/** `[site_id, client_event_id | visitor_id, lead_id]` as the batch statement returns them. */
type BatchRow = [string, string, string | null];

/**
 * Runs the batch statement (compiled once per process: its only parameters are the two jsonb
 * documents). Inside a caller's transaction it joins it through the EntityManager; otherwise (the
 * batcher: one statement, atomic on its own) it runs as the named prepared statement
 * `porchlight_ingest_batch_1` on the driver's pool (createCompiledQueries' `prepareAs`), so Postgres
 * parses and plans it once per connection rather than once per batch, and the answer is one row of
 * two JSON arrays rather than a row per event (measured on this machine: a third less client CPU
 * and 35 % less time per 16-event batch).
 */
const BATCH_STATEMENT = createCompiledQueries<{ ins: BatchRow[]; vis: BatchRow[] }>(
  (kdb, p) => batchStatement(p(0) as string, p(1) as string).compile(kdb),
  { prepareAs: 'porchlight_ingest_batch' },
);

async function runBatchStatement(em: EntityManager, rowsJson: string, visitorsJson: string): Promise<{ ins: BatchRow[]; vis: BatchRow[] }> {
  return (await BATCH_STATEMENT.execute(em, 'batch', [rowsJson, visitorsJson]))[0];
}

/**
 * The CTEs that store events idempotently, given `source` (a select with the columns site,
 * visitor, id, type, value, listing, url, ts, props, lead, aid (the new row's
 * `analytic_id`: `timeOrderedUuid` of its receipt) and ord: the event's place in
 * the request(s), the order rows are written in — and so the tie-break of equal times in a
 * timeline, as before): `src`, `keys` (the replay
 * keys claimed, in key order), `ins` (the rows stored: site_id, client_event_id, lead_id) and
 * `flag` (the leads flagged for rescoring, `last_activity_at` moved forward). Follow with a
 * select from `ins`.
 *
 * `received_at` (of the event and of its replay key) is `now()`, the start of the transaction
 * that writes it, not the request's arrival: a request can wait (in the batcher's queue, for a
 * pooled connection, on a lock) before its transaction starts, and the analytics rollup
 * (core/analytics/rollup-events.ts) moves its watermark only up to the start of the oldest open
 * transaction. With the request's time, an event that waited longer than the rollup's lag
 * committed below the watermark and was never counted; with `now()` it cannot.
 */
export function eventInsertCtes(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`src as (${source}), keys as (
      insert into lead_analytics_keys (site_id, client_event_id, received_at)
      select s.site, s.id, now() from src s group by s.site, s.id order by s.site, s.id
      on conflict do nothing
      returning site_id, client_event_id
    ), ins as (
      insert into lead_analytics
        (analytic_id, lead_id, event_type, event_value, event_date, site_id, visitor_id, client_event_id, listing_ref, page_url, props, received_at)
      select d.aid, d.lead, d.type, d.value, d.ts, d.site, d.visitor, d.id, d.listing, d.url, d.props, now()
      from (
        select distinct on (s.site, s.id) s.* from src s join keys k on k.site_id = s.site and k.client_event_id = s.id
        order by s.site, s.id, s.ord
      ) d
      order by d.ord
      returning site_id, client_event_id, lead_id, event_date
    ), flag as (
      update leads l
      set needs_rescore = true, updated_at = now(), last_activity_at = greatest(coalesce(l.last_activity_at, a.at), a.at)
      from (select lead_id, max(event_date) as at from ins where lead_id is not null group by lead_id) a
      where l.lead_id = a.lead_id
      returning l.lead_id
    )`;
}

export interface IngestBatcherStats {
  /** Batch transactions committed. */
  batches: number;
  /** Requests those batches carried. */
  items: number;
  /** Batch transactions that failed (their requests answered 503, or were retried alone). */
  failedBatches: number;
  /** Batches started beside one that had been in flight for INGEST_BATCH_STALL_MS. */
  stalledStarts: number;
}

export interface IngestBatcher {
  /** Stores the item in the next batch; resolves once that batch has committed, rejects with 503 if it failed. */
  submit(item: IngestBatchItem): Promise<IngestItemOutcome>;
  stats(): IngestBatcherStats;
}

/** A failure of one statement's data (constraint, bad value) rather than of the database: worth retrying the items one by one. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58)/.test(code);
}

async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransactionError(err)) throw err;
    }
  }
}

interface Pending {
  item: IngestBatchItem;
  resolve: (outcome: IngestItemOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for `POST /v1/collect`: requests that arrive while a batch transaction is in
 * flight wait for the next one, which carries all of them (up to INGEST_BATCH_MAX_ITEMS) in a
 * few statements and one commit. Each request is answered only after its batch has committed
 * (so a 202 always means stored). A batch that fails because of its data is retried item by item
 * (one poisoned request cannot fail its neighbours); a request whose write fails gets 503 with
 * Retry-After, never a 202. One batch runs at a time; another starts beside it only when the one
 * in flight has taken `stallMs`, or when more than a full batch is waiting (up to `maxConcurrent`
 * in all), so one stuck statement does not hold every request. Under light load a batch is one
 * request and the latency is that of a plain transaction.
 */
export function createIngestBatcher({ em, queues, logger, maxItems = INGEST_BATCH_MAX_ITEMS, maxConcurrent = INGEST_BATCH_MAX_CONCURRENT, stallMs = INGEST_BATCH_STALL_MS }: {
  /** The EntityManager a batch runs on: the root one will do (the batch statement uses no ORM entities), or a fork per batch. */
  em: () => EntityManager;
  queues: Queues;
  logger: Logger;
  maxItems?: number;
  maxConcurrent?: number;
  stallMs?: number;
}): IngestBatcher {
  const queue: Pending[] = [];
  const stats: IngestBatcherStats = { batches: 0, items: 0, failedBatches: 0, stalledStarts: 0 };
  /** The batches in flight (their start, performance.now()), oldest first. */
  const inFlight: Array<{ startedAt: number }> = [];
  let scheduled = false;
  let stallTimer: NodeJS.Timeout | undefined;

  const unavailable = () =>
    new AppError('unavailable', 'The events could not be stored; retry shortly', undefined, { 'Retry-After': String(INGEST_RETRY_AFTER_SEC) });

  async function commit(batch: Pending[]): Promise<void> {
    // One statement, atomic on its own: no BEGIN/COMMIT round trips. Re-run if it lost a race (deadlock).
    const items = batch.map((p) => p.item);
    const { outcomes, wakeups } = await withRetry(() => writeIngestBatch(em(), items));
    stats.batches++;
    stats.items += batch.length;
    // Never throws: a wake-up it cannot send is logged there and left to the sweeper.
    await enqueueAfterCommit(queues, wakeups, logger);
    for (const [i, p] of batch.entries()) p.resolve(outcomes[i]);
  }

  async function run(batch: Pending[]): Promise<void> {
    try {
      await commit(batch);
    } catch (err) {
      stats.failedBatches++;
      if (batch.length > 1 && isDataError(err)) {
        logger.warn({ err, items: batch.length }, 'ingest batch failed on its data; retrying its requests one by one');
        for (const p of batch) {
          await commit([p]).catch((itemErr) => {
            stats.failedBatches++;
            logger.error({ err: itemErr }, 'ingest request could not be stored');
            p.reject(unavailable());
          });
        }
        return;
      }
      logger.error({ err, items: batch.length }, 'ingest batch could not be stored');
      for (const p of batch) p.reject(unavailable());
    }
  }

  /**
   * How long until another batch may start beside the ones in flight (0: now; Infinity: at the
   * limit). A backlog of more than one full batch (an overload) starts the next at once.
   */
  function waitBeforeStart(now: number): number {
    if (inFlight.length === 0) return 0;
    if (inFlight.length >= maxConcurrent) return Number.POSITIVE_INFINITY;
    if (queue.length > maxItems) return 0;
    return Math.max(0, inFlight[inFlight.length - 1].startedAt + stallMs - now);
  }

  function flush() {
    scheduled = false;
    clearTimeout(stallTimer);
    stallTimer = undefined;
    while (queue.length) {
      const now = performance.now();
      const wait = waitBeforeStart(now);
      if (wait > 0) {
        // Behind a batch that may be stuck: look again once it has taken stallMs (its end also looks).
        if (Number.isFinite(wait)) stallTimer = setTimeout(flush, wait);
        return;
      }
      if (inFlight.length && queue.length <= maxItems) stats.stalledStarts++;
      const batch = queue.splice(0, maxItems);
      const entry = { startedAt: now };
      inFlight.push(entry);
      void run(batch).finally(() => {
        inFlight.splice(inFlight.indexOf(entry), 1);
        schedule();
      });
    }
  }

  function schedule() {
    if (scheduled || !queue.length || inFlight.length >= maxConcurrent) return;
    // Behind a batch in flight with the stall timer set: its end or the timer flushes.
    if (inFlight.length && stallTimer) return;
    scheduled = true;
    // One turn of the event loop: requests parsed in the same turn share the batch.
    setImmediate(flush);
  }

  return {
    submit(item) {
      return new Promise<IngestItemOutcome>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    stats: () => ({ ...stats }),
  };
}
