import { z } from 'zod';

/** Longest range one summary covers (a leap year). */
export const ANALYTICS_MAX_RANGE_DAYS = 366;
/** Range when none is given: the last 30 days, today included. */
export const ANALYTICS_DEFAULT_RANGE_DAYS = 30;
export const TOP_LISTINGS_LIMIT = 10;

/** Earliest and latest day a summary may name: a default `from` (30 days before `to`) and the exclusive end (`to` + 1 day) must stay dates Postgres takes (year 0 and year 10000 are not). */
export const ANALYTICS_MIN_DAY = '1970-01-01';
export const ANALYTICS_MAX_DAY = '9999-12-30';

const ZDay = z.iso
  .date('Use a date like 2026-03-15')
  .refine((d) => d >= ANALYTICS_MIN_DAY && d <= ANALYTICS_MAX_DAY, `Use a date from ${ANALYTICS_MIN_DAY} to ${ANALYTICS_MAX_DAY}`);

/** `GET /v1/analytics/summary?from&to&site`: UTC calendar days, both inclusive. */
export const ZAnalyticsQuery = z.strictObject({
  from: z.preprocess((v) => (v === '' ? undefined : v), ZDay.optional()),
  to: z.preprocess((v) => (v === '' ? undefined : v), ZDay.optional()),
  site: z.preprocess((v) => (v === '' ? undefined : v), z.uuid('Not a site id').optional()),
});
export type AnalyticsQuery = z.output<typeof ZAnalyticsQuery>;

export const ZAnalyticsSummary = z.object({
  from: z.string(),
  to: z.string(),
  site: z.uuid().nullable(),
  /** Per UTC day and event type; days without events are absent. */
  eventsPerDay: z.array(z.object({ day: z.string(), type: z.string(), count: z.number().int() })),
  /** Listings by page views of the listing, then inquiries about it, in the range. */
  topListings: z.array(z.object({ listingRef: z.string(), views: z.number().int(), inquiries: z.number().int() })),
  /** Visitors first seen in the range, how many of them became leads, and the ratio (0..1). */
  conversion: z.object({ visitors: z.number().int(), leads: z.number().int(), rate: z.number() }),
  /** Current leads per band (not range-bound: the dashboard's state now). */
  bands: z.object({ hot: z.number().int(), warm: z.number().int(), cold: z.number().int() }),
});
export type AnalyticsSummary = z.output<typeof ZAnalyticsSummary>;
