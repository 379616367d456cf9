import { z } from 'zod';
import { ZTimeZone } from '../email/local-time.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';

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

/**
 * `GET /v1/analytics/summary?from&to&site&tz` (and `/v1/analytics/leads`): calendar days of the
 * time zone `tz` (an IANA name; UTC when absent), both inclusive; `to` defaults to today there.
 */
export const ZAnalyticsQuery = z.strictObject({
  from: z.preprocess(emptyToUndefined, ZDay.optional()),
  to: z.preprocess(emptyToUndefined, ZDay.optional()),
  site: z.preprocess(emptyToUndefined, z.uuid('Not a site id').optional()),
  tz: z.preprocess(emptyToUndefined, ZTimeZone.optional()),
});
export type AnalyticsQuery = z.output<typeof ZAnalyticsQuery>;

export const ZAnalyticsSummary = z.object({
  from: z.string(),
  to: z.string(),
  site: z.uuid().nullable(),
  /** The time zone whose days these are (`tz`, else UTC). */
  timeZone: z.string(),
  /** Per day (of `timeZone`) and event type; days without events are absent. */
  eventsPerDay: z.array(z.object({ day: z.string(), type: z.string(), count: z.number().int() })),
  /** Listings by page views of the listing, then inquiries about it, in the range. */
  topListings: z.array(z.object({
    listingRef: z.string(),
    /** The `listings` row (title, page, photo captured by the tracker), when the site has reported it. */
    listingId: z.uuid().nullable(),
    title: z.string().nullable(),
    url: z.string().nullable(),
    views: z.number().int(),
    inquiries: z.number().int(),
    /** Distinct leads who sent those inquiries. */
    leads: z.number().int(),
  })),
  /** Visitors first seen in the range, how many of them became leads, and the ratio (0..1). */
  conversion: z.object({ visitors: z.number().int(), leads: z.number().int(), rate: z.number() }),
  /** Current leads per band (not range-bound: the dashboard's state now). */
  bands: z.object({ hot: z.number().int(), warm: z.number().int(), cold: z.number().int() }),
});
export type AnalyticsSummary = z.output<typeof ZAnalyticsSummary>;

/** One day of speed-to-lead: leads whose first inquiry fell on that day. */
const ZSpeedToLead = z.object({
  /** Leads whose first inquiry (ever) was in the range / on the day. */
  leads: z.number().int(),
  /** Of those, leads with a logged contact (`first_contacted_at`). */
  contacted: z.number().int(),
  /** Median seconds from the first inquiry to the first logged contact, over contacted leads; null when none. */
  medianSeconds: z.number().nullable(),
  /** Share (0..1) of `leads` contacted within 5 minutes / within 1 hour of the first inquiry; null when no leads. */
  within5m: z.number().nullable(),
  within1h: z.number().nullable(),
});

/** `GET /v1/analytics/leads?from&to&site`: what happened to the people, not the page views. */
export const ZLeadAnalytics = z.object({
  from: z.string(),
  to: z.string(),
  site: z.uuid().nullable(),
  /** The time zone whose days these are (`tz`, else UTC). */
  timeZone: z.string(),
  /** Per day (of `timeZone`) with activity: leads created, inquiries received, and speed-to-lead of the day's first inquiries. */
  perDay: z.array(z.object({ day: z.string(), leads: z.number().int(), inquiries: z.number().int(), speed: ZSpeedToLead })),
  /** The whole range. */
  speed: ZSpeedToLead,
  /** Leads created and inquiries received per site (siteId null: added by hand, no site). */
  perSite: z.array(z.object({ siteId: z.uuid().nullable(), name: z.string().nullable(), leads: z.number().int(), inquiries: z.number().int() })),
  /** Inquiries per source (widget form, added by hand, API). */
  perSource: z.array(z.object({ source: z.string(), inquiries: z.number().int() })),
  /**
   * Leads created in the range and how far they got: visitors first seen in the range → leads →
   * contacted (a logged contact) → appointment (stage `appointment_set` or later, not lost, or a
   * logged meeting/showing) → closed (a stage whose outcome is `won`).
   */
  funnel: z.object({ visitors: z.number().int(), leads: z.number().int(), contacted: z.number().int(), appointment: z.number().int(), closed: z.number().int() }),
});
export type LeadAnalytics = z.output<typeof ZLeadAnalytics>;
export type SpeedToLead = z.output<typeof ZSpeedToLead>;
