import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { type Config, loadConfig } from '#core/config.ts';
import { createRuntime, type DatabaseRuntime } from '#core/runtime.ts';
import { dropTestDatabase, withAdmin } from './admin-db.ts';
import { databaseUrl, poolDatabaseName, poolDatabasePattern, TEST_REDIS_URL } from './env.ts';
import { makeUser } from './factories.ts';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Takes one of the run's ready clones (test/global-setup.ts) by renaming it to `name`; false when none
 * is left. Two workers may go for the same clone: the rename that commits second finds no such
 * database (3D000) and tries the next.
 */
async function claimClone(c: pg.Client, template: string, name: string): Promise<boolean> {
  const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1 order by datname', [
    poolDatabasePattern(template, 'pool'),
  ]);
  for (const { datname } of rows) {
    try {
      await c.query(`alter database "${datname}" rename to "${name}"`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== '3D000') throw err;
    }
  }
  return false;
}

/** A fresh, migrated database: a clone of the template, ready-made by the run's pool when it has one; drop it in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDb');
  // Named after the run: if the run is interrupted, the next run's set-up drops it (test/env.ts, runLockName).
  const name = poolDatabaseName(template, 'db');
  const pooled = inject('testDbPool') === true;
  await withAdmin(async (c) => {
    if (pooled && (await claimClone(c, template, name))) return;
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template: retry briefly.
    for (let i = 0; ; i++) {
      try {
        await c.query(`create database "${name}" template "${template}"`);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdmin(async (c) => {
        // pg's Pool.end() resolves before its sockets have closed; a forced drop that terminates a backend
        // still saying goodbye makes that client emit an unhandled FATAL 57P01. Let them leave first.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        if (pooled) {
          // Handed back: the pool's loop drops it in the background. A rename needs the database
          // to have no sessions (55006 while one lingers): then, or when it is gone already (3D000), it is
          // dropped here, as without a pool.
          try {
            await c.query(`alter database "${name}" rename to "${poolDatabaseName(template, 'done')}"`);
            return;
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code !== '55006' && code !== '3D000') throw err;
          }
        }
        await dropTestDatabase(c, name);
      }),
  };
}

/** A unique BullMQ prefix so parallel test files never share queues. */
export function createQueuePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Test configuration for a fresh database and queue prefix (plus overrides). */
export function testConfig(db: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: createQueuePrefix(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    // The factories sign realtors up over the API and use the session at once; a test of
    // verify-first signup (on by default with SMTP_URL) sets it itself.
    SIGNUP_VERIFY_FIRST: 'false',
    ...env,
  });
}

export interface TestOrm {
  readonly db: TestDatabase;
  /** The file's runtime (`createRuntime` without Redis): its config, logger and ORM. */
  readonly runtime: DatabaseRuntime;
  readonly config: Config;
  readonly orm: MikroORM;
  /** A plain pg pool (one connection), for reading what Postgres holds without the ORM. */
  readonly pool: pg.Pool;
}

/**
 * For a test file that needs Postgres but no app: registers beforeAll/afterAll hooks that give
 * the file its own database, a runtime on it (`createRuntime` with the test config and no Redis;
 * an ORM pool of `ormPoolMax`, default 2) and a plain pg pool, and close all three. Read the
 * fields inside hooks and tests (beforeAll sets them).
 */
export function useTestOrm({ ormPoolMax = 2, env = {} }: { ormPoolMax?: number; env?: Record<string, string> } = {}): TestOrm {
  const state = {} as { db: TestDatabase; runtime: DatabaseRuntime; config: Config; orm: MikroORM; pool: pg.Pool };
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.runtime = await createRuntime({ name: 'test', config: testConfig(state.db, env), redis: false, orm: { pool: { min: 0, max: ormPoolMax } } });
    state.config = state.runtime.config;
    state.orm = state.runtime.orm;
    state.pool = new pg.Pool({ connectionString: state.db.url, max: 1 });
  });
  afterAll(async () => {
    await state.runtime?.close();
    await state.pool?.end();
    await state.db?.drop();
  });
  return state;
}

/** Inserts a realtor user row straight through the ORM (for core tests without an app); returns its id. */
export async function insertTestUser(orm: MikroORM): Promise<string> {
  return (await makeUser({ orm })).userId;
}
