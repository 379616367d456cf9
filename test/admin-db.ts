// The admin connection to the shared Postgres that test databases are made and dropped through:
// by the run's set-up and pool (test/global-setup.ts, vitest's main process) and by each file
// (test/db.ts, a worker).
import pg from 'pg';
import { isStaleTestDatabase, runLockName, runOfTestDatabase, TEST_PG_ADMIN_URL } from './env.ts';

/** Runs `fn` on a fresh admin connection (the `postgres` database) and closes it. */
export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Drops a test database, ending any session still on it. */
export async function dropTestDatabase(admin: pg.Client, name: string): Promise<void> {
  await admin.query(`drop database if exists "${name}" with (force)`);
}

/**
 * Takes `run`'s advisory lock (runLockName) on an admin connection of its own and returns that
 * connection: the lock lasts until it is ended, or until the process holding it dies.
 */
export async function holdRunLock(run: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, keepAlive: true });
  // A lost connection only frees the lock: the next run's set-up then takes this run for ended.
  client.on('error', () => {});
  await client.connect();
  await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [runLockName(run)]);
  return client;
}

/**
 * Drops what ended runs left behind (a run interrupted by Ctrl-C or killed skips its teardown):
 * every database of a run other than `ownRun` whose lock is free, and databases named without a run
 * once STALE_TEST_DATABASE_MS old. A run still going holds its lock, so nothing of it is touched.
 * Returns the names dropped.
 */
export async function dropLeftoverTestDatabases(admin: pg.Client, ownRun: string): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'porchlight\\_t%' order by datname`);
  const ended = new Map<string, boolean>();
  const dropped: string[] = [];
  for (const { datname } of rows) {
    const run = runOfTestDatabase(datname);
    if (run === ownRun) continue;
    if (run !== null && !ended.has(run)) {
      const { rows: [free] } = await admin.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [runLockName(run)]);
      ended.set(run, free.ok);
    }
    if (run === null ? isStaleTestDatabase(datname) : ended.get(run)) {
      await dropTestDatabase(admin, datname);
      dropped.push(datname);
    }
  }
  // The ended runs' locks taken above go with them.
  if ([...ended.values()].some(Boolean)) await admin.query('select pg_advisory_unlock_all()');
  return dropped;
}
