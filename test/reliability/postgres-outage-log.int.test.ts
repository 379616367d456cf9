// The worker's log while Postgres is unreachable (a real worker process, a throwaway cluster on its
// own port that is stopped and started): the first failed job with its stack trace, the others
// counted (at debug), and one line when Postgres answers again — not a stack trace per job run.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateDatabase } from '#core/db/migrate.ts';
import { createQueuePrefix } from '#test/db.ts';
import { TEST_REDIS_URL, WAIT } from '#test/env.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '#test/pg-server.ts';
import { type NodeProcess, spawnNode, stopAll, waitForLog } from '#test/process.ts';

let cluster: ThrowawayPostgres;
let worker: NodeProcess;

beforeAll(async () => {
  cluster = await startThrowawayPostgres();
  const databaseUrl = cluster.url('porchlight');
  await migrateDatabase(databaseUrl);
  // The sweeper every 500 ms: scheduled jobs failing about twice a second, as in the field.
  worker = spawnNode('worker/main.ts', {
    NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'debug', SWEEP_INTERVAL_MS: '500',
  });
  await waitForLog(worker, 'worker started');
}, 120_000);

afterAll(async () => {
  await stopAll([worker]);
  await cluster?.destroy();
});

const parsed = () => worker.lines.flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, any>];
  } catch {
    return [];
  }
});

describe('Postgres unreachable under a running worker', () => {
  it('logs one stack trace for the first failed job, counts the rest, and says when Postgres is back', { timeout: 120_000 }, async () => {
    await cluster.stop();
    const first = await waitForLog(worker, 'job failed: Postgres unreachable (further failures are counted until it answers again)');
    expect(first.level).toBe(40);
    expect(first.err.stack).toMatch(/\n\s+at /);
    // Several more runs fail while it is down: at debug, without a stack.
    await vi.waitFor(() => expect(parsed().filter((l) => l.msg === 'job failed: Postgres unreachable').length).toBeGreaterThanOrEqual(4), { ...WAIT, timeout: 30_000 });
    await cluster.start();
    const recovered = await vi.waitFor(() => {
      const line = parsed().find((l) => String(l.msg).startsWith('Postgres recovered after '));
      expect(line).toBeDefined();
      return line!;
    }, { ...WAIT, timeout: 30_000 });
    expect(recovered.level).toBe(30);
    expect(recovered.failedJobs).toBeGreaterThanOrEqual(5);
    expect(recovered.msg).toMatch(/^Postgres recovered after \d+ s; \d+ jobs failed while it was unreachable$/);
    // One stack trace for the whole outage: no warning per failed job.
    const warnings = parsed().filter((l) => l.level >= 40 && l.time <= recovered.time);
    expect(warnings.filter((l) => l.err?.stack).map((l) => l.msg)).toEqual([first.msg]);
    expect(warnings.filter((l) => l.msg === 'job failed')).toEqual([]);
  });
});
