/** Connection settings for the shared test services (the machine's Postgres and Redis). */
export const TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Test databases named without a run (see runOfTestDatabase) older than this are leftovers (global-setup drops them); a run's own go once its lock is free. */
export const STALE_TEST_DATABASE_MS = 6 * 60 * 60 * 1000;

/** `porchlight_t_<kind>_<creation time, base 36>_<random>`: the time tells a live run's database from a leftover. */
export function createTestDatabaseName(kind: 'db' | 'tpl'): string {
  return `porchlight_t_${kind}_${Date.now().toString(36)}_${randomPart()}`;
}

function randomPart(): string {
  return Math.random().toString(36).slice(2, 10);
}

/**
 * A run's databases besides its template (test/global-setup.ts): `pool`, clones ready for a file to
 * claim by renaming one to its own name; `db`, a file's database (test/db.ts); and `done`, a file's
 * database handed back for the pool's loop to drop. `porchlight_t_<kind>_<template's time>_<template's
 * random>_<random>`: the template's part ties them to one run (two runs side by side never take each
 * other's clones; the next run drops them all once this run has ended, see `runLockName`) and dates
 * them like the template for the stale rule.
 */
export type PoolKind = 'pool' | 'done' | 'db';

function runPart(templateDb: string): string {
  const match = /^porchlight_t_tpl_([0-9a-z]+_[0-9a-z]+)$/.exec(templateDb);
  if (!match) throw new Error(`not a test template database name: ${templateDb}`);
  return match[1];
}

/** A new name of `kind` for the run whose template is `templateDb`. */
export function poolDatabaseName(templateDb: string, kind: PoolKind): string {
  return `porchlight_t_${kind}_${runPart(templateDb)}_${randomPart()}`;
}

/** The LIKE pattern (default `\` escape) matching every database of `kind` of the run whose template is `templateDb`. */
export function poolDatabasePattern(templateDb: string, kind: PoolKind): string {
  return `${`porchlight_t_${kind}_${runPart(templateDb)}_`.replaceAll('_', '\\_')}%`;
}

/** The run a test database belongs to (`<template's time>_<template's random>`): its template, pool clones, files' and handed-back databases; null for other names. */
export function runOfTestDatabase(name: string): string | null {
  return /^porchlight_t_(?:tpl_([0-9a-z]+_[0-9a-z]+)|(?:pool|done|db)_([0-9a-z]+_[0-9a-z]+)_[0-9a-z]+)$/.exec(name)?.slice(1).find(Boolean) ?? null;
}

/**
 * What a run's session-level advisory lock is keyed on (`pg_advisory_lock(hashtextextended(<this>, 0))`,
 * test/admin-db.ts). The run holds it on the admin database from before its template exists until
 * its databases are dropped; Postgres releases it when that connection ends, so also when the run
 * is killed or interrupted (Ctrl-C skips vitest's teardown). A run whose lock is free has ended, and
 * the next run's set-up drops its databases at once rather than after STALE_TEST_DATABASE_MS.
 */
export function runLockName(run: string): string {
  return `porchlight test run ${run}`;
}

/** True for a test database (template, pool clone or handed-back database) created more than STALE_TEST_DATABASE_MS ago, or named before names carried their time. */
export function isStaleTestDatabase(name: string, now = Date.now()): boolean {
  const match = /^porchlight_t_(?:(?:db|tpl)_([0-9a-z]+)_[0-9a-z]+|(?:pool|done|db)_([0-9a-z]+)_[0-9a-z]+_[0-9a-z]+)$/.exec(name);
  if (!match) return /^porchlight_t(?:est_template$|_[0-9a-f]{12}$)/.test(name);
  return now - Number.parseInt(match[1] ?? match[2], 36) > STALE_TEST_DATABASE_MS;
}

export function databaseUrl(dbName: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/**
 * `vi.waitFor` options for waiting on a worker, a browser or Postgres: polled every 50 ms, bounded
 * at 10 s (vi.waitFor's own 1 s default is shorter than a debounced job's round trip on a loaded
 * machine). Widen one wait with `{ ...WAIT, timeout: 20_000 }`. vitest.config.ts makes it
 * `expect.poll`'s default too.
 */
export const WAIT = { timeout: 10_000, interval: 50 } as const;
