import { compactLeadBandCounts } from '#core/analytics/lead-band-counts.ts';
import { compactLeadDailyCounts } from '#core/analytics/lead-daily-counts.ts';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { defineHandler } from '../handler.ts';

/**
 * `analytics.rollup` (scheduled every few seconds): events received since the watermark →
 * analytics_daily + listings; then the delta rows appended since the last run to lead_band_counts
 * and the daily lead / speed-to-lead / inquiry counts are folded.
 */
export const rollupAnalyticsHandler = defineHandler('rollupAnalytics', async (ctx) => {
  const result = await rollupEvents({ em: ctx.em });
  if (!result.busy && (result.events > 0 || !result.caughtUp)) ctx.log.info(result, 'analytics rolled up');
  const bandDeltas = await compactLeadBandCounts({ em: ctx.em });
  const dailyDeltas = await compactLeadDailyCounts({ em: ctx.em });
  return { ...result, bandDeltas, dailyDeltas };
});
