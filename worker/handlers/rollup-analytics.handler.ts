import { compactLeadBandCounts } from '#core/analytics/lead-band-counts.ts';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { defineHandler } from '../handler.ts';

/**
 * `analytics.rollup` (scheduled every few seconds): events received since the watermark →
 * analytics_daily + listings; then the band-count deltas appended since the last run are folded.
 */
export const rollupAnalyticsHandler = defineHandler('rollupAnalytics', async (ctx) => {
  const result = await rollupEvents({ em: ctx.em });
  if (!result.busy && (result.events > 0 || !result.caughtUp)) ctx.log.info(result, 'analytics rolled up');
  const bandDeltas = await compactLeadBandCounts({ em: ctx.em });
  return { ...result, bandDeltas };
});
