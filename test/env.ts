/** Connection settings for the shared test services (the machine's Postgres and Redis). */
export const TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Test databases older than this are leftovers of an interrupted run (global-setup drops them). */
export const STALE_TEST_DATABASE_MS = 6 * 60 * 60 * 1000;

/** `porchlight_t_<kind>_<creation time, base 36>_<random>`: the time tells a live run's database from a leftover. */
export function createTestDatabaseName(kind: 'db' | 'tpl'): string {
  return `porchlight_t_${kind}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

/** True for a test database (or template) created more than STALE_TEST_DATABASE_MS ago, or named before names carried their time. */
export function isStaleTestDatabase(name: string, now = Date.now()): boolean {
  const match = /^porchlight_t_(?:db|tpl)_([0-9a-z]+)_[0-9a-z]+$/.exec(name);
  if (!match) return /^porchlight_t(?:est_template$|_[0-9a-f]{12}$)/.test(name);
  return now - Number.parseInt(match[1], 36) > STALE_TEST_DATABASE_MS;
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
