import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { UserSchema } from '#core/accounts/user.entity.ts';
import { initOrm } from '#core/db/orm.ts';
import { createTestDatabaseName, databaseUrl, TEST_PG_ADMIN_URL } from './env.ts';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** A fresh, migrated database cloned from the template; drop it in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = createTestDatabaseName('db');
  const template = inject('templateDb');
  await withAdmin(async (c) => {
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
        await c.query(`drop database if exists "${name}" with (force)`);
      }),
  };
}

/** A unique BullMQ prefix so parallel test files never share queues. */
export function createQueuePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export interface TestOrm {
  readonly db: TestDatabase;
  readonly orm: MikroORM;
  /** A plain pg pool (one connection), for reading what Postgres holds without the ORM. */
  readonly pool: pg.Pool;
}

/**
 * For a test file that needs Postgres but no app: registers beforeAll/afterAll hooks that give
 * the file its own database, an ORM on it (pool of `ormPoolMax`, default 2) and a plain pg pool,
 * and close all three. Read the fields inside hooks and tests (beforeAll sets them).
 */
export function useTestOrm({ ormPoolMax = 2 }: { ormPoolMax?: number } = {}): TestOrm {
  const state = {} as { db: TestDatabase; orm: MikroORM; pool: pg.Pool };
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.orm = await initOrm(state.db.url, { pool: { min: 0, max: ormPoolMax } });
    state.pool = new pg.Pool({ connectionString: state.db.url, max: 1 });
  });
  afterAll(async () => {
    await state.orm?.close(true);
    await state.pool?.end();
    await state.db?.drop();
  });
  return state;
}

/** Inserts a realtor user row straight through the ORM (for core tests without an app); returns its id. */
export async function insertTestUser(orm: MikroORM): Promise<string> {
  const em = orm.em.fork();
  const user = em.create(UserSchema, { username: 'Realtor', email: `r${crypto.randomUUID()}@example.com`, passwordHash: 'x' });
  await em.flush();
  return user.userId;
}
