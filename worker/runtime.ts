import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { type ConnectionOptions, UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '#core/config.ts';
import { JOBS, QUEUE_NAMES, type QueueName, type Queues } from '#core/jobs/queues.ts';
import type { Logger } from '#core/logger.ts';
import type { JobHandler } from './handler.ts';

export interface WorkerRuntimeOptions {
  config: Config;
  orm: MikroORM;
  connection: ConnectionOptions;
  queues: Queues;
  logger: Logger;
  /** Job name (e.g. `leads.score`) → handler. */
  handlers: Record<string, JobHandler>;
  /** Repeating jobs: job name → every N ms. */
  schedules?: Record<string, number>;
  concurrency?: Partial<Record<QueueName, number>>;
  now?: () => Date;
}

export interface WorkerRuntime {
  workers: Worker[];
  close(): Promise<void>;
}

const payloadSchemaByName = new Map<string, (typeof JOBS)[keyof typeof JOBS]>(Object.values(JOBS).map((d) => [d.name, d]));

/** One BullMQ Worker per queue that has handlers; validates payloads, logs each job with its duration. */
export async function startWorkerRuntime(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const now = opts.now ?? (() => new Date());
  const workers: Worker[] = [];
  for (const queue of QUEUE_NAMES) {
    const names = Object.values(JOBS).filter((d) => d.queue === queue && opts.handlers[d.name]).map((d) => d.name);
    if (!names.length) continue;
    const worker = new Worker(
      queue,
      async (job) => {
        const log = opts.logger.child({ queue, jobId: job.id, job: job.name, attempt: job.attemptsMade + 1 });
        const handler = opts.handlers[job.name];
        const def = payloadSchemaByName.get(job.name);
        if (!handler || !def) throw new UnrecoverableError(`no handler for ${job.name}`);
        const parsed = def.payload.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.message}`);
        const started = performance.now();
        try {
          const result = await handler({ em: opts.orm.em.fork() as EntityManager, orm: opts.orm, config: opts.config, queues: opts.queues, log, job, now }, parsed.data);
          log.info({ ms: Math.round(performance.now() - started) }, 'job done');
          return result;
        } catch (err) {
          log.warn({ ms: Math.round(performance.now() - started), err }, 'job failed');
          throw err;
        }
      },
      { connection: opts.connection, prefix: opts.config.QUEUE_PREFIX, concurrency: opts.concurrency?.[queue] ?? 4, autorun: true },
    );
    worker.on('error', (err) => opts.logger.warn({ err: err.message, queue }, 'worker error'));
    workers.push(worker);
  }
  for (const [name, everyMs] of Object.entries(opts.schedules ?? {})) {
    const def = payloadSchemaByName.get(name);
    if (!def) throw new Error(`unknown scheduled job ${name}`);
    await opts.queues[def.queue].upsertJobScheduler(name, { every: everyMs }, { name, data: {} });
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
