import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';

/** Keys folded per compaction statement. */
export const DAILY_COUNT_COMPACT_KEYS = 1_000;

/** The delta tables of lead-daily-count.entity.ts: their key and value columns (constants, never input). */
const DELTA_TABLES = [
  { table: 'lead_daily_counts', keys: ['user_id', 'site_id', 'hour', 'stage_id', 'contacted'], values: ['n'] },
  { table: 'speed_daily_counts', keys: ['user_id', 'site_id', 'hour'], values: ['leads', 'contacted', 'within_5m', 'within_1h'] },
  { table: 'inquiry_daily_counts', keys: ['site_id', 'hour', 'source'], values: ['n'] },
  { table: 'visitor_daily_counts', keys: ['site_id', 'hour'], values: ['visitors', 'leads'] },
] as const;

/** The counter tables the `analytics.rollup` job compacts (this file and lead-band-counts.ts), in lock order. */
const COMPACTED_TABLES = ['inquiry_daily_counts', 'lead_band_counts', 'lead_daily_counts', 'speed_daily_counts', 'visitor_daily_counts'] as const;

/** The transaction advisory lock one compaction of `table` holds (`hashtext` of this name). */
export function compactionLockName(table: (typeof COMPACTED_TABLES)[number]): string {
  return `${table}.compact`;
}

/**
 * Inside a transaction: waits for every counter compaction running now and keeps new ones out (they
 * try the lock and skip this run) until the commit. For whoever deletes a key's rows outright — the
 * account purge: under READ COMMITTED its delete, having waited on the rows a compaction deleted,
 * skips them and cannot see the summed row the compaction inserted, which would stay for good.
 * Taken one by one in a fixed order, so two such deleters cannot deadlock.
 */
export async function holdCounterCompactions(tem: EntityManager): Promise<void> {
  for (const table of COMPACTED_TABLES) await sql`select pg_advisory_xact_lock(hashtext(${compactionLockName(table)}))`.execute(db(tem));
}

/**
 * Folds the delta rows of every key that has uncompacted rows into one compacted row per key, in
 * lead_daily_counts, speed_daily_counts, inquiry_daily_counts and visitor_daily_counts (none when every value sums to 0:
 * the leads or inquiries of that key all gone). A key's sums never change: the delete and the
 * insert commit together, and rows appended meanwhile are not in the delete's snapshot, so they
 * stay. One compaction at a time per table (transaction advisory lock). Returns the delta rows folded.
 */
export async function compactLeadDailyCounts({ em }: { em: EntityManager }): Promise<number> {
  let folded = 0;
  for (const t of DELTA_TABLES) {
    const table = sql.table(t.table);
    const keys = sql.raw(t.keys.join(', '));
    const match = sql.raw(t.keys.map((k) => `c.${k} = k.${k}`).join(' and '));
    const gone = sql.raw(t.keys.map((k) => `c.${k}`).concat(t.values.map((v) => `c.${v}`)).join(', '));
    const sums = sql.raw(t.values.map((v) => `sum(${v})`).join(', '));
    const nonZero = sql.raw(t.values.map((v) => `sum(${v}) <> 0`).join(' or '));
    const columns = sql.raw([...t.keys, ...t.values, 'compacted'].join(', '));
    const groupBy = sql.raw(t.keys.map((_, i) => String(i + 1)).join(', '));
    for (;;) {
      const n = await em.transactional(async (tem) => {
        const q = db(tem);
        const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${compactionLockName(t.table)})) as ok`.execute(q);
        if (!lock.rows[0]?.ok) return 0;
        const r = await sql<{ n: string | null }>`
          with k as (
            select distinct ${keys} from ${table} where not compacted limit ${DAILY_COUNT_COMPACT_KEYS}
          ), gone as (
            delete from ${table} c using k where ${match} returning ${gone}
          ), kept as (
            insert into ${table} (${columns})
            select ${keys}, ${sums}, true from gone group by ${groupBy} having ${nonZero}
          )
          select count(*)::text as n from gone`.execute(q);
        return pgCount(r.rows[0]?.n);
      });
      folded += n;
      // A full batch of keys may leave more behind; a short one means this table is done.
      if (n < DAILY_COUNT_COMPACT_KEYS) break;
    }
  }
  return folded;
}
