import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { closeAppStreams, createApp } from '../api/app.ts';
import type { Config } from '../core/config.ts';
import type { Queues } from '../core/jobs/queues.ts';
import { createRuntime, type Runtime } from '../core/runtime.ts';
import { createTestDatabase, type TestDatabase, testConfig } from './db.ts';

export interface TestServer {
  url: string;
  db: TestDatabase;
  orm: MikroORM;
  redis: Redis;
  queues: Queues;
  config: Config;
  /** The server's runtime (`createRuntime`); its fail-fast Redis is `redis`. */
  runtime: Runtime;
  /** A plain pg pool (two connections) on the database, for raw SQL and transactions (`pool.connect()`); `sql` runs on it. */
  pool: pg.Pool;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface LocalListener {
  server: Server;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops accepting connections and resolves once the open ones have ended. */
  close(): Promise<void>;
}

/** Listens on a random local port (a Koa app's or an http.Server's `listen(0, '127.0.0.1')`). */
export async function listenLocally(target: { listen(port: number, host: string): Server }): Promise<LocalListener> {
  const server = target.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Removes every BullMQ/limiter key under a prefix (test cleanup). */
export async function deletePrefixedKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** The real Koa app on a random port over a per-file database and queue prefix. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const runtime = await createRuntime({ name: 'test-api', config: testConfig(db, env), orm: { pool: { min: 0, max: 5 } } }).catch(async (err) => {
    await db.drop();
    throw err;
  });
  const { orm, redis, queues } = runtime;
  // Raw SQL for assertions uses its own small pool with $n placeholders.
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });

  // PUBLIC_URL must name the real port, so listen first on a placeholder app.
  const { createServer } = await import('node:http');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = { ...runtime.config, PUBLIC_URL: env.PUBLIC_URL ?? `http://127.0.0.1:${port}` };
  const app = createApp({ ...runtime, config });
  server.on('request', app.callback());

  return {
    url: `http://127.0.0.1:${port}`,
    db, orm, redis, queues, config, runtime, pool,
    async sql(text, params = []) {
      return (await pool.query(text, params as unknown[])).rows;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await closeAppStreams(app);
      // Leave nothing in the shared Redis; best-effort when a test has taken its Redis away.
      await deletePrefixedKeys(redis, config.QUEUE_PREFIX).catch(() => undefined);
      await runtime.close();
      await pool.end();
      await db.drop();
    },
  };
}
