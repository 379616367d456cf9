import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { recordDigests } from '#core/notifications/record-digests.ts';
import { defineHandler } from '../handler.ts';

/** `maintenance.digests` (every 15 min): write today's digest for users whose digest hour has come. */
export const sendDigestsHandler = defineHandler('sendDigests', async (ctx) => {
  const wakeups = await ctx.em.transactional((tem) => recordDigests({ em: tem, now: ctx.now() }));
  await enqueueAfterCommit(ctx.queues, wakeups, ctx.log);
  if (wakeups.length) ctx.log.info({ digests: wakeups.length }, 'digests written');
  return { digests: wakeups.length };
});
