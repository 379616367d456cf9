// A lead flagged for rescoring in the moment between a `leads.score` job's last look at the flag
// and the job's removal: the wake-up sent then lands on the job id `score-<leadId>`, still taken,
// and BullMQ drops it. The runtime looks at the flag once more when the job is gone.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { createRedis } from '#core/redis.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeLead, makeRealtor } from '#test/factories.ts';
import { defineHandler } from './handler.ts';
import { startWorkerRuntime, type WorkerRuntime } from './runtime.ts';

let server: TestServer;
let runtime: WorkerRuntime | undefined;
let connection: ReturnType<typeof createRedis>;

beforeAll(async () => {
  server = await startTestServer();
  connection = createRedis(server.config.REDIS_URL, { name: 'score-recheck-test' });
});
afterAll(async () => {
  await runtime?.close();
  await connection?.quit();
  await server?.close();
});

describe('a lead flagged while its leads.score job finishes', () => {
  it('is woken again once the job is gone, instead of waiting for the sweeper', async () => {
    const realtor = await makeRealtor(server);
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    const runs: string[] = [];
    // Stands in for scoreLeadHandler; run 1 ends the way the race does: new activity flags the
    // lead after the handler's last check, and its wake-up finds this job's id taken.
    const handler = defineHandler('scoreLead', async (ctx, payload) => {
      runs.push(String(ctx.job.id));
      if (runs.length === 1) {
        await server.sql('update leads set needs_rescore = true where lead_id = $1', [payload.leadId]);
        await enqueueAfterCommit(ctx.queues, [createWakeup('scoreLead', payload)], ctx.log);
        const counts = await ctx.queues.leads.getJobCounts('delayed', 'waiting');
        expect(counts.delayed + counts.waiting).toBe(0); // dropped: the id is this active job's
      } else {
        await server.sql('update leads set needs_rescore = false where lead_id = $1', [payload.leadId]);
      }
      return { runs: runs.length };
    });
    runtime = await startWorkerRuntime({ config: server.config, orm: server.orm, connection, queues: server.queues, handlers: { scoreLead: handler }, logger: server.runtime.logger });
    await enqueueAfterCommit(server.queues, [createWakeup('scoreLead', { leadId })], server.runtime.logger);

    // `runs` grows when a run starts: the second run's own update may still be on its way, so the
    // flag is awaited too (it failed once in CI reading the flag between the two).
    await vi.waitFor(async () => {
      expect(runs).toHaveLength(2);
      const [row] = await server.sql<{ needs_rescore: boolean }>('select needs_rescore from leads where lead_id = $1', [leadId]);
      expect(row.needs_rescore).toBe(false);
    }, { timeout: 15_000, interval: 50 });
    expect(runs).toEqual([`score-${leadId}`, `score-${leadId}`]);
  });
});
