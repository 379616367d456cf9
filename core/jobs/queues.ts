import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { assertValidJobId, DEFAULT_JOB_OPTIONS, type JobOptions, jobOptionsOf, QUEUE_NAMES, type QueueName } from './define-job.ts';
import { JOBS, type JobKey, type JobPayload } from './jobs.ts';

export { QUEUE_NAMES, type QueueName };

export type Queues = Record<QueueName, Queue> & { close(): Promise<void> };

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

/** Extra options for one add: a later run time, or (jobs without an id builder: tests, one-off runs) an id. */
export type EnqueueOptions = Pick<JobOptions, 'delay'> & { jobId?: string };

/** The id and options one add of `key` uses: the definition's, then `opts`. */
export function addOptionsOf<K extends JobKey>(key: K, payload: JobPayload<K>, opts: EnqueueOptions = {}): JobsOptions & { jobId?: string } {
  const def = JOBS[key];
  const built = def.jobId ? (def.jobId as (p: JobPayload<K>) => string)(payload) : undefined;
  const jobId = opts.jobId ?? built;
  return { ...jobOptionsOf(def), ...(opts.delay !== undefined ? { delay: opts.delay } : {}), ...(jobId !== undefined ? { jobId: assertValidJobId(jobId) } : {}) };
}

/**
 * Adds a job with its definition's id and options; the payload is checked against the schema.
 * Throws when Redis refuses. Domain code does not call this: it returns wake-ups, which
 * `enqueueAfterCommit` sends best-effort.
 */
export async function enqueue<K extends JobKey>(queues: Queues, key: K, payload: JobPayload<K>, opts: EnqueueOptions = {}): Promise<void> {
  const def = JOBS[key];
  const parsed = def.payload.parse(payload) as JobPayload<K>;
  await queues[def.queue].add(def.name, parsed, addOptionsOf(key, parsed, opts));
}

/**
 * Like `enqueue`, for the sweeper: BullMQ ignores an add whose id is held by a job in *any* state,
 * so a job that failed for good (kept for inspection by `removeOnFail`) or completed would block
 * its id until it ages out — for a rescore, 7 days with the work left undone. A finished job is
 * removed first; a live one (waiting, delayed, active) is left alone and nothing is added.
 */
export async function requeue<K extends JobKey>(queues: Queues, key: K, payload: JobPayload<K>, opts: EnqueueOptions = {}): Promise<'added' | 'live'> {
  const queue = queues[JOBS[key].queue];
  const { jobId } = addOptionsOf(key, payload, opts);
  if (!jobId) throw new Error(`requeue needs a job id (${JOBS[key].name} has no id builder)`);
  const state = await queue.getJobState(jobId);
  if (state === 'failed' || state === 'completed') await queue.remove(jobId);
  else if (state !== 'unknown') return 'live';
  await enqueue(queues, key, payload, opts);
  return 'added';
}
