import { readdir } from 'node:fs/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { DB_CONNECT_TIMEOUT_MS, initOrm, MIGRATIONS_PATH } from './orm.ts';

/** Key of the advisory lock that lets one migrator at a time work on a database (any fixed number). */
export const MIGRATION_LOCK_KEY = '7305614220470215021';

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  // The database itself first: a role may own its database without being let into the `postgres`
  // maintenance database (managed Postgres, REVOKE CONNECT … FROM PUBLIC), and an existing database
  // must not need it. Only "no such database" (3D000) goes on to create it from there.
  const direct = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS });
  try {
    await direct.connect();
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
    return createDatabase(databaseUrl);
  }
  await direct.end();
}

async function createDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    if (found.rowCount === 0) {
      await client.query(`create database "${dbName.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
        // Created concurrently: 42P04 when the other CREATE DATABASE committed first, 23505 (on
        // pg_database_datname_index) when both got past the name check at the same moment.
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

/** Creates the database if needed and applies pending migrations; returns their names. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const orm = await initOrm(databaseUrl, { pool: { min: 0, max: 2 } });
  try {
    return await applyMigrations(orm, databaseUrl);
  } finally {
    await orm.close(true);
  }
}

/**
 * Applies pending migrations (names returned, oldest first) holding an advisory lock on the
 * database. MikroORM's migrator takes no lock: two processes starting at once (two `npm start`s,
 * `npm run migrate` on two hosts of a deploy) both ran the first pending migration, and one failed
 * half-way with `duplicate key value violates unique constraint "pg_type_typname_nsp_index"`.
 * The second now waits, then finds nothing pending. The lock lives on a connection of its own
 * (the migrator uses the ORM's pool) and goes with it, even if this process dies.
 */
export async function applyMigrations(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS, application_name: 'porchlight-migration-lock' });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    await lock.end();
  }
}

/** The migrations this code ships (file names without `.ts`), oldest first. */
export async function shippedMigrations(): Promise<string[]> {
  return (await readdir(MIGRATIONS_PATH)).filter((f) => /^Migration\d+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
}

/**
 * SQLSTATEs of a connection that Postgres answered and refused: the URL itself is wrong (a typo in
 * the user, password or database name), not an outage that passes by waiting.
 */
export const DATABASE_URL_REFUSALS: Readonly<Record<string, string>> = {
  '28P01': 'wrong password', // invalid_password
  '28000': 'role not allowed', // invalid_authorization_specification: no such role, no pg_hba.conf entry
  '3D000': 'no such database', // invalid_catalog_name
};

/** True when `err` is Postgres refusing the connection because of what DATABASE_URL says (DATABASE_URL_REFUSALS). */
export function isDatabaseUrlRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in DATABASE_URL_REFUSALS;
}

/**
 * The migrations this code ships that the database has not applied, oldest first (all of them when
 * it was never migrated). Migrations the database has and this code does not know (an older process
 * during a deploy) are not a problem and are not reported. Reads the migrator's table directly:
 * MikroORM's `getPending()` would create it. Throws what asking failed with: Postgres refusing the
 * URL (isDatabaseUrlRefusal) or being unreachable — the caller tells them apart.
 */
export async function findPendingMigrations(orm: MikroORM): Promise<string[]> {
  const shipped = await shippedMigrations();
  let applied: Set<string>;
  try {
    const rows = await orm.em.getConnection().execute<Array<{ name: string }>>('select name from mikro_orm_migrations');
    applied = new Set(rows.map((r) => r.name));
  } catch (err) {
    // 42P01: no migrations table, a database never migrated.
    if ((err as { code?: string }).code === '42P01') return shipped;
    throw err;
  }
  return shipped.filter((name) => !applied.has(name));
}
