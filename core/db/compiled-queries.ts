import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { CompiledQuery, type Kysely } from 'kysely';
import { db, type DB } from './kysely.ts';

/** Shapes one cache keeps at most (a shape is a handful of flags: this only guards against a bug). */
const MAX_SHAPES = 256;

/** A value of the query, as the builder sees it: the real one is bound in its place at execution. */
export type Param = (index: number) => unknown;

const MARK = '\u0000porchlight-param:';

/** Page sizes (`limit + 1` rows fetched) that page queries write into their SQL: the admin's and the common API ones. */
const INLINED_LIMITS = new Set([11, 21, 26, 51, 101, 201]);

/**
 * `n` (the rows a page query fetches, `limit + 1`) when it is a common page size, to be written
 * into the shape and the SQL as a constant (`sql.lit`); null for any other, which stays a bound
 * parameter. Postgres costs a generic plan's `LIMIT $n` at a tenth of the rows, so a prepared
 * statement with a bound limit never settles on its generic plan and is planned again at every
 * call: 0.6 of the 1.4 ms the first page of leads took in Postgres at 100,000 leads (the log's
 * `bind` against its `execute`). A handful of sizes keeps the prepared statements per connection
 * few (shapes × sizes); the rare other size is planned per call, as before.
 */
export function inlinedLimit(n: number): number | null {
  return INLINED_LIMITS.has(n) ? n : null;
}

/**
 * Builds and compiles a Kysely query once per *shape*, then executes it with each call's values.
 *
 * Kysely builds an immutable operation tree and compiles it to SQL in JavaScript on every call; for
 * the dashboard's reads (the lead list, a timeline: one small query each, answered by Postgres in
 * a fraction of a millisecond) that was 5–14 % of the API's CPU per request. The SQL text of such a
 * query depends only on which filters and cursor branches are present — its shape — not on the
 * values, which are bound parameters. So `build(kdb, p, shape)` (a compiled query: `.compile()`) is called once per `shape` with `p(i)` standing
 * for the i-th value of `values`; the parameters of the compiled query that are such stand-ins are
 * replaced by each call's values, the others (constants the builder bound itself) are kept.
 *
 * Rules for `build`: every value that varies between calls with the same shape goes through
 * `p(i)` (and only into the query, never into a JavaScript decision — that belongs in the shape);
 * a stand-in must end up a bound parameter, never inlined (`sql.lit`): compiling checks that.
 *
 * `prepareAs`: outside a transaction, run each shape as a named prepared statement
 * (`<prepareAs>_<hash of its SQL>`) on the driver's pool, so Postgres parses and plans it once per connection
 * instead of once per call — for a statement whose planning costs more than its execution (the
 * timeline: 0.8 ms to plan, 0.4 ms to run at 100k leads / 5M events). Only for shapes whose best
 * plan does not depend on the values (Postgres may settle on one generic plan after five calls).
 * Such a shape must not bind its LIMIT: see `inlinedLimit`.
 */
export function createCompiledQueries<R>(build: (kdb: Kysely<DB>, p: Param, shape: string) => CompiledQuery<R>, opts: { prepareAs?: string } = {}) {
  const compiled = new Map<string, { sql: string; slots: Array<{ index: number } | { value: unknown }>; name?: string }>();

  const compile = (em: EntityManager, shape: string) => {
    const query = build(db(em), (index) => `${MARK}${index}`, shape);
    if (query.sql.includes(MARK)) throw new Error(`compiled query for shape ${shape} inlines a parameter`);
    const slots = query.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(MARK) ? { index: Number(value.slice(MARK.length)) } : { value },
    );
    if (compiled.size >= MAX_SHAPES) compiled.clear();
    // Named by the SQL itself: a shape compiled again after a clear() reuses the statement every
    // pooled connection already holds, instead of preparing another copy under a new name (pg
    // never deallocates one; ~130 KB each in the backend with its generic plan).
    const entry = { sql: query.sql, slots, name: opts.prepareAs ? `${opts.prepareAs}_${createHash('sha1').update(query.sql).digest('hex').slice(0, 16)}` : undefined };
    compiled.set(shape, entry);
    return entry;
  };

  return {
    /**
     * Runs the query of `shape` with `values` (what `p(0)`, `p(1)`, … stood for). `planEachCall`:
     * run it as an unnamed statement even with `prepareAs`, so Postgres plans it for these values
     * every time — for a shape whose best plan depends on them (a search pattern), which a
     * prepared statement could trade for a generic plan after five calls.
     */
    async execute(em: EntityManager, shape: string, values: readonly unknown[], { planEachCall = false }: { planEachCall?: boolean } = {}): Promise<R[]> {
      const entry = compiled.get(shape) ?? compile(em, shape);
      const parameters = entry.slots.map((s) => ('index' in s ? values[s.index] : s.value));
      if (entry.name && !em.isInTransaction()) {
        // Straight to the driver's pool, named or not: the ORM's connection and Kysely's executor
        // cost the API more per statement (a lead search: 1,129 against 1,040 µs of CPU per request).
        const pool = await (em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> }).getNativeClient();
        return (await pool.query(planEachCall ? { text: entry.sql, values: parameters } : { name: entry.name, text: entry.sql, values: parameters })).rows as R[];
      }
      const result = await db(em).executeQuery<R>(CompiledQuery.raw(entry.sql, parameters) as CompiledQuery<R>);
      return result.rows;
    },
  };
}
