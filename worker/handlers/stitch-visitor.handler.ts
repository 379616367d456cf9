import { STITCH_BATCH_SIZE, stitchVisitor } from '#core/events/stitch-visitor.ts';
import { JOBS } from '#core/jobs/queues.ts';
import { enqueueRescore } from '#core/leads/mark-for-rescore.ts';
import type { JobHandler } from '../handler.ts';

/**
 * `leads.stitch`: attaches a visitor's anonymous events to the lead it was linked to (by an
 * inquiry or `identify`), in bounded batches, then wakes the scorer. Safe to run twice.
 */
export function createStitchVisitorHandler(opts: { /** Rows per update statement. Default STITCH_BATCH_SIZE (5000). */ batchSize?: number } = {}): JobHandler {
  const batchSize = opts.batchSize ?? STITCH_BATCH_SIZE;
  return async (ctx, payload) => {
    const { siteId, visitorId } = JOBS.stitchVisitor.payload.parse(payload);
    const started = performance.now();
    const result = await stitchVisitor({ em: ctx.em, siteId, visitorId, now: ctx.now(), batchSize });
    if (result.leadId && result.stitched > 0) {
      await enqueueRescore(ctx.queues, [result.leadId], (err) => ctx.log.warn({ err, leadId: result.leadId }, 'could not enqueue rescoring; the sweeper will'));
    }
    ctx.log.info({ ...result, siteId, ms: Math.round(performance.now() - started) }, 'visitor stitched');
    return result;
  };
}

export const stitchVisitorHandler = createStitchVisitorHandler();
