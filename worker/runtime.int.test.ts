// The worker's job log: every finished job is logged with its duration, at info — except jobs
// scheduled more often than once a minute (the analytics rollup every 5 s, the sweep every 30 s),
// which log at debug so a day of them does not bury everything else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { runMaintenanceJob } from '#test/worker.ts';
import { HANDLERS } from './handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime } from './runtime.ts';

let server: TestServer;
let runtime: WorkerRuntime;
let connection: ReturnType<typeof createRedis>;
const { destination, lines } = captureLogLines<{ level: number; msg: string; job?: string }>();

beforeAll(async () => {
  server = await startTestServer();
  connection = createRedis(server.config.REDIS_URL, { name: 'runtime-log-test' });
  runtime = await startWorkerRuntime({
    config: server.config, orm: server.orm, connection, queues: server.queues, handlers: HANDLERS,
    logger: createLogger({ level: 'debug', name: 'worker', destination }),
    // Declared, far apart in frequency; the test enqueues each job itself.
    schedules: { sweep: 30_000, refreshScores: 60 * 60_000 },
  });
});
afterAll(async () => {
  await runtime?.close();
  await connection?.quit();
  await server?.close();
});

describe('the worker log', () => {
  it('logs a routine (sub-minute) job done at debug and an hourly one at info', async () => {
    await runMaintenanceJob(server, 'sweep', 'log-sweep');
    await runMaintenanceJob(server, 'refreshScores', 'log-refresh');
    const done = (job: string) => lines.find((l) => l.msg === 'job done' && l.job === job);
    expect(done('maintenance.sweep')?.level).toBe(20);
    expect(done('maintenance.refresh-scores')?.level).toBe(30);
  });
});
