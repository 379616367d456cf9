import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Job } from 'bullmq';
import type { Config } from '#core/config.ts';
import type { JobKey, JobPayload } from '#core/jobs/jobs.ts';
import type { Queues } from '#core/jobs/queues.ts';
import type { Mailer } from '#core/email/mailer.ts';
import type { LivePublisher } from '#core/live/live-events.ts';
import type { Logger } from '#core/logger.ts';
import type { WebhookDispatcher } from './handlers/deliver-webhook-dispatcher.ts';

/** What every job handler receives. `em` is a fresh fork per job. */
export interface HandlerContext {
  em: EntityManager;
  orm: MikroORM;
  config: Config;
  queues: Queues;
  /** Child logger with queue, jobId, job name and attempt. */
  log: Logger;
  job: Job;
  now: () => Date;
  /** The process's mailer (SMTP_URL; the log when unset). */
  mailer: Mailer;
  /**
   * The process's live-event publisher (one per worker runtime: the resets it owes after a failed
   * publish wait in it until Redis answers again, whichever job failed).
   */
  live: LivePublisher;
  /** The process's webhook dispatcher (present when the runtime serves `webhooks.deliver`). */
  webhookDispatcher?: WebhookDispatcher;
}

/** The handler of job `K`: receives the payload already parsed with the job's schema. */
export interface JobHandler<K extends JobKey = JobKey> {
  readonly job: K;
  run(ctx: HandlerContext, payload: JobPayload<K>): Promise<unknown>;
}

/**
 * Declares the handler of one job. The runtime parses the payload once with `JOBS[job].payload`
 * (an invalid one fails the job for good) and passes the result, typed.
 */
export function defineHandler<K extends JobKey>(job: K, run: (ctx: HandlerContext, payload: JobPayload<K>) => Promise<unknown>): JobHandler<K> {
  return { job, run };
}

/**
 * One handler per job, keyed by job key. `HANDLERS satisfies HandlerTable` makes a job without a
 * handler, a handler without a job, or a handler filed under another job's key a type error.
 */
export type HandlerTable = { [K in JobKey]: JobHandler<K> };
