// Migrates a template database once per run; each test file gets its own clone of it instead of
// re-running migrations per file. Measured 2026-12-02 on the 2-core VM with 42 migrations (a 10 MB
// template): CREATE DATABASE … TEMPLATE ~470 ms and DROP ~140 ms, about 0.6 s a file that the file's
// worker spent waiting in beforeAll/afterAll. So this process (vitest's main process, not a worker)
// keeps a pool: a loop with one admin connection keeps POOL_SIZE clones ready (`porchlight_t_pool_…`)
// and drops the databases files hand back (`porchlight_t_done_…`), while the tests run. A file's
// beforeAll claims a ready clone by renaming it to its own name, and its afterAll renames it to the
// done kind (test/db.ts); each is one catalog update. With no clone ready (the pool is still filling,
// or TEST_DB_POOL=0) a file clones the template itself, as before. Measured 2026-12-02 (same VM, a
// benchmark sharing it, so noisy): a claim ~7 ms; `--project integration` 133 s without the pool
// (TEST_DB_POOL=0: 120 clones averaging 308 ms) and 123 s with it, run back to back; 85 of the 120
// databases came from the pool, the rest from a burst of ~35 in quick succession near the end, which
// two ready clones cannot cover (those clones took 40-75 ms each). A single-file run costs the same.
// Vitest runs a globalSetup once per project that lists it, in this same process: the projects of one
// run share the template and the pool (through globalThis), and the last teardown drops them.
// Several runs may share the machine's Postgres at once (engineers running single files side by side):
// each run has its own template, pool names carry the template's name (no run claims another's
// clones), and a run holds an advisory lock while it lives (test/env.ts, runLockName): set-up drops
// the databases of runs whose lock is free (an interrupted run's, at once), never a live run's.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '../core/db/migrate.ts';
import { dropLeftoverTestDatabases, dropTestDatabase, holdRunLock, withAdmin } from './admin-db.ts';
import { createTestDatabaseName, databaseUrl, poolDatabaseName, poolDatabasePattern, runOfTestDatabase, TEST_PG_ADMIN_URL } from './env.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's migrated template database (test/db.ts clones it). */
    templateDb: string;
    /** Whether this run keeps a pool of ready clones of templateDb for test/db.ts to claim and hand back. */
    testDbPool: boolean;
  }
}

/** Ready clones to keep: one per worker (maxWorkers), so both can start a file at once. TEST_DB_POOL=0 turns the pool off. */
const POOL_SIZE = Number(process.env.TEST_DB_POOL ?? 2);
/** Handed-back databases (10 MB each) the loop lets wait while it refills the pool. */
const MAX_DONE_BACKLOG = 8;
/** How often the loop looks for claimed clones and handed-back databases when it has nothing to do. */
const POOL_POLL_MS = 150;

/** The run's ready clones (`done` false) and handed-back databases (`done` true). */
async function poolDatabases(admin: pg.Client, templateDb: string): Promise<Array<{ datname: string; done: boolean }>> {
  const { rows } = await admin.query<{ datname: string; done: boolean }>(
    'select datname, datname like $2 as done from pg_database where datname like $1 or datname like $2',
    [poolDatabasePattern(templateDb, 'pool'), poolDatabasePattern(templateDb, 'done')],
  );
  return rows;
}

/**
 * Keeps `size` clones of `templateDb` ready and drops handed-back databases until stopped. Errors
 * (Postgres restarting, the template still busy right after migrating) are reported once per kind and
 * retried a second later on a new connection; meanwhile files clone the template themselves.
 */
function keepPool(templateDb: string, size: number): { stop(): Promise<void> } {
  let stopping = false;
  let wake = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const reported = new Set<string>();
  const loop = (async () => {
    let admin: pg.Client | undefined;
    while (!stopping) {
      try {
        if (!admin) {
          admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
          // A dropped connection also rejects the query in flight, which the catch below handles.
          admin.on('error', () => {});
          await admin.connect();
        }
        const rows = await poolDatabases(admin, templateDb);
        const ready = rows.filter((r) => !r.done).length;
        const done = rows.filter((r) => r.done);
        // A clone is what a file waits for; a drop only frees disk, so drops wait for a full pool
        // (or for a backlog of handed-back databases).
        if (ready < size && done.length < MAX_DONE_BACKLOG) await admin.query(`create database "${poolDatabaseName(templateDb, 'pool')}" template "${templateDb}"`);
        else if (done.length) await dropTestDatabase(admin, done[0].datname);
        else await pause(POOL_POLL_MS);
      } catch (err) {
        if (stopping) break;
        const e = err as { code?: string; message?: string };
        const kind = e.code ?? e.message ?? String(err);
        if (!reported.has(kind)) {
          reported.add(kind);
          console.warn(`test database pool: ${e.message ?? err} (retrying; files clone the template meanwhile)`);
        }
        await admin?.end().catch(() => {});
        admin = undefined;
        await pause(1000);
      }
    }
    await admin?.end().catch(() => {});
  })();
  return {
    async stop() {
      stopping = true;
      wake();
      await loop;
    },
  };
}

interface RunDatabases {
  templateDb: string;
  pooled: boolean;
  /** Projects whose teardown has not run yet. */
  users: number;
  /** Stops the pool and drops the template and every pool database of this run. */
  close(): Promise<void>;
}

async function prepare(): Promise<RunDatabases> {
  const templateDb = createTestDatabaseName('tpl');
  const run = runOfTestDatabase(templateDb) as string;
  // Held before any database of this run exists, until the last is dropped (env.ts, runLockName).
  const lock = await holdRunLock(run);
  await withAdmin((admin) => dropLeftoverTestDatabases(admin, run));
  await migrateDatabase(databaseUrl(templateDb));
  const pool = POOL_SIZE > 0 ? keepPool(templateDb, POOL_SIZE) : undefined;
  return {
    templateDb,
    pooled: pool !== undefined,
    users: 0,
    async close() {
      try {
        await pool?.stop();
        await withAdmin(async (admin) => {
          for (const { datname } of await poolDatabases(admin, templateDb)) await dropTestDatabase(admin, datname);
          await dropTestDatabase(admin, templateDb);
        });
      } finally {
        await lock.end().catch(() => {});
      }
    },
  };
}

const RUN = Symbol.for('porchlight.test.run-databases');
const shared = globalThis as typeof globalThis & { [RUN]?: Promise<RunDatabases> };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared[RUN] ??= prepare();
  const run = await shared[RUN];
  run.users++;
  project.provide('templateDb', run.templateDb);
  project.provide('testDbPool', run.pooled);
  return async () => {
    if (--run.users > 0) return;
    delete shared[RUN];
    await run.close();
  };
}
