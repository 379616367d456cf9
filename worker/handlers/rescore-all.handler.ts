import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadsRescored } from '#core/live/live-events.ts';
import { RESCORE_BATCH_SIZE, rescoreUserLeads } from '#core/scoring/rescore-user-leads.ts';
import { defineHandler } from '../handler.ts';

/**
 * `leads.rescore-all` {userId, version}: rescores every lead of the user after a rules change,
 * reporting progress in `scoring_rules`. A retried job (the worker died) resumes where the
 * committed work ends — see `rescoreUserLeads`.
 */
export function createRescoreAllHandler(opts: { /** Leads per batch. Default RESCORE_BATCH_SIZE (200). */ batchSize?: number } = {}) {
  return defineHandler('rescoreUser', async (ctx, { userId, version }) => {
    const result = await rescoreUserLeads({
      em: ctx.em, userId, version, now: ctx.now, batchSize: opts.batchSize ?? RESCORE_BATCH_SIZE,
      config: ctx.config, onWakeups: (wakeups) => enqueueAfterCommit(ctx.queues, wakeups, ctx.log),
      // The open admins reload once per batch whose scores moved (leads.rescored), as the rescore goes.
      onScored: (results) => publishLeadsRescored({ em: ctx.em, publisher: ctx.live, results, log: ctx.log }),
      onBatch: async ({ done }) => {
        // Visible in BullMQ tooling; Postgres (scoring_rules.rescore_done) is the real record.
        await ctx.job.updateProgress(done).catch(() => undefined);
      },
    });
    ctx.log.info({ userId, version, ...result }, 'rescore finished');
    return result;
  });
}

export const rescoreAllHandler = createRescoreAllHandler();
