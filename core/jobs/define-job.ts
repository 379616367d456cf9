import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/**
 * One queue per concern; a BullMQ Worker serves each queue that has handlers. Rules rescores have
 * their own: a job that runs for minutes must never hold the slots live scoring needs.
 */
export const QUEUE_NAMES = ['leads', 'reminders', 'webhooks', 'notifications', 'maintenance', 'rescore'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * Options every job gets unless its definition says otherwise: finished jobs are kept a while
 * for inspection, and a failing job is retried 5 times with exponential backoff from 1 s.
 */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
} as const satisfies JobsOptions;

/**
 * BullMQ options a definition may set. The id comes from the definition's `jobId`, retries from
 * its `retries`, repeats from the worker's schedules — so none of them can be set here.
 */
export type JobOptions = Omit<JobsOptions, 'jobId' | 'repeat' | 'attempts' | 'backoff'>;

/**
 * Who retries a failed job:
 * - `bullmq`: BullMQ itself (DEFAULT_JOB_OPTIONS: 5 attempts, exponential backoff from 1 s);
 * - `postgres`: a single attempt. For jobs whose row carries its own retry schedule (a webhook
 *   delivery's `next_attempt_at`): the handler records the failure in Postgres and the next
 *   attempt is a new wake-up, so the two schedules never stack.
 */
export type JobRetries = 'bullmq' | 'postgres';

/** What every job declares. */
export interface JobSpec<P extends z.ZodType = z.ZodType> {
  queue: QueueName;
  /** BullMQ job name, dot-namespaced (`leads.score`). */
  name: string;
  /** The payload: ids only (handlers re-read Postgres, the source of truth). */
  payload: P;
  /** Default `bullmq`. */
  retries?: JobRetries;
  /** Per-job BullMQ options over DEFAULT_JOB_OPTIONS (delay/debounce, removeOnComplete, …). */
  options?: JobOptions;
}

/**
 * A job with a deterministic id, so a second wake-up for the same work is a no-op while the job
 * exists. The id never contains `:` (BullMQ 6 refuses it in custom ids).
 */
export interface KeyedJobDefinition<P extends z.ZodType = z.ZodType> extends JobSpec<P> {
  jobId: (payload: z.output<P>) => string;
}

/** Any job: without `jobId`, BullMQ picks the id (scheduled maintenance runs, each new work). */
export interface JobDefinition<P extends z.ZodType = z.ZodType> extends JobSpec<P> {
  jobId?: (payload: z.output<P>) => string;
}

/**
 * Declares a job. Overloaded so `JOBS.scoreLead.jobId` is known to exist where it is defined
 * (with its parameter typed from the payload schema) and known to be absent where it is not.
 */
export function defineJob<P extends z.ZodType>(def: KeyedJobDefinition<P>): KeyedJobDefinition<P>;
export function defineJob<P extends z.ZodType>(def: JobSpec<P>): JobSpec<P> & { jobId?: undefined };
export function defineJob(def: JobDefinition): JobDefinition {
  return def;
}

/** BullMQ refuses `:` in custom job ids (except a legacy three-part form it parses as a repeat key). */
export function assertValidJobId(id: string): string {
  if (id.includes(':')) throw new Error(`job id ${JSON.stringify(id)} contains ':', which BullMQ refuses`);
  return id;
}

/** The options one add of `def` uses: defaults, then retries, then the definition's own options. */
export function jobOptionsOf(def: Pick<JobSpec, 'retries' | 'options'>): JobsOptions {
  if (def.retries !== 'postgres') return { ...DEFAULT_JOB_OPTIONS, ...def.options };
  const { backoff: _, ...defaults } = DEFAULT_JOB_OPTIONS;
  return { ...defaults, attempts: 1, ...def.options };
}
