// The admin connection to the shared Postgres that test databases are made and dropped through:
// by the run's set-up and pool (test/global-setup.ts, vitest's main process) and by each file
// (test/db.ts, a worker).
import pg from 'pg';
import { TEST_PG_ADMIN_URL } from './env.ts';

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
