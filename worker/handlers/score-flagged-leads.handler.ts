import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadsRescored } from '#core/live/live-events.ts';
import { scoreFlaggedLeads } from '#core/scoring/score-flagged-leads.ts';
import { defineHandler } from '../handler.ts';

/**
 * `leads.score-flagged` {userId}: scores the account's flagged leads in batches (a deleted site's
 * browsers), each batch committed before its wake-ups are sent — the `lead.hot` announcements of
 * leads whose pending activity took them into hot — and the open admins told once per batch whose
 * scores moved (`leads.rescored`), not once per lead.
 */
export const scoreFlaggedLeadsHandler = defineHandler('scoreFlaggedLeads', async (ctx, { userId }) => {
  const result = await scoreFlaggedLeads({
    em: ctx.em, userId, now: ctx.now, config: ctx.config,
    onBatch: async (results) => {
      await enqueueAfterCommit(ctx.queues, results.flatMap((r) => r.hot?.wakeups ?? []), ctx.log);
      await publishLeadsRescored({ em: ctx.em, publisher: ctx.live, results, log: ctx.log });
    },
  });
  ctx.log.info({ userId, ...result }, 'flagged leads scored');
  return result;
});
