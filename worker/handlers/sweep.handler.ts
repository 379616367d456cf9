import { findUnstitchedVisitors } from '#core/events/find-unstitched-visitors.ts';
import { enqueueStitch } from '#core/events/stitch-visitor.ts';
import { requeue } from '#core/jobs/queues.ts';
import { findLeadsAwaitingRescore } from '#core/leads/find-leads-awaiting-rescore.ts';
import { enqueueRescore } from '#core/leads/mark-for-rescore.ts';
import { findUnfinishedRescores, rescoreJobId } from '#core/scoring/manage-scoring-rules.ts';
import type { JobHandler } from '../handler.ts';

/** A flag older than this has outlived any live scoring job (1 s debounce + run time). */
export const SWEEP_RESCORE_AFTER_MS = 5_000;
/** An unfinished rules rescore older than this may have lost its job. */
export const SWEEP_RESCORE_ALL_AFTER_MS = 60_000;
/** Rows per kind per sweep; the next sweep (30 s later) continues. */
export const SWEEP_LIMIT = 500;

/**
 * `maintenance.sweep` (every 30 s): Postgres says what is due, Redis only schedules. Re-enqueues,
 * with the same deterministic job ids (a no-op while the job exists):
 * - `leads.score` for leads flagged `needs_rescore` for more than 5 s;
 * - `leads.stitch` for visitors linked to a lead whose events are not stitched yet;
 * - `leads.rescore-all` for rules versions whose rescore has not finished after a minute — also
 *   when its job failed for good (the failed job, kept for inspection, is replaced).
 */
export const sweepHandler: JobHandler = async (ctx) => {
  const now = ctx.now();
  const onError = (what: string) => (err: unknown) => ctx.log.warn({ err }, `sweep could not enqueue ${what}`);

  const leadIds = await findLeadsAwaitingRescore(ctx.em, { now, olderThanMs: SWEEP_RESCORE_AFTER_MS, limit: SWEEP_LIMIT });
  await enqueueRescore(ctx.queues, leadIds, onError('leads.score'));

  const visitors = await findUnstitchedVisitors(ctx.em, SWEEP_LIMIT);
  for (const v of visitors) await enqueueStitch(ctx.queues, v.siteId, v.visitorId, onError('leads.stitch'));

  const rescores = await findUnfinishedRescores(ctx.em, { now, olderThanMs: SWEEP_RESCORE_ALL_AFTER_MS, limit: SWEEP_LIMIT });
  for (const r of rescores) {
    await requeue(ctx.queues, 'rescoreUser', { userId: r.userId, version: r.version }, { jobId: rescoreJobId(r.userId, r.version) }).catch(onError('leads.rescore-all'));
  }

  const result = { rescores: leadIds.length, stitches: visitors.length, rescoreAll: rescores.length };
  if (leadIds.length || visitors.length || rescores.length) ctx.log.info(result, 'sweep re-enqueued work');
  return result;
};
