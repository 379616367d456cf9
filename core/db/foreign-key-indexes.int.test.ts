// Every foreign key has an index its ON DELETE action (and the check of a referenced row's delete)
// can use: without one, Postgres reads the whole referencing table, all tenants, once per deleted
// row (an account purge spent 2,237 of 2,332 ms a 500-lead chunk there). And the stitch
// sweeper, every 30 s, reads its own partial index rather than all of `visitors`.
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeLeads, makeUser } from '#test/factories.ts';
import { findUnstitchedVisitors } from '../events/find-unstitched-visitors.ts';

const t = useTestOrm();

/**
 * Foreign keys (`table.constraint`) that may go without an index, each with the reason. Empty: a
 * new one needs a reason as good as "the referencing table has a handful of rows per referenced
 * row and is never deleted from by that key".
 */
const UNINDEXED_FOREIGN_KEYS: Record<string, string> = {};

interface ForeignKey { table: string; name: string; columns: string[]; indexes: Array<{ name: string; leading: string[]; predicate: string | null }> }

/**
 * Each foreign key of the public schema (declared ones: a partition's copy of its parent's key
 * has `conparentid` set) with the indexes of its table, partitioned ones included (a partitioned
 * table's index is in pg_index on the parent, with one on each partition).
 */
async function foreignKeys(): Promise<ForeignKey[]> {
  const { rows } = await t.pool.query<ForeignKey>(`
    select c.conrelid::regclass::text as table, c.conname as name,
      array(select a.attname::text from unnest(c.conkey) with ordinality k(attnum, n)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.n) as columns,
      coalesce((select json_agg(json_build_object(
          'name', i.indexrelid::regclass::text,
          'leading', array(select coalesce(a.attname::text, '(expression)') from unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) with ordinality k(attnum, n)
            left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n),
          'predicate', pg_get_expr(i.indpred, i.indrelid)))
        from pg_index i where i.indrelid = c.conrelid and i.indisvalid), '[]') as indexes
    from pg_constraint c join pg_class r on r.oid = c.conrelid join pg_namespace ns on ns.oid = r.relnamespace
    where c.contype = 'f' and c.conparentid = 0 and ns.nspname = 'public'
    order by 1, 2`);
  return rows;
}

/**
 * An index serves the key's lookups when its leading columns are the key's columns (in any
 * order), and it holds every row the lookup can find: no predicate, or only `<key column> IS NOT
 * NULL` (the lookup is `column = $1`, never true for a null).
 */
function serves(fk: ForeignKey, index: ForeignKey['indexes'][number]): boolean {
  if (index.leading.length !== fk.columns.length || !fk.columns.every((c) => index.leading.includes(c))) return false;
  return index.predicate === null || fk.columns.some((c) => index.predicate === `(${c} IS NOT NULL)`);
}

describe('foreign key indexes', () => {
  it('every foreign key has an index led by its columns (exceptions listed with a reason)', async () => {
    const keys = await foreignKeys();
    expect(keys.length).toBeGreaterThan(40);
    const unindexed = keys.filter((fk) => !fk.indexes.some((i) => serves(fk, i))).map((fk) => `${fk.table}.${fk.name} (${fk.columns.join(', ')})`);
    const allowed = Object.keys(UNINDEXED_FOREIGN_KEYS);
    expect(unindexed.filter((k) => !allowed.some((a) => k.startsWith(`${a} `)))).toEqual([]);
    // An exception whose key is gone or now indexed is removed from the list.
    expect(allowed.filter((a) => !unindexed.some((k) => k.startsWith(`${a} `)))).toEqual([]);
  });

  it('a partitioned table\'s index counts (lead_analytics.lead_id, by its partial index on the parent)', async () => {
    const fk = (await foreignKeys()).find((k) => k.name === 'lead_analytics_lead_id_foreign');
    expect(fk?.indexes.find((i) => serves(fk, i))?.name).toBe('lead_analytics_lead_date_index');
  });
});

describe('the stitch sweeper\'s query', () => {
  it('reads the partial index of linked, unstitched visitors, not the table (EXPLAIN)', async () => {
    const { userId } = await makeUser(t);
    const [leadId] = await makeLeads(t, [{ userId }]);
    const { rows: [{ site_id: siteId }] } = await t.pool.query<{ site_id: string }>(`insert into sites (site_id, user_id, name, public_key)
      values (gen_random_uuid(), $1, 'Sweep', 'pk_sweep_' || substr(md5(random()::text), 1, 16)) returning site_id`, [userId]);
    await t.pool.query(`insert into visitors (site_id, visitor_id, lead_id, first_seen_at, last_seen_at, stitched_at)
      select $1, 'v' || n, case when n % 3 = 0 then $2::uuid end, now(), now() - n * interval '1 minute', case when n % 300 <> 0 then now() end
      from generate_series(1, 3000) n`, [siteId, leadId]);
    await t.pool.query('analyze visitors');

    // The statement the sweeper sends, captured from the driver and EXPLAINed with its values.
    const sent: { text: string; values: unknown[] }[] = [];
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      // Sent as (text, values) here; as a config object by other callers.
      const [first, values] = args as [string | { text?: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof first === 'string' ? first : first?.text;
      if (text && /from "visitors"/.test(text)) sent.push({ text, values: (typeof first === 'string' ? values : first.values) ?? [] });
      return original.apply(this, args);
    };
    try {
      // As in production, few linked visitors wait for their stitch (every 300th); oldest activity first.
      expect((await findUnstitchedVisitors(t.orm.em.fork() as EntityManager, 100)).map((v) => v.visitorId)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((i) => `v${i * 300}`));
    } finally {
      proto.query = original;
    }
    expect(sent).toHaveLength(1);
    // A sequential scan of 3,000 short rows still costs Postgres little; without it, what is left
    // is the choice between the indexes: this one, or the 1,000 linked visitors by lead_id, sorted.
    const client = await t.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${sent[0].text}`, sent[0].values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      // The partial index holds only the waiting visitors, which the query then sorts (a handful);
      // its key is lead_id, not last_seen_at, so a beacon's update of last_seen_at stays heap-only.
      expect(plan, plan).toMatch(/Index Scan using visitors_unstitched_index on visitors/);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
