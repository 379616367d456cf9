import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';

/**
 * Queue and job definitions shared by api (producer) and worker (consumer). Payloads carry ids
 * only; handlers re-read Postgres, which stays the source of truth.
 */
export const QUEUE_NAMES = ['leads', 'reminders', 'webhooks', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const JOBS = {
  /** Recompute one lead's score (job id `score:<leadId>` collapses bursts). */
  scoreLead: { queue: 'leads', name: 'leads.score', payload: z.object({ leadId: z.uuid() }) },
  /** Attach a visitor's anonymous events to its lead, in bounded batches. */
  stitchVisitor: { queue: 'leads', name: 'leads.stitch', payload: z.object({ siteId: z.uuid(), visitorId: z.string().min(1).max(64) }) },
  /** Rescore all leads of a user after a rules change. */
  rescoreUser: { queue: 'leads', name: 'leads.rescore-all', payload: z.object({ userId: z.uuid(), version: z.number().int() }) },
  /** Fire a due reminder (job id `reminder:<id>`). */
  fireReminder: { queue: 'reminders', name: 'reminders.fire', payload: z.object({ reminderId: z.uuid() }) },
  /** Deliver one webhook delivery row. */
  deliverWebhook: { queue: 'webhooks', name: 'webhooks.deliver', payload: z.object({ deliveryId: z.uuid() }) },
  /** Re-enqueue outbox rows that are due and have no live job. */
  sweep: { queue: 'maintenance', name: 'maintenance.sweep', payload: z.object({}) },
  /** Refresh stored scores as they decay. */
  refreshScores: { queue: 'maintenance', name: 'maintenance.refresh-scores', payload: z.object({}) },
} as const satisfies Record<string, { queue: QueueName; name: string; payload: z.ZodType }>;

export type JobKey = keyof typeof JOBS;
export type JobPayload<K extends JobKey> = z.infer<(typeof JOBS)[K]['payload']>;

export type Queues = Record<QueueName, Queue> & { close(): Promise<void> };

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
};

/** Producer-side queues. The connection is the caller's to close. */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const queues = Object.fromEntries(
    QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]),
  ) as Record<QueueName, Queue>;
  return {
    ...queues,
    async close() {
      await Promise.all(QUEUE_NAMES.map((n) => queues[n].close()));
    },
  };
}

/**
 * Adds a job with a deterministic id. Enqueueing is best-effort by design: the row that caused it
 * is already committed, and the sweeper re-enqueues anything a lost job left behind.
 */
export async function enqueue<K extends JobKey>(
  queues: Queues,
  key: K,
  payload: JobPayload<K>,
  opts: JobsOptions & { jobId?: string } = {},
): Promise<void> {
  const def = JOBS[key];
  await queues[def.queue].add(def.name, def.payload.parse(payload), opts);
}

/**
 * Like `enqueue`, for the sweeper: BullMQ ignores an add whose id is held by a job in *any* state,
 * so a job that failed for good (kept for inspection by `removeOnFail`) or completed would block
 * its id until it ages out — for a rescore, 7 days with the work left undone. A finished job is
 * removed first; a live one (waiting, delayed, active) is left alone and nothing is added.
 */
export async function requeue<K extends JobKey>(
  queues: Queues,
  key: K,
  payload: JobPayload<K>,
  opts: JobsOptions & { jobId: string },
): Promise<'added' | 'live'> {
  const queue = queues[JOBS[key].queue];
  const state = await queue.getJobState(opts.jobId);
  if (state === 'failed' || state === 'completed') await queue.remove(opts.jobId);
  else if (state !== 'unknown') return 'live';
  await enqueue(queues, key, payload, opts);
  return 'added';
}
