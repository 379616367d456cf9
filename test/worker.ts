// An in-process worker for tests: the real BullMQ runtime on the test server's database, Redis
// and queue prefix, with its own Redis connection from the server's runtime (BullMQ does not close
// it: close() does, and the server's close() would).
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { expect, vi } from 'vitest';
import { enqueue } from '#core/jobs/queues.ts';
import { createLogger } from '#core/logger.ts';
import { closeRedis } from '#core/redis.ts';
import { HANDLERS } from '#worker/handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime, type WorkerRuntimeOptions } from '#worker/runtime.ts';
import type { TestServer } from './app.ts';
import { WAIT } from './env.ts';

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
  const connection = server.runtime.createWorkerConnection(name);
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
      await closeRedis(connection);
    },
  };
}

/**
 * Enqueues a maintenance job (`sweep`, `refreshScores`) under `jobId`, for a test that runs it
 * exactly when it asserts on it, and waits until a worker has finished it; returns the job
 * (`returnvalue`, `failedReason`).
 */
export async function runMaintenanceJob(server: Pick<TestServer, 'queues'>, key: 'sweep' | 'refreshScores', jobId: string): Promise<Job> {
  await enqueue(server.queues, key, {}, { jobId });
  return vi.waitFor(async () => {
    const job = await server.queues.maintenance.getJob(jobId);
    expect(job?.finishedOn, `${key} job ${jobId} finished`).toBeTruthy();
    return job!;
  }, WAIT);
}
