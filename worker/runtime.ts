import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '#core/config.ts';
import { createMailer, type Mailer } from '#core/email/mailer.ts';
import { findJobKey, JOBS, type JobKey } from '#core/jobs/jobs.ts';
import { QUEUE_NAMES, type QueueName, type Queues } from '#core/jobs/queues.ts';
import type { Logger } from '#core/logger.ts';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { isLeadFlaggedForRescore } from '#core/scoring/score-lead.ts';
import type { HandlerContext, HandlerTable, JobHandler } from './handler.ts';
import { createDatabaseOutageLog } from './database-outage.ts';
import { createWebhookDispatcher } from './handlers/deliver-webhook-dispatcher.ts';
import { createLivePublisherForQueues } from '#core/live/live-events.ts';

/** Scheduled jobs that run at least this often log their completion at debug. */
const ROUTINE_JOB_MAX_INTERVAL_MS = 60_000;

export interface WorkerRuntimeOptions {
  config: Config;
  orm: MikroORM;
  connection: ConnectionOptions;
  queues: Queues;
  logger: Logger;
  /** Job key → handler. The worker process passes every handler; tests may pass a few. */
  handlers: Partial<HandlerTable>;
  /** Repeating jobs: job key → every N ms (the scheduler is registered under the job's name). */
  schedules?: Partial<Record<JobKey, number>>;
  concurrency?: Partial<Record<QueueName, number>>;
  now?: () => Date;
  /** Default: a mailer built from the config's SMTP_URL and MAIL_FROM, closed with the runtime. */
  mailer?: Mailer;
}

export interface WorkerRuntime {
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * One BullMQ Worker per queue that has handlers. Each job's payload is parsed once with its
 * definition's schema (an invalid payload fails the job for good: retrying cannot fix it) and
 * handed to the handler typed; each finished job is logged with its duration.
 */
export async function startWorkerRuntime(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const now = opts.now ?? (() => new Date());
  // Without SMTP_URL, development and tests read emails (and their links) in the log; production never does.
  const mailer = opts.mailer ?? createMailer({
    smtpUrl: opts.config.SMTP_URL, from: opts.config.MAIL_FROM, logger: opts.logger, logContent: opts.config.NODE_ENV !== 'production',
  });
  // Live events go through one publisher per process, on the producer queues' fail-fast connection.
  const live = createLivePublisherForQueues(opts.queues, opts.config.QUEUE_PREFIX, opts.logger);
  // Webhook wake-ups drive one dispatcher per process: batched claims and records, pooled connections.
  const webhookDispatcher = opts.handlers.deliverWebhook
    ? createWebhookDispatcher({ orm: opts.orm, config: opts.config, queues: opts.queues, logger: opts.logger, now })
    : undefined;
  const workers: Worker[] = [];
  const databaseOutage = createDatabaseOutageLog({ logger: opts.logger });
  // A lead flagged between a `leads.score` job's last look at the flag and the job's removal
  // found the job id `score-<leadId>` still taken, so BullMQ dropped that wake-up. Once the job is
  // gone (removeOnComplete frees the id before 'completed' fires), look once more and wake it again;
  // without this the lead waited for the sweeper.
  const recheckScoreFlag = async (job: Job) => {
    if (job.name !== JOBS.scoreLead.name) return;
    const parsed = JOBS.scoreLead.payload.safeParse(job.data);
    if (!parsed.success) return;
    try {
      if (await isLeadFlaggedForRescore(opts.orm.em.fork() as EntityManager, parsed.data.leadId)) {
        await enqueueAfterCommit(opts.queues, [createWakeup('scoreLead', parsed.data)], opts.logger);
      }
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, leadId: parsed.data.leadId }, 'could not re-check a lead flagged while it was scored; the sweeper will');
    }
  };
  for (const [key, handler] of Object.entries(opts.handlers) as Array<[JobKey, JobHandler | undefined]>) {
    if (handler && handler.job !== key) throw new Error(`handler for ${handler.job} is filed under ${key}`);
  }
  for (const queue of QUEUE_NAMES) {
    const keys = (Object.keys(JOBS) as JobKey[]).filter((k) => JOBS[k].queue === queue && opts.handlers[k]);
    if (!keys.length) continue;
    const worker = new Worker(
      queue,
      async (job) => {
        const log = opts.logger.child({ queue, jobId: job.id, job: job.name, attempt: job.attemptsMade + 1 });
        const key = findJobKey(job.name);
        const handler = key && (opts.handlers[key] as JobHandler | undefined);
        if (!key || !handler) throw new UnrecoverableError(`no handler for ${job.name}`);
        const parsed = JOBS[key].payload.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.message}`);
        const ctx: HandlerContext = { em: opts.orm.em.fork() as EntityManager, orm: opts.orm, config: opts.config, queues: opts.queues, log, job, now, mailer, live, webhookDispatcher };
        const started = performance.now();
        try {
          const result = await handler.run(ctx, parsed.data as never);
          // A job scheduled more often than once a minute (the analytics rollup, every 5 s) logs
          // at debug: 720 identical "job done" lines an hour would bury everything else.
          const routine = (opts.schedules?.[key] ?? Number.POSITIVE_INFINITY) < ROUTINE_JOB_MAX_INTERVAL_MS;
          log[routine ? 'debug' : 'info']({ ms: Math.round(performance.now() - started) }, 'job done');
          databaseOutage.jobDone(started);
          return result;
        } catch (err) {
          const ms = Math.round(performance.now() - started);
          if (!databaseOutage.jobFailed(err, log, ms)) log.warn({ ms, err }, 'job failed');
          throw err;
        }
      },
      {
        connection: opts.connection, prefix: opts.config.QUEUE_PREFIX, concurrency: opts.concurrency?.[queue] ?? 4, autorun: true,
        // How soon a job whose worker died is handed to another (BullMQ's defaults: 30 s each).
        lockDuration: opts.config.WORKER_LOCK_DURATION_MS,
        stalledInterval: opts.config.WORKER_STALLED_INTERVAL_MS,
      },
    );
    worker.on('error', (err) => opts.logger.warn({ err: err.message, queue }, 'worker error'));
    if (queue === JOBS.scoreLead.queue) worker.on('completed', (job) => void recheckScoreFlag(job));
    workers.push(worker);
  }
  const schedules = Object.entries(opts.schedules ?? {}) as Array<[JobKey, number]>;
  for (const [key, everyMs] of schedules) {
    const def = JOBS[key];
    await opts.queues[def.queue].upsertJobScheduler(def.name, { every: everyMs }, { name: def.name, data: {} });
  }
  // The schedulers live in Redis: a flushed (or replaced, or evicting) Redis loses them, and with
  // them the sweeper that restores everything else from Postgres. Check for them as often as the
  // most frequent one runs, and register any that went missing.
  const checkSchedules = async () => {
    for (const [key, everyMs] of schedules) {
      const def = JOBS[key];
      const queue = opts.queues[def.queue];
      if (await queue.getJobScheduler(def.name)) continue;
      opts.logger.warn({ scheduler: def.name }, 'job scheduler missing (Redis flushed or replaced?); registering it again');
      await queue.upsertJobScheduler(def.name, { every: everyMs }, { name: def.name, data: {} });
    }
  };
  const scheduleCheck = schedules.length
    ? setInterval(() => void checkSchedules().catch((err) => opts.logger.warn({ err: (err as Error).message }, 'could not check job schedulers')), Math.min(...schedules.map(([, ms]) => ms)))
    : undefined;
  scheduleCheck?.unref();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async close() {
      clearInterval(scheduleCheck);
      await Promise.all(workers.map((w) => w.close()));
      // After the workers: no wake-up arrives any more; the attempts in flight are sent and recorded.
      await webhookDispatcher?.close();
      if (!opts.mailer) await mailer.close();
    },
  };
}
