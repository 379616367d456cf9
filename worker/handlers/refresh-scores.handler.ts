import { refreshDecayedScores } from '#core/scoring/refresh-decayed-scores.ts';
import { defineHandler } from '../handler.ts';

/** `maintenance.refresh-scores` (scheduled hourly): recomputes decayed scores so `order by score` stays true. */
export const refreshScoresHandler = defineHandler('refreshScores', async (ctx) => {
  const result = await refreshDecayedScores({ em: ctx.em, now: ctx.now });
  ctx.log.info(result, 'decayed scores refreshed');
  return result;
});
