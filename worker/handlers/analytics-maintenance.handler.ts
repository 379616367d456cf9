import { ensureAnalyticsPartitions, PARTITION_MONTHS_AHEAD } from '#core/events/analytics-partitions.ts';
import { applyEventRetention } from '#core/sites/event-retention.ts';
import { defineHandler } from '../handler.ts';

/**
 * `maintenance.partitions` (every 6 h): keeps the current month and the next three partitioned
 * ahead. A month whose lock stayed taken (a long read of the table) is `deferred`, logged as a
 * warning, and created by a later run: three months ahead leave runs to spare.
 */
export const analyticsPartitionsHandler = defineHandler('analyticsPartitions', async (ctx) => {
  const { created, deferred } = await ensureAnalyticsPartitions(ctx.em, ctx.now(), PARTITION_MONTHS_AHEAD, { log: ctx.log });
  if (created.length) ctx.log.info({ created }, 'lead_analytics partitions created');
  return { created, deferred };
});

/** `maintenance.retention` (hourly): each site's event retention, whole partitions first. */
export const eventRetentionHandler = defineHandler('eventRetention', async (ctx) => {
  const result = await applyEventRetention({ em: ctx.em, config: ctx.config, now: ctx.now(), log: ctx.log });
  if (result.droppedPartitions.length || result.deletedEvents || result.deletedOrphanEvents || result.deletedKeys) ctx.log.info(result, 'event retention applied');
  return result;
});
