import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';

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
  /** The request's clock: `received_at`. */
  receivedAt: Date;
}

export interface IngestItemOutcome {
  /** Rows inserted for this item (a replayed event is not counted). */
  stored: number;
  /** The lead the visitor is linked to, if any. */
  leadId: string | null;
}

/** Most requests one transaction carries. */
export const INGEST_BATCH_MAX_ITEMS = 200;
/** Batch transactions in flight at once (each holds one pooled connection). */
export const INGEST_BATCH_MAX_CONCURRENT = 2;
/** Retry-After on a 503 from a failed batch. */
export const INGEST_RETRY_AFTER_SEC = 1;

/**
 * Writes the items in the caller's transaction, a few statements for the whole lot:
 * 1. upserts every visitor once (first/last seen), in (site, visitor) order so two batches lock
 *    visitor rows in the same order, and learns which are linked to a lead;
 * 2. inserts every event in one statement (`on conflict (site_id, client_event_id) do nothing`:
 *    replays and duplicates within the batch are stored once), with the lead id already set;
 * 3. flags the leads that got new events for rescoring (visitors first, then leads: the lock
 *    order of visitors.ts).
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
  // Each statement takes its rows as one jsonb parameter (cheap to build and to plan, whatever
  // the batch size). Visitors go in a fixed order, so concurrent batches lock them in the same
  // order; events keep the requests' order (a replay racing its original can deadlock, which
  // transactionalWithRetry re-runs).
  const linked = await sql<{ site_id: string; visitor_id: string; lead_id: string | null }>`
    insert into visitors (site_id, visitor_id, first_seen_at, last_seen_at)
    select v.site_id, v.visitor_id, v.first_seen_at, v.last_seen_at
    from jsonb_to_recordset(${JSON.stringify([...visitors.values()])}::jsonb)
      as v(site_id uuid, visitor_id text, first_seen_at timestamptz, last_seen_at timestamptz)
    order by v.site_id, v.visitor_id
    on conflict (site_id, visitor_id) do update
      set first_seen_at = least(visitors.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(visitors.last_seen_at, excluded.last_seen_at)
    returning site_id, visitor_id, lead_id`.execute(db(em));
  const leadOf = new Map(linked.rows.map((v) => [`${v.site_id} ${v.visitor_id}`, v.lead_id ?? null]));

  const rows = items.flatMap((item) => {
    const lead = leadOf.get(`${item.siteId} ${item.visitorId}`) ?? null;
    const received = item.receivedAt.toISOString();
    return item.rows.map((r) => ({ ...r, site: item.siteId, visitor: item.visitorId, lead, received }));
  });
  const inserted = await sql<{ site_id: string; client_event_id: string; lead_id: string | null; event_date: string }>`
    insert into lead_analytics
      (analytic_id, lead_id, event_type, event_value, event_date, site_id, visitor_id, client_event_id, listing_ref, page_url, props, received_at)
    select gen_random_uuid(), e.lead, e.type, e.value, e.ts, e.site, e.visitor, e.id, e.listing, e.url, e.props, e.received
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as e(site uuid, visitor text, lead uuid, id uuid, type text, value text, listing text, url text, ts timestamptz, props jsonb, received timestamptz)
    on conflict (site_id, client_event_id) do nothing
    returning site_id, client_event_id, lead_id`.execute(db(em));

  // Attribute each stored row to the first item that carried it (for the per-request count).
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const r of item.rows) if (!owner.has(`${item.siteId} ${r.id}`)) owner.set(`${item.siteId} ${r.id}`, i);
  });
  const stored = items.map(() => 0);
  for (const row of inserted.rows) {
    const i = owner.get(`${row.site_id} ${row.client_event_id}`);
    if (i !== undefined) stored[i]++;
  }

  // Leads that got new events, each with its latest activity.
  const activity = new Map<string, Date>();
  items.forEach((item, i) => {
    const lead = leadOf.get(`${item.siteId} ${item.visitorId}`);
    if (!lead || !stored[i]) return;
    const prev = activity.get(lead);
    if (!prev || item.lastAt > prev) activity.set(lead, item.lastAt);
  });
  const wakeups: Wakeup[] = [];
  for (const [leadId, at] of [...activity.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    wakeups.push(...(await markLeadsForRescore(em, [leadId], at)));
  }
  return { outcomes: items.map((item, i) => ({ stored: stored[i], leadId: leadOf.get(`${item.siteId} ${item.visitorId}`) ?? null })), wakeups };
}

export interface IngestBatcherStats {
  /** Batch transactions committed. */
  batches: number;
  /** Requests those batches carried. */
  items: number;
  /** Batch transactions that failed (their requests answered 503, or were retried alone). */
  failedBatches: number;
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
 * Retry-After, never a 202. At most `maxConcurrent` batches run at once; under light load a
 * batch is one request and the latency is that of a plain transaction.
 */
export function createIngestBatcher({ em, queues, logger, maxItems = INGEST_BATCH_MAX_ITEMS, maxConcurrent = INGEST_BATCH_MAX_CONCURRENT }: {
  /** A fresh EntityManager per batch (e.g. `() => orm.em.fork()`). */
  em: () => EntityManager;
  queues: Queues;
  logger: Logger;
  maxItems?: number;
  maxConcurrent?: number;
}): IngestBatcher {
  const queue: Pending[] = [];
  const stats: IngestBatcherStats = { batches: 0, items: 0, failedBatches: 0 };
  let inFlight = 0;
  let scheduled = false;

  const unavailable = () =>
    new AppError('unavailable', 'The events could not be stored; retry shortly', undefined, { 'Retry-After': String(INGEST_RETRY_AFTER_SEC) });

  async function commit(batch: Pending[]): Promise<void> {
    const { outcomes, wakeups } = await transactionalWithRetry(em(), (tem) => writeIngestBatch(tem, batch.map((p) => p.item)));
    stats.batches++;
    stats.items += batch.length;
    await enqueueAfterCommit(queues, wakeups, logger).catch((err) => logger.warn({ err }, 'could not send ingest wake-ups; the sweeper will'));
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

  function flush() {
    scheduled = false;
    while (inFlight < maxConcurrent && queue.length) {
      const batch = queue.splice(0, maxItems);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        schedule();
      });
    }
  }

  function schedule() {
    if (scheduled || inFlight >= maxConcurrent || !queue.length) return;
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
