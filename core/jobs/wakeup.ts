import type { Logger } from '../logger.ts';
import { jobOptionsOf } from './define-job.ts';
import { JOBS, type JobPayload, type KeyedJobKey } from './jobs.ts';
import { enqueue, type Queues, requeue } from './queues.ts';

/** How long one wake-up may wait for Redis before it is given up (the sweeper covers it). */
export const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * A wake-up call for work already committed to Postgres: the job to run, its payload and its
 * deterministic id (from JOBS), optionally a time to run at. Functions that write outbox-style
 * rows in a transaction return these; `enqueueAfterCommit` sends them once the transaction is
 * committed. Losing one loses nothing: the sweeper finds the row.
 */
export type Wakeup = { [K in KeyedJobKey]: WakeupOf<K> }[KeyedJobKey];

export interface WakeupOf<K extends KeyedJobKey> {
  readonly job: K;
  readonly payload: JobPayload<K>;
  /** From the job definition: the same work always has the same id. */
  readonly jobId: string;
  /** Run no earlier than this (a reminder's due time). Default: the definition's own delay. */
  readonly runAt?: Date;
}

/**
 * Builds a wake-up through the job's definition: the payload is checked against its schema and
 * the id built now, so a malformed wake-up fails inside the transaction that wrote the row,
 * not after its commit.
 */
export function createWakeup<K extends KeyedJobKey>(job: K, payload: JobPayload<K>, opts: { runAt?: Date } = {}): Wakeup {
  const def = JOBS[job];
  if (!def.jobId) throw new Error(`${def.name} has no deterministic job id: it cannot be a wake-up`);
  const parsed = def.payload.parse(payload) as JobPayload<K>;
  const jobId = (def.jobId as (p: JobPayload<K>) => string)(parsed);
  return { job, payload: parsed, jobId, ...(opts.runAt ? { runAt: opts.runAt } : {}) } as WakeupOf<K> as Wakeup;
}

/** Finished jobs of this kind linger under their id (kept for inspection), so a plain add would be ignored. */
function keepsFinishedJobs(job: KeyedJobKey): boolean {
  const opts = jobOptionsOf(JOBS[job]);
  return opts.removeOnComplete !== true || opts.removeOnFail !== true;
}

/**
 * Sends wake-ups after the commit of the rows they point at. Best-effort by design: each send is
 * bounded by `timeoutMs` and never throws — a failure (Redis down, slow, refusing) is logged
 * once per wake-up and left to the sweeper, which finds the committed row. Duplicates (same job
 * id) are sent once.
 *
 * `replaceFinished` (the sweeper): a job kept after it failed for good or completed would hold
 * its id and swallow the add, so it is replaced (see `requeue`); a live job is left alone.
 */
export async function enqueueAfterCommit(queues: Queues, wakeups: readonly Wakeup[], log: Logger, opts: {
  /** Default false. */
  replaceFinished?: boolean;
  /** Default ENQUEUE_TIMEOUT_MS (2 s). */
  timeoutMs?: number;
  /** Clock for `runAt`. Default: the wall clock (BullMQ delays are wall-clock). */
  now?: () => Date;
} = {}): Promise<{ sent: number; failed: number }> {
  const unique = [...new Map(wakeups.map((w) => [`${JOBS[w.job].queue}/${w.jobId}`, w])).values()];
  const now = (opts.now ?? (() => new Date()))().getTime();
  const timeoutMs = opts.timeoutMs ?? ENQUEUE_TIMEOUT_MS;
  let failed = 0;
  await Promise.all(
    unique.map(async (w) => {
      const add = { jobId: w.jobId, ...(w.runAt ? { delay: Math.max(0, w.runAt.getTime() - now) } : {}) };
      const send: Promise<unknown> = opts.replaceFinished && keepsFinishedJobs(w.job)
        ? requeue(queues, w.job, w.payload as never, add)
        : enqueue(queues, w.job, w.payload as never, add);
      try {
        await withTimeout(send, timeoutMs);
      } catch (err) {
        failed++;
        log.warn({ err, job: JOBS[w.job].name, jobId: w.jobId }, `could not enqueue ${JOBS[w.job].name}; the sweeper will retry`);
      }
    }),
  );
  return { sent: unique.length - failed, failed };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  // A send that settles after its timeout is harmless (same job id) and must not be unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
