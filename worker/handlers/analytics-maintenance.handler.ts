import { ensureAnalyticsPartitions } from '#core/events/analytics-partitions.ts';
import { applyEventRetention } from '#core/sites/event-retention.ts';
import { defineHandler } from '../handler.ts';

/** `maintenance.partitions` (every 6 h): keeps the current month and the next three partitioned ahead. */
export const analyticsPartitionsHandler = defineHandler('analyticsPartitions', async (ctx) => {
  const created = await ensureAnalyticsPartitions(ctx.em, ctx.now());
  if (created.length) ctx.log.info({ created }, 'lead_analytics partitions created');
  return { created };
});

/** `maintenance.retention` (hourly): each site's event retention, whole partitions first. */
export const eventRetentionHandler = defineHandler('eventRetention', async (ctx) => {
  const result = await applyEventRetention({ em: ctx.em, config: ctx.config, now: ctx.now() });
  if (result.droppedPartitions.length || result.deletedEvents || result.deletedOrphanEvents || result.deletedKeys) ctx.log.info(result, 'event retention applied');
  return result;
});
