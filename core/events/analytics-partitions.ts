import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type DB, db } from '../db/kysely.ts';
import type { Logger } from '../logger.ts';

/**
 * Monthly partitions of `lead_analytics` (see Migration20261129111500): `lead_analytics_pYYYYMM`
 * holds [first of the month, first of the next) in UTC; `lead_analytics_default` catches rows
 * outside every month partition.
 */
export const PARTITION_PREFIX = 'lead_analytics_p';
export const DEFAULT_PARTITION = 'lead_analytics_default';
/** Months the worker keeps created ahead of the current one. */
export const PARTITION_MONTHS_AHEAD = 3;
/**
 * How long one attempt at creating or dropping a partition waits for a table lock. DETACH needs
 * ACCESS EXCLUSIVE on `lead_analytics` and ATTACH on `lead_analytics_default`; while either waits
 * behind a reader (a dashboard query, an export), every later statement on the table — ingest's
 * inserts — queues behind it (an insert waited 6.07 s behind a detach waiting on an 8 s read).
 * With the timeout, writes wait at most this long per attempt. (DETACH … CONCURRENTLY, which
 * would not block them, is refused on a table with a default partition.)
 */
export const PARTITION_LOCK_TIMEOUT_MS = 1_000;
/**
 * Pauses before the second and third attempts after a lock timeout (one more attempt each).
 * After the last, the partition waits for the next scheduled run (every 6 h to create, hourly to
 * drop: months are created three ahead, and an old month kept an hour longer harms no one).
 */
export const PARTITION_LOCK_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000];
/** SQLSTATE lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

export interface PartitionLockOptions {
  /** Lock wait per attempt; default PARTITION_LOCK_TIMEOUT_MS. */
  lockTimeoutMs?: number;
  /** Pauses between attempts; default PARTITION_LOCK_RETRY_DELAYS_MS. */
  retryDelaysMs?: readonly number[];
  /** Where a partition left for the next run is reported (warn); default none. */
  log?: Logger;
}

/** First day (UTC) of the month of `d`, plus `add` months. */
export function monthStart(d: Date, add = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
}

export function partitionName(month: Date): string {
  return `${PARTITION_PREFIX}${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface AnalyticsPartition {
  name: string;
  /** Inclusive lower bound. */
  from: Date;
  /** Exclusive upper bound. */
  to: Date;
}

/** The month partitions of `lead_analytics` (not the default one), oldest first. */
export async function listAnalyticsPartitions(em: EntityManager): Promise<AnalyticsPartition[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = 'lead_analytics' and c.relname ~ '^lead_analytics_p[0-9]{6}$'
    order by c.relname`.execute(db(em));
  return rows.map(({ name }) => {
    const year = Number(name.slice(PARTITION_PREFIX.length, PARTITION_PREFIX.length + 4));
    const month = Number(name.slice(PARTITION_PREFIX.length + 4)) - 1;
    return { name, from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) };
  });
}

const iso = (d: Date) => d.toISOString();

/**
 * Runs `change` in a transaction whose lock waits end after `lockTimeoutMs`, retried after each
 * of `retryDelaysMs` when one did. False when the last attempt timed out too (nothing changed:
 * the transaction rolled back); other errors are thrown.
 */
async function changeWithLockTimeout(em: EntityManager, what: { partition: string; action: 'create' | 'drop' }, change: (k: Kysely<DB>) => Promise<void>, {
  lockTimeoutMs = PARTITION_LOCK_TIMEOUT_MS, retryDelaysMs = PARTITION_LOCK_RETRY_DELAYS_MS, log,
}: PartitionLockOptions): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await em.transactional(async (tem) => {
        const k = db(tem as EntityManager);
        // set_config(…, true) is SET LOCAL with a bound value: it ends with the transaction.
        await sql`select set_config('lock_timeout', ${String(lockTimeoutMs)}, true)`.execute(k);
        await change(k);
      });
      return true;
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== LOCK_NOT_AVAILABLE) throw err;
      if (attempt >= retryDelaysMs.length) {
        log?.warn({ ...what, attempts: attempt + 1, lockTimeoutMs }, 'lead_analytics partition change left for the next run: its lock stayed taken');
        return false;
      }
      await sleep(retryDelaysMs[attempt]);
    }
  }
}

export interface PartitionsCreated {
  /** Partitions created by this call. */
  created: string[];
  /** Partitions due that were not created: their lock stayed taken through every attempt (the next run tries again). */
  deferred: string[];
}

/**
 * Creates the partitions of the current month and the next `monthsAhead` that do not exist yet.
 * Rows of such a month already in the default partition (written before the month had its own)
 * move into it in the same transaction, so attaching never fails. Idempotent; safe to run from
 * two workers at once (the second waits on the lock and then finds the month there). Lock waits
 * are bounded (PARTITION_LOCK_TIMEOUT_MS, retried): a month whose lock stays taken is `deferred`.
 */
export async function ensureAnalyticsPartitions(em: EntityManager, now: Date, monthsAhead = PARTITION_MONTHS_AHEAD, options: PartitionLockOptions = {}): Promise<PartitionsCreated> {
  const existing = new Set((await listAnalyticsPartitions(em)).map((p) => p.name));
  const result: PartitionsCreated = { created: [], deferred: [] };
  for (let i = 0; i <= monthsAhead; i++) {
    const from = monthStart(now, i);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    const to = monthStart(now, i + 1);
    let created = false;
    const done = await changeWithLockTimeout(em, { partition: name, action: 'create' }, async (k) => {
      created = false;
      // Serialise with other workers and with writers of the default partition's rows.
      await sql`lock table lead_analytics_default in share row exclusive mode`.execute(k);
      const again = await sql<{ found: number }>`select 1 as found from pg_class where relname = ${name}`.execute(k);
      if (again.rows.length) return;
      await sql`create table ${sql.table(name)} (like lead_analytics including defaults)`.execute(k);
      await sql`
        with moved as (delete from lead_analytics_default where event_date >= ${iso(from)}::timestamptz and event_date < ${iso(to)}::timestamptz returning *)
        insert into ${sql.table(name)} select * from moved`.execute(k);
      // DDL takes no bind parameters, so the bounds are literals: ISO strings of Dates computed
      // here from `now` (monthStart), never a value from a request.
      await sql`alter table lead_analytics attach partition ${sql.table(name)} for values from (${sql.lit(iso(from))}) to (${sql.lit(iso(to))})`.execute(k);
      created = true;
    }, options);
    if (!done) result.deferred.push(name);
    else if (created) result.created.push(name);
  }
  return result;
}

export interface PartitionsDropped {
  /** Partitions dropped by this call. */
  dropped: string[];
  /** Partitions due that were not dropped: their lock stayed taken through every attempt (the next run tries again). */
  deferred: string[];
}

/**
 * Drops the month partitions that end at or before `cutoff` (every row in them is older than
 * every site's retention): a whole month goes at the cost of a catalog change, not a delete.
 * Lock waits are bounded (PARTITION_LOCK_TIMEOUT_MS, retried): a month whose lock stays taken —
 * a long read of lead_analytics — is `deferred`, and ingest waits at most that long behind it.
 */
export async function dropAnalyticsPartitions(em: EntityManager, cutoff: Date, options: PartitionLockOptions = {}): Promise<PartitionsDropped> {
  const result: PartitionsDropped = { dropped: [], deferred: [] };
  for (const p of await listAnalyticsPartitions(em)) {
    if (p.to.getTime() > cutoff.getTime()) continue;
    const done = await changeWithLockTimeout(em, { partition: p.name, action: 'drop' }, async (k) => {
      // The default partition first, as ensureAnalyticsPartitions locks it before its ATTACH:
      // DETACH locks the parent and then the default partition, and the two jobs, taking the
      // same locks in opposite orders, could deadlock on the first of a month.
      await sql`lock table lead_analytics_default in share row exclusive mode`.execute(k);
      await sql`alter table lead_analytics detach partition ${sql.table(p.name)}`.execute(k);
      await sql`drop table ${sql.table(p.name)}`.execute(k);
    }, options);
    (done ? result.dropped : result.deferred).push(p.name);
  }
  return result;
}

/**
 * dropAnalyticsPartitions' dropped partitions only (the retention run's `droppedPartitions`);
 * a deferred one is logged when `options.log` is given and tried again on the next run.
 */
export async function dropAnalyticsPartitionsBefore(em: EntityManager, cutoff: Date, options: PartitionLockOptions = {}): Promise<string[]> {
  return (await dropAnalyticsPartitions(em, cutoff, options)).dropped;
}

/**
 * The partitions of `lead_analytics` a query reads, from its EXPLAIN plan (planning-time pruning
 * plus the ones the executor would still open): the proof that a date-bounded dashboard query
 * prunes. `query` is a `sql` template whose values are bound parameters: EXPLAIN of a statement
 * sent with its parameters plans it with their values, as the statement itself would be.
 */
export async function partitionsScanned(em: EntityManager, query: RawBuilder<unknown>): Promise<{ partitions: string[]; plan: string }> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (costs off) ${query}`.execute(db(em));
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  const partitions = [...new Set(plan.match(/lead_analytics_(p\d{6}|default)\b/g) ?? [])].sort();
  return { partitions, plan };
}

/** The dashboard's events-per-day query (analytics-summary.ts) for one site and [from, to), for `partitionsScanned`. */
export function eventsPerDayQuery(siteId: string, from: Date, to: Date): RawBuilder<unknown> {
  return sql`select to_char(event_date at time zone 'UTC', 'YYYY-MM-DD') as day, event_type, count(*) from lead_analytics
    where site_id = ${siteId} and event_date >= ${from} and event_date < ${to} group by 1, 2 order by 1, 2`;
}
