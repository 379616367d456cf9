// createRuntime: what it opens works, close() closes all of it (also with Redis gone), and a start
// against an unreachable Redis fails with one line instead of hanging or leaking connections.
import { readdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefixedKeys } from '#test/app.ts';
import { createTestDatabase, type TestDatabase, testConfig } from '#test/db.ts';
import { createTestDatabaseName, databaseUrl, TEST_PG_ADMIN_URL } from '#test/env.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';
import { spawnNode } from '#test/process.ts';
import { startThrowawayPostgres } from '#test/pg-server.ts';
import { MIGRATIONS_PATH } from './db/orm.ts';
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_RECONNECT_MAX_DELAY_MS } from './redis.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { createLogger } from './logger.ts';
import { CLOSE_STEP_TIMEOUT_MS, createRuntime, RuntimeStartError } from './runtime.ts';

const SMALL_POOL = { pool: { min: 0, max: 2 } };

/** The migration files in migrations/, by name (read here, not through the code under test), oldest first. */
const migrationFiles = () => readdirSync(MIGRATIONS_PATH).filter((f) => /^Migration\d+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();

/** Names of the connections a Redis server sees (CLIENT LIST). */
async function clientNames(redis: Redis): Promise<string[]> {
  const list = (await redis.client('LIST')) as string;
  return [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1]);
}

let db: TestDatabase;
let redis: ThrowawayRedis;
beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startThrowawayRedis();
});
afterAll(async () => {
  await redis?.stop();
  await db?.drop();
});

describe('createRuntime', () => {
  it('opens Postgres, a fail-fast Redis, queues and worker connections, and close() closes them all', async () => {
    const runtime = await createRuntime({ name: 'runtime-test', config: testConfig(db), orm: SMALL_POOL });
    const worker = runtime.createWorkerConnection();
    expect(await runtime.orm.em.getConnection().execute('select 1 as one')).toEqual([{ one: 1 }]);
    expect(await runtime.redis.ping()).toBe('PONG');
    expect(await worker.ping()).toBe('PONG');
    await runtime.queues.maintenance.add('maintenance.sweep', {}, { jobId: 'runtime-test' });
    expect(await runtime.queues.maintenance.count()).toBe(1);
    // The request path fails fast; BullMQ Workers wait for Redis (and require no retry limit).
    expect(runtime.redis.options).toMatchObject({ enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 0 });
    expect(worker.options).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    expect(worker.options.commandTimeout).toBeUndefined();

    await deletePrefixedKeys(runtime.redis, runtime.config.QUEUE_PREFIX);
    await runtime.close();
    expect(runtime.redis.status).toBe('end');
    expect(worker.status).toBe('end');
    expect(await runtime.orm.isConnected()).toBe(false);
    await runtime.close(); // a second close (two signals) is harmless
  });

  it('closes without waiting for Redis when it has gone away, and nothing reconnects when it returns', async () => {
    const { destination, lines } = captureLogLines();
    const logger = createLogger({ level: 'debug', name: 'runtime-gone', destination });
    const runtime = await createRuntime({ name: 'runtime-gone', config: testConfig(db, { REDIS_URL: redis.url }), logger, orm: SMALL_POOL });
    const worker = runtime.createWorkerConnection();
    const probe = new Redis(redis.url);
    expect(await clientNames(probe)).toEqual(expect.arrayContaining(['porchlight-runtime-gone', 'porchlight-runtime-gone-blocking']));
    await probe.quit();

    await redis.stop();
    await runtime.close();
    // A step waiting for Redis to come back would be cut off by its bound and say so: each one
    // finished by itself instead.
    expect(lines.filter((l) => l.msg === 'close step timed out; moving on')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'close step done').map((l) => l.step)).toEqual(['queues', 'redis', 'postgres']);
    expect(await runtime.orm.isConnected()).toBe(false);

    await redis.start();
    const after = new Redis(redis.url);
    try {
      // Absence can only be checked by waiting: longer than the longest pause between reconnects.
      await new Promise((resolve) => setTimeout(resolve, 2 * REDIS_RECONNECT_MAX_DELAY_MS));
      expect((await clientNames(after)).filter((n) => n.startsWith('porchlight-runtime-gone'))).toEqual([]);
      expect([runtime.redis.status, worker.status]).not.toContain('ready');
    } finally {
      await after.quit();
    }
  });

  // pg's pool.end() waits for every checked-out connection: a transaction that never finishes (a
  // query stuck on a lock, code that forgot to release) used to hold close() — and the API's
  // shutdown, past its 10 s budget — forever. Each step now has its own bound and names itself.
  it('a step that does not finish (a transaction left open) is logged by name and close() goes on', { timeout: 30_000 }, async () => {
    const { destination, lines } = captureLogLines();
    const logger = createLogger({ level: 'debug', name: 'runtime-stuck', destination });
    const runtime = await createRuntime({ name: 'runtime-stuck', config: testConfig(db), logger, orm: SMALL_POOL });
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const stuck = runtime.orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('select 1');
      inside();
      await new Promise(() => undefined); // never finishes
    });
    stuck.catch(() => undefined);
    await entered;
    const started = performance.now();
    await runtime.close();
    // Not before the step's bound (a lower bound only); that close() returned at all, with the
    // warning below, shows it went on instead of waiting for the transaction.
    expect(performance.now() - started).toBeGreaterThanOrEqual(CLOSE_STEP_TIMEOUT_MS - 50);
    expect(lines.filter((l) => l.msg === 'close step timed out; moving on')).toEqual([expect.objectContaining({ step: 'postgres', timeoutMs: CLOSE_STEP_TIMEOUT_MS, level: 40 })]);
    expect(lines.filter((l) => l.msg === 'close step done').map((l) => l.step)).toEqual(['queues', 'redis']);
    expect(runtime.redis.status).toBe('end');
  });

  it('refuses to start when Redis is unreachable, with one line naming REDIS_URL, and leaves nothing open', async () => {
    await redis.stop();
    try {
      const start = createRuntime({ name: 'runtime-test', config: testConfig(db, { REDIS_URL: redis.url }), orm: SMALL_POOL, redisStartTimeoutMs: 300 });
      await expect(start).rejects.toBeInstanceOf(RuntimeStartError);
      await expect(start).rejects.toThrow(new RegExp(`^Could not reach Redis at 127\\.0\\.0\\.1:${redis.port} \\(REDIS_URL\\): connect ECONNREFUSED [^\\n]*$`));
      // The leak check (test/leak-check.ts) fails this file if the ORM or the connection stayed open.
    } finally {
      await redis.start();
    }
  });

  it('with migrate, creates a missing database and applies each migration once; redis: false opens no Redis', async () => {
    const name = createTestDatabaseName('db');
    const config = testConfig({ name, url: databaseUrl(name), drop: async () => undefined });
    try {
      const first = await createRuntime({ name: 'runtime-test', config, redis: false, migrate: true, orm: SMALL_POOL });
      await first.close();
      const migrations = migrationFiles();
      expect(first.appliedMigrations).toEqual(migrations.sort());
      expect('redis' in first).toBe(false);

      const second = await createRuntime({ name: 'runtime-test', config, redis: false, migrate: true, orm: SMALL_POOL });
      await second.close();
      expect(second.appliedMigrations).toEqual([]);
    } finally {
      const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  it('npm run migrate reports each migration as a JSON log line, without colour codes', async () => {
    const name = createTestDatabaseName('db');
    try {
      const proc = spawnNode('scripts/migrate.ts', { DATABASE_URL: databaseUrl(name), LOG_LEVEL: 'info' });
      const closed = new Promise((resolve) => proc.child.on('close', resolve));
      expect((await proc.exited).code).toBe(0);
      await closed; // every line read
      expect(proc.lines.join('\n')).not.toContain('\u001b[');
      const migrations = migrationFiles();
      const json = proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { orm?: string; msg: string });
      expect(json.filter((l) => l.orm === 'migrator' && l.msg.startsWith('Applied ')).map((l) => l.msg)).toEqual(migrations.map((m) => `Applied '${m}'`));
      // Besides the log lines, only the script's own summary.
      expect(proc.lines.filter((l) => !l.startsWith('{'))).toEqual([`applied ${migrations.length} migration(s): ${migrations.join(', ')}`]);
    } finally {
      const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  it('without migrate, a database that lacks a shipped migration refuses the start; one ahead of the code does not', async () => {
    // An upgrade deployed without `npm run migrate`: the API or worker would start and fail on the
    // missing tables and columns request by request. It stops at once and says what to run.
    const behind = await createTestDatabase();
    try {
      const admin = new pg.Client({ connectionString: behind.url });
      await admin.connect();
      const [newest] = (await admin.query<{ name: string }>('select name from mikro_orm_migrations order by name desc limit 1')).rows;
      await admin.query('delete from mikro_orm_migrations where name = $1', [newest.name]);
      await admin.end();
      const refused = await createRuntime({ name: 'runtime-test', config: testConfig(behind), redis: false, orm: SMALL_POOL }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(RuntimeStartError);
      expect(String((refused as Error).message)).toContain(`lacks 1 migration(s) this version needs (${newest.name}): run \`npm run migrate\``);

      // The worker's entry point: one line on stderr, exit 1, nothing started.
      const proc = spawnNode('worker/main.ts', { DATABASE_URL: behind.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'never-started', LOG_LEVEL: 'silent' });
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr).toContain(newest.name);

      // With its migration recorded again it starts, also when the database has a migration this
      // code does not know (an older process during a deploy, or the code rolled back).
      const fix = new pg.Client({ connectionString: behind.url });
      await fix.connect();
      await fix.query("insert into mikro_orm_migrations (name) values ($1), ('Migration29991231000000')", [newest.name]);
      await fix.end();
      const ahead = await createRuntime({ name: 'runtime-test', config: testConfig(behind), redis: false, orm: SMALL_POOL });
      await ahead.close();
    } finally {
      await behind.drop();
    }
  });

  it('without migrate, a database never migrated refuses the start and names every migration', async () => {
    const name = createTestDatabaseName('db');
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`create database "${name}"`);
      const config = testConfig({ name, url: databaseUrl(name), drop: async () => undefined });
      const refused = await createRuntime({ name: 'runtime-test', config, redis: false, orm: SMALL_POOL }).catch((err: unknown) => err);
      const migrations = migrationFiles();
      expect(refused).toBeInstanceOf(RuntimeStartError);
      expect(String((refused as Error).message)).toContain(`lacks ${migrations.length} migration(s) this version needs (${migrations[0]} … ${migrations.at(-1)})`);
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  /** Whether the shared Postgres has a database of that name. */
  async function databaseExists(name: string): Promise<boolean> {
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      return (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
    } finally {
      await admin.end();
    }
  }

  it('without migrate, a misspelt database name refuses the start with one line naming DATABASE_URL, and creates nothing', async () => {
    // MikroORM created a missing database on connect: `…/typo npm run api` made an empty `typo`
    // and then asked for `npm run migrate`, which would have migrated the typo.
    const name = createTestDatabaseName('db');
    const config = testConfig({ name, url: databaseUrl(name), drop: async () => undefined });
    try {
      const refused = await createRuntime({ name: 'runtime-test', config, redis: false, orm: SMALL_POOL }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(RuntimeStartError);
      expect((refused as Error).message).toMatch(new RegExp(`^PostgreSQL at [^ ]+ refused DATABASE_URL: database "${name}" does not exist: check the database name in DATABASE_URL, or run \`npm run migrate\` to create it`));
      expect((refused as Error).message).not.toContain('\n');
      expect(await databaseExists(name)).toBe(false);
    } finally {
      const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  it('a role that does not exist refuses the start (with or without migrate) with one line naming DATABASE_URL', async () => {
    const name = createTestDatabaseName('db');
    const url = new URL(databaseUrl(name));
    url.username = 'porchlight_no_such_role';
    const config = testConfig({ name, url: url.toString(), drop: async () => undefined });
    for (const migrate of [false, true]) {
      const refused = await createRuntime({ name: 'runtime-test', config, redis: false, migrate, orm: SMALL_POOL }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(RuntimeStartError);
      expect((refused as Error).message).toMatch(/^PostgreSQL at [^ ]+ refused DATABASE_URL: role "porchlight_no_such_role" does not exist: check the user and password in DATABASE_URL\.$/);
    }
    expect(await databaseExists(name)).toBe(false);
  });

  it('an unreachable Postgres does not stop the start: one warning says so (requests answer 503 until it is back)', async () => {
    // A port nobody listens on: the process starts and waits for Postgres, as after any outage.
    const { port, close } = await new Promise<{ port: number; close: () => void }>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }));
    });
    close();
    const { destination, lines } = captureLogLines();
    const logger = createLogger({ level: 'info', name: 'runtime-down', destination });
    const runtime = await createRuntime({ name: 'runtime-down', config: testConfig(db, { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/porchlight` }), logger, redis: false, orm: SMALL_POOL });
    await runtime.close();
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, host: `127.0.0.1:${port}`, msg: 'PostgreSQL unreachable at start (DATABASE_URL); starting anyway, requests that need it answer 503 until it is back' }),
    ]);
    expect(lines[0].err).toContain('ECONNREFUSED');
  });

  it('migrates a database its role owns without needing the postgres maintenance database', async () => {
    // Managed Postgres often lets an app role into its own database only (REVOKE CONNECT … FROM PUBLIC).
    const server = await startThrowawayPostgres();
    try {
      const admin = new pg.Client({ connectionString: server.url('postgres') });
      await admin.connect();
      await admin.query('create role porchlight_app login');
      await admin.query('create database porchlight_app owner porchlight_app');
      await admin.query('revoke connect on database postgres from public');
      await admin.end();
      const url = server.url('porchlight_app').replace('postgres@', 'porchlight_app@');
      const config = testConfig({ name: 'porchlight_app', url, drop: async () => undefined });
      const runtime = await createRuntime({ name: 'runtime-test', config, redis: false, migrate: true, orm: SMALL_POOL });
      await runtime.close();
      expect(runtime.appliedMigrations.length).toBeGreaterThan(0);
    } finally {
      await server.destroy();
    }
  }, 60_000);

  it('two processes migrating a new database at once both start, and each migration is applied once', async () => {
    // Two `npm start`s (or `npm run migrate` on two hosts of a deploy) at the same moment.
    const name = createTestDatabaseName('db');
    const config = testConfig({ name, url: databaseUrl(name), drop: async () => undefined });
    try {
      const started = await Promise.allSettled([1, 2].map(() => createRuntime({ name: 'runtime-test', config, redis: false, migrate: true, orm: SMALL_POOL })));
      for (const s of started) if (s.status === 'fulfilled') await s.value.close();
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started']);
      const [a, b] = started.map((s) => (s as PromiseFulfilledResult<{ appliedMigrations: string[] }>).value.appliedMigrations);
      const migrations = migrationFiles();
      // One of them applied everything, the other found nothing left to do.
      expect([a, b].sort((x, y) => x.length - y.length)).toEqual([[], migrations.sort()]);
    } finally {
      const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
