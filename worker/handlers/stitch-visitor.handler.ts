import { STITCH_BATCH_SIZE, stitchVisitor } from '#core/events/stitch-visitor.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { defineHandler } from '../handler.ts';

/**
 * `leads.stitch`: attaches a visitor's anonymous events to the lead it was linked to (by an
 * inquiry or `identify`), in bounded batches, then wakes the scorer. Safe to run twice.
 */
export function createStitchVisitorHandler(opts: { /** Rows per update statement. Default STITCH_BATCH_SIZE (5000). */ batchSize?: number } = {}) {
  const batchSize = opts.batchSize ?? STITCH_BATCH_SIZE;
  return defineHandler('stitchVisitor', async (ctx, { siteId, visitorId }) => {
    const started = performance.now();
    const { wakeups, ...result } = await stitchVisitor({ em: ctx.em, siteId, visitorId, now: ctx.now(), batchSize });
    await enqueueAfterCommit(ctx.queues, wakeups, ctx.log);
    ctx.log.info({ ...result, siteId, ms: Math.round(performance.now() - started) }, 'visitor stitched');
    return result;
  });
}

export const stitchVisitorHandler = createStitchVisitorHandler();
