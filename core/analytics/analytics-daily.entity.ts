import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { ownerColumn } from '../accounts/owner-column.ts';
import { SiteSchema } from '../sites/site.entity.ts';

/**
 * Daily rollup of `lead_analytics`: how many events of one type a site received on one UTC day
 * (by `event_date`), per listing (`listing_ref`, '' for events without one). Written only by the
 * `analytics.rollup` job (core/analytics/rollup-events.ts), which adds the events received since
 * its watermark; the summary reads these rows plus the raw events received after the watermark.
 */
export const AnalyticsDailySchema = defineEntity({
  name: 'AnalyticsDaily',
  tableName: 'analytics_daily',
  properties: {
    site: () => p.manyToOne(SiteSchema).primary().deleteRule('cascade'),
    day: p.date().primary(),
    eventType: p.string().length(50).primary(),
    /** '' when the events name no listing (a primary key column cannot be null). */
    listingRef: p.string().length(200).primary(),
    user: ownerColumn(),
    events: p.bigint('number'),
  },
  primaryKeys: ['site', 'day', 'eventType', 'listingRef'],
  indexes: [
    { name: 'analytics_daily_user_day_index', properties: ['user', 'day'] },
    // Per-listing figures (GET /v1/listings): one listing's days.
    { name: 'analytics_daily_listing_index', properties: ['site', 'listingRef', 'day'] },
    // Top listings of a range (the summary): one type's rows of the range, index-only.
    { name: 'analytics_daily_site_type_day_index', expression: 'create index "analytics_daily_site_type_day_index" on "analytics_daily" ("site_id", "event_type", "day") include ("listing_ref", "events")' },
  ],
});
export type AnalyticsDaily = InferEntity<typeof AnalyticsDailySchema>;

/**
 * `analytics_daily` without the listing, per UTC hour: events per site, hour (`date_trunc('hour',
 * event_date, 'UTC')`) and type — so the events-per-day chart counts the days of the reader's time
 * zone (a month is a few thousand rows per site whatever the listing count). Written by the same
 * job in the same transaction. Rows from before hours (Migration20261203140000) hold a whole UTC
 * day at its 12:00: the same date in every zone from UTC−11 to UTC+11.
 */
export const AnalyticsDailyTotalSchema = defineEntity({
  name: 'AnalyticsDailyTotal',
  tableName: 'analytics_daily_totals',
  properties: {
    site: () => p.manyToOne(SiteSchema).primary().deleteRule('cascade'),
    hour: p.datetime().primary(),
    eventType: p.string().length(50).primary(),
    user: ownerColumn(),
    events: p.bigint('number'),
  },
  primaryKeys: ['site', 'hour', 'eventType'],
  indexes: [{ name: 'analytics_daily_totals_user_hour_index', properties: ['user', 'hour'] }],
});
export type AnalyticsDailyTotal = InferEntity<typeof AnalyticsDailyTotalSchema>;

/**
 * Page views per listing and ISO week (Monday, UTC): `analytics_daily`'s page-view rows summed
 * per week, written by the same job in the same transaction. The summary's top listings read the
 * range's whole weeks here and only the days at its edges from analytics_daily: a 30-day range
 * costs about 4 week rows and a few day rows per listing instead of 30.
 */
export const AnalyticsListingWeekSchema = defineEntity({
  name: 'AnalyticsListingWeek',
  tableName: 'analytics_listing_weeks',
  properties: {
    site: () => p.manyToOne(SiteSchema).primary().deleteRule('cascade'),
    week: p.date().primary(),
    listingRef: p.string().length(200).primary(),
    user: ownerColumn(),
    views: p.bigint('number'),
  },
  primaryKeys: ['site', 'week', 'listingRef'],
  indexes: [
    { name: 'analytics_listing_weeks_site_week_index', expression: 'create index "analytics_listing_weeks_site_week_index" on "analytics_listing_weeks" ("site_id", "week") include ("listing_ref", "views")' },
    // For the foreign key's cascade when an account is deleted (Migration20261201113000).
    { name: 'analytics_listing_weeks_user_id_index', properties: ['user'] },
  ],
});
export type AnalyticsListingWeek = InferEntity<typeof AnalyticsListingWeekSchema>;

/**
 * Where the rollup job stands: every event with `received_at < watermark` is counted in
 * `analytics_daily`; later ones are read raw. One row per rollup (`name`), locked by each run.
 */
export const AnalyticsRollupStateSchema = defineEntity({
  name: 'AnalyticsRollupState',
  tableName: 'analytics_rollup_state',
  properties: {
    name: p.string().length(40).primary(),
    watermark: p.datetime(),
    updatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type AnalyticsRollupState = InferEntity<typeof AnalyticsRollupStateSchema>;
