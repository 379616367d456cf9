import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadsRescored } from '#core/live/live-events.ts';
import { refreshDecayedScores } from '#core/scoring/refresh-decayed-scores.ts';
import { defineHandler } from '../handler.ts';

/** `maintenance.refresh-scores` (scheduled hourly): recomputes decayed scores so `order by score` stays true. */
export const refreshScoresHandler = defineHandler('refreshScores', async (ctx) => {
  const result = await refreshDecayedScores({
    em: ctx.em, now: ctx.now, config: ctx.config, onWakeups: (wakeups) => enqueueAfterCommit(ctx.queues, wakeups, ctx.log),
    // The open admins reload when scores moved (decay lowers them): the list order stays true on screen too.
    onScored: (results) => publishLeadsRescored({ em: ctx.em, publisher: ctx.live, results, log: ctx.log }),
  });
  ctx.log.info(result, 'decayed scores refreshed');
  return result;
});
