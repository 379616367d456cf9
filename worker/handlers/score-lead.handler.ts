import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishScoreChanges } from '#core/live/live-events.ts';
import { isLeadFlaggedForRescore, type ScoreLeadResult, scoreLead } from '#core/scoring/score-lead.ts';
import { defineHandler } from '../handler.ts';

/**
 * Scoring passes one job makes when new activity keeps flagging the lead while it runs. The
 * job id `score-<leadId>` is taken while this job is active, so an ingest that flags the lead
 * meanwhile cannot enqueue another: the job itself picks the flag up. Past the bound, the
 * sweeper (or the next ingest's job) finishes the work.
 */
export const MAX_SCORE_PASSES = 5;

/**
 * `leads.score`: claims the lead's `needs_rescore` flag and rescores it (score, band, breakdown,
 * and on crossing into hot the `lead.hot` message and auto reminder, all in one transaction).
 * A job whose flag was already taken by an earlier run does nothing.
 */
export const scoreLeadHandler = defineHandler('scoreLead', async (ctx, { leadId }) => {
  let last: ScoreLeadResult | null = null;
  let passes = 0;
  while (passes < MAX_SCORE_PASSES) {
    const result = await scoreLead({ em: ctx.em, leadId, now: ctx.now(), mode: 'activity', config: ctx.config });
    if (!result) break;
    passes++;
    last = result;
    if (result.hot) {
      // The lead.hot announcement (webhook deliveries, email alert) committed with the score: wake it.
      await enqueueAfterCommit(ctx.queues, result.hot.wakeups, ctx.log);
      ctx.log.info({ leadId, score: result.score, reminderId: result.hot.reminderId }, 'lead turned hot');
    }
    if (!(await isLeadFlaggedForRescore(ctx.em, leadId))) break;
  }
  if (last) {
    // After the commit, best-effort: the open admins see the new score (docs/live-updates.md).
    await publishScoreChanges({ em: ctx.em, publisher: ctx.live, results: [last], log: ctx.log });
  }
  return last ? { passes, score: last.score, band: last.band, previousBand: last.previousBand, becameHot: last.hot !== null } : { passes };
});
