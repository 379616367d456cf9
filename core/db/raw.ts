import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * @deprecated Write SQL with Kysely (`db(em)`, core/db/kysely.ts): bound parameters, typed rows.
 * The last caller is core/sites/resolve-ingest-site.ts (being rewritten with the ingest path);
 * delete this file with it.
 *
 * Runs one raw SQL statement on the EntityManager's connection, inside its transaction when it has
 * one. `?` placeholders; MikroORM inlines the parameters as escaped literals, so never put a `?`
 * inside a literal in `sql`, and pass arrays as Postgres array literals or JSON (a JS array
 * parameter expands to a comma-separated list).
 */
export function execRaw<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[], method: 'all'): Promise<T[]>;
export function execRaw<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[], method: 'get'): Promise<T | undefined>;
export function execRaw(em: EntityManager, sql: string, params: unknown[], method: 'run'): Promise<{ affectedRows: number }>;
export function execRaw(em: EntityManager, sql: string, params: unknown[], method: 'all' | 'get' | 'run'): Promise<unknown> {
  return em.getConnection().execute(sql, params, method, em.getTransactionContext());
}
