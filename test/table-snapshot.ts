// A fingerprint of every table's content, for suites that assert "this request changed nothing":
// row counts miss an UPDATE (or a DELETE plus an INSERT), a content hash does not. Same approach
// as test/route-isolation.int.test.ts uses (it reads its snapshots from here).

type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * Columns a request may write even when it is refused, left out of the hash (table → columns): a
 * session's `last_seen_at` slides as its owner uses it, whatever the answer. The rest of each row is
 * compared.
 */
export const VOLATILE_COLUMNS: Record<string, string[]> = { sessions: ['last_seen_at'] };

/** Table → md5 of its rows as JSON (sorted, VOLATILE_COLUMNS dropped); the migrations table is left out. */
export async function snapshotTables(sql: Sql, volatile: Record<string, string[]> = VOLATILE_COLUMNS): Promise<Record<string, string>> {
  const tables = await sql<{ t: string }>(
    "select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations' order by 1",
  );
  // One round trip for all tables: the hostile corpus takes a snapshot per route.
  const parts = tables.map(({ t }) => {
    const drop = (volatile[t] ?? []).map((c) => ` - '${c}'`).join('');
    return `select '${t}' as t, md5(coalesce(string_agg(r, '|' order by r), '')) as h from (select (to_jsonb(x)${drop})::text as r from "${t}" x) y`;
  });
  const rows = await sql<{ t: string; h: string }>(parts.join(' union all '));
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}

/**
 * The tables with a row holding `value` exactly, as a column or anywhere inside a jsonb column (one
 * query over every table, the migrations table left out). Text is compared as stored: a value the
 * driver or a column type altered (trimmed, case-folded, U+FFFD for a lone surrogate) is not found.
 */
export async function tablesHolding(sql: Sql, value: string): Promise<string[]> {
  const tables = await sql<{ t: string }>(
    "select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'mikro_orm_migrations' order by 1",
  );
  const parts = tables.map(({ t }) => `select '${t}' as t where exists (select 1 from "${t}" x where jsonb_path_exists(to_jsonb(x), 'strict $.** ? (@ == $v)', jsonb_build_object('v', $1::text)))`);
  return (await sql<{ t: string }>(parts.join(' union all '), [value])).map((r) => r.t);
}
