import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import { db } from '../db/kysely.ts';

/**
 * Monthly partitions of `lead_analytics` (see Migration20261129111500): `lead_analytics_pYYYYMM`
 * holds [first of the month, first of the next) in UTC; `lead_analytics_default` catches rows
 * outside every month partition.
 */
export const PARTITION_PREFIX = 'lead_analytics_p';
export const DEFAULT_PARTITION = 'lead_analytics_default';
/** Months the worker keeps created ahead of the current one. */
export const PARTITION_MONTHS_AHEAD = 3;

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
 * Creates the partitions of the current month and the next `monthsAhead` that do not exist yet.
 * Rows of such a month already in the default partition (written before the month had its own)
 * move into it in the same transaction, so attaching never fails. Idempotent; safe to run from
 * two workers at once (the second waits on the lock and then finds the month there).
 */
export async function ensureAnalyticsPartitions(em: EntityManager, now: Date, monthsAhead = PARTITION_MONTHS_AHEAD): Promise<string[]> {
  const existing = new Set((await listAnalyticsPartitions(em)).map((p) => p.name));
  const created: string[] = [];
  for (let i = 0; i <= monthsAhead; i++) {
    const from = monthStart(now, i);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    const to = monthStart(now, i + 1);
    await em.transactional(async (tem) => {
      const k = db(tem as EntityManager);
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
      created.push(name);
    });
  }
  return created;
}

/**
 * Drops the month partitions that end at or before `cutoff` (every row in them is older than
 * every site's retention): a whole month goes at the cost of a catalog change, not a delete.
 */
export async function dropAnalyticsPartitionsBefore(em: EntityManager, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const p of await listAnalyticsPartitions(em)) {
    if (p.to.getTime() > cutoff.getTime()) continue;
    await em.transactional(async (tem) => {
      const k = db(tem as EntityManager);
      // The default partition first, as ensureAnalyticsPartitions locks it before its ATTACH:
      // DETACH locks the parent and then the default partition, and the two jobs, taking the
      // same locks in opposite orders, could deadlock on the first of a month.
      await sql`lock table lead_analytics_default in share row exclusive mode`.execute(k);
      await sql`alter table lead_analytics detach partition ${sql.table(p.name)}`.execute(k);
      await sql`drop table ${sql.table(p.name)}`.execute(k);
    });
    dropped.push(p.name);
  }
  return dropped;
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
