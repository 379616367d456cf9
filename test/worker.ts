// An in-process worker for tests: the real BullMQ runtime on the test server's database, Redis
// and queue prefix, with its own Redis connection (which BullMQ does not close: close() does).
import type { Redis } from 'ioredis';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { HANDLERS } from '#worker/handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime, type WorkerRuntimeOptions } from '#worker/runtime.ts';
import type { TestServer } from './app.ts';

export interface TestWorker {
  runtime: WorkerRuntime;
  connection: Redis;
  close(): Promise<void>;
}

/** Starts a worker for `server`: every handler unless `handlers` says otherwise; no schedules unless given. */
export async function startTestWorker(
  server: TestServer,
  opts: { name?: string } & Partial<Pick<WorkerRuntimeOptions, 'handlers' | 'schedules' | 'concurrency' | 'now'>> = {},
): Promise<TestWorker> {
  const name = opts.name ?? 'test-worker';
  const connection = createRedis(server.config.REDIS_URL, { name });
  const runtime = await startWorkerRuntime({
    config: server.config,
    orm: server.orm,
    connection,
    queues: server.queues,
    logger: createLogger({ level: server.config.LOG_LEVEL, name }),
    handlers: opts.handlers ?? HANDLERS,
    schedules: opts.schedules,
    concurrency: opts.concurrency,
    now: opts.now,
  });
  return {
    runtime,
    connection,
    close: async () => {
      await runtime.close();
      await connection.quit();
    },
  };
}
