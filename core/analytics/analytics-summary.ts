import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { AppError, notFound } from '../errors.ts';
import { canonicalTimeZone, localDayBounds, toWallTime } from '../email/local-time.ts';
import { DAY_MS } from '../shared/time.ts';
import type { ScoreBand } from '../shared/enums.ts';
import { EVENTS_ROLLUP } from './rollup-events.ts';
import { ANALYTICS_DEFAULT_RANGE_DAYS, ANALYTICS_MAX_RANGE_DAYS, type AnalyticsQuery, type AnalyticsSummary, TOP_LISTINGS_LIMIT } from './analytics-schemas.ts';

function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A calendar date held as its UTC midnight (ms) → its fields. */
function dateParts(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The requested range: its first and last days (`from`, `to`, dates of `timeZone`, which is
 * `query.tz` or UTC) and the instants [start, end) from the first day's midnight there to the
 * day after the last one's; defaults and limits applied (400 naming the parameter).
 */
export function resolveRange(query: Pick<AnalyticsQuery, 'from' | 'to' | 'tz'>, now: Date): {
  from: string; to: string; start: Date; end: Date; timeZone: string;
  /** `timeZone` as Postgres's `at time zone` takes it (Intl's canonical name). */
  sqlTimeZone: string;
} {
  const timeZone = query.tz ?? 'UTC';
  const wall = toWallTime(now, timeZone);
  const today = Date.UTC(wall.year, wall.month - 1, wall.day);
  const toMs = query.to ? Date.parse(`${query.to}T00:00:00Z`) : today;
  const fromMs = query.from ? Date.parse(`${query.from}T00:00:00Z`) : toMs - (ANALYTICS_DEFAULT_RANGE_DAYS - 1) * DAY_MS;
  const invalid = (path: string, message: string) => new AppError('validation_failed', 'The request is not valid', [{ path, message }]);
  if (fromMs > toMs) throw invalid('from', 'from must not be after to');
  if ((toMs - fromMs) / DAY_MS + 1 > ANALYTICS_MAX_RANGE_DAYS) throw invalid('from', `At most ${ANALYTICS_MAX_RANGE_DAYS} days per summary`);
  return {
    from: dayString(fromMs), to: dayString(toMs), timeZone, sqlTimeZone: canonicalTimeZone(timeZone),
    start: localDayBounds(dateParts(fromMs), timeZone).start, end: localDayBounds(dateParts(toMs), timeZone).end,
  };
}

/**
 * The day (of `timeZone`) an hour row or an instant counts on: the date there at its start. The
 * rollups are keyed by UTC hours, so a zone with a whole-hour offset gets exact days; one with a
 * half-hour offset (India, Newfoundland) counts the first half hour after its midnight on the day
 * before.
 */
export function localDay(column: RawBuilder<unknown> | ReturnType<typeof sql.ref>, timeZone: string): RawBuilder<string> {
  return sql<string>`(${column} at time zone ${timeZone})::date`;
}

/**
 * The last UTC day whose listing views count (analytics_daily keeps UTC days, so top listings count
 * the whole UTC days `from`…this one): `to`, and for a range still running (its end after `now`)
 * the UTC date of `now` when that is later. West of UTC today's evening is already tomorrow in UTC;
 * that UTC day holds no event of a later local day yet, so the views of the evening count.
 */
export function lastListingDay(range: { to: string; end: Date }, now: Date): string {
  if (range.end.getTime() <= now.getTime()) return range.to;
  return dayString(Math.max(Date.parse(`${range.to}T00:00:00Z`), Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
}

/**
 * The whole ISO weeks (Monday to Sunday) inside a range of days: the first and last Monday, and the
 * Sunday ending the last. None: `first` is the day after `to` and `end` is `to` (all days are edges).
 */
export function wholeWeeks(range: { from: string; to: string }): { first: string; last: string; end: string } {
  const from = Date.parse(`${range.from}T00:00:00Z`);
  const to = Date.parse(`${range.to}T00:00:00Z`);
  const first = from + ((8 - new Date(from).getUTCDay()) % 7) * DAY_MS; // Monday on or after from
  const end = to - (new Date(to).getUTCDay() % 7) * DAY_MS; // Sunday on or before to
  if (end < first) return { first: dayString(to + DAY_MS), last: dayString(to), end: dayString(to) };
  return { first: dayString(first), last: dayString(end - 6 * DAY_MS), end: dayString(end) };
}

/**
 * `GET /v1/analytics/summary`: one user's (or one of their sites') activity over a range of days
 * of a time zone (`tz`, UTC by default), in ONE statement — one round trip and one snapshot, no
 * BEGIN/COMMIT: a rollup committing meanwhile cannot count a range twice, because the watermark
 * and the rows are read together.
 *
 * - Event counts: the rollups (`analytics_daily_totals` per type and UTC hour, grouped into the
 *   zone's days; `analytics_daily` per listing and UTC day; written by the `analytics.rollup` job) plus the events received after the rollup's
 *   watermark, counted raw through lead_analytics_received_index — exact and current.
 * - Top listings: page views per listing from analytics_listing_weeks for the range's whole weeks
 *   and analytics_daily for the days around them (index-only), whole UTC days up to
 *   `lastListingDay`, plus the raw tail; inquiries (exact instants) only for the
 *   listings that can still make the top (views ≥ the 10th's), probed per listing through
 *   inquiries_site_listing_created_index — all of the range's inquiries only when fewer than 10
 *   listings were viewed.
 * - Visitors → leads: visitor_daily_counts (kept by triggers on visitors). Bands: lead_band_counts.
 * - Another realtor's site (or an unknown id): 404.
 */
export async function getAnalyticsSummary({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: AnalyticsQuery; now: Date }): Promise<AnalyticsSummary> {
  const range = resolveRange(query, now);
  const { start, end, sqlTimeZone: tz } = range;
  const site = query.site ?? null;
  const ids = sql`(select ids from ids)::uuid[]`;
  const weeks = wholeWeeks(range);
  // The raw tail: events at or past the watermark read in this statement's snapshot (`wm`), so the
  // rollup rows and the tail never overlap. `lower` (the watermark read just before, never later
  // than the snapshot's unless the watermark was reset) is the same bound as a literal: it lets
  // the planner see how few rows lie past it and read them through the received_at index.
  // Read once (materialized), used by the events and the views: the partitions are planned once.
  const tail = (lower: string) => sql`select a.event_date, a.event_type, a.listing_ref from lead_analytics a where a.site_id = any(${ids})
    and a.received_at >= ${lower}::timestamptz and a.received_at >= (select watermark from wm)
    and a.event_date >= ${start} and a.event_date < ${end}`;
  const inRange = sql`i.created_at >= ${start} and i.created_at < ${end}`;
  // Inquiries added by hand without a site (all sites only): the lead names the realtor.
  const manual = site ? null : sql`select i.listing_ref, i.lead_id from inquiries i join leads l on l.lead_id = i.lead_id
    where i.site_id is null and ${ownedBy(tenant, 'l')} and ${inRange} and i.listing_ref is not null`;

  type Row = {
    ok: boolean;
    /** The snapshot's watermark is at or past `lower` (false only after a reset: read again). */
    tail_ok: boolean;
    events: { day: string; type: string; count: number }[] | null;
    listings: { listing_ref: string; views: number; inquiries: number; leads: number; listing_id: string | null; title: string | null; url: string | null }[] | null;
    visitors: string;
    leads: string;
    bands: { score_band: string; n: number }[] | null;
  };
  const read = (lower: string) => sql<Row>`
    with own as (
      select s.site_id from sites s where ${ownedBy(tenant, 's')}
    ), ids as (
      select coalesce(array_agg(site_id), '{}') as ids from own where ${site}::uuid is null or site_id = ${site}::uuid
    ), wm as (
      -- No state row (never expected after the migration): everything is raw.
      select coalesce((select watermark from analytics_rollup_state where name = ${EVENTS_ROLLUP}), '-infinity') as watermark
    ), tail as materialized (
      ${tail(lower)}
    ), events as (
      -- Per day of the range's time zone: the hours of the totals and the raw tail's events.
      select x.day, x.type, sum(x.n) as count from (
        select ${localDay(sql.ref('t.hour'), tz)} as day, t.event_type as type, t.events as n from analytics_daily_totals t
        where t.site_id = any(${ids}) and t.hour >= ${start} and t.hour < ${end}
        union all
        select ${localDay(sql.ref('a.event_date'), tz)}, a.event_type, 1 from tail a
      ) x group by 1, 2
    ), views as (
      select v.listing_ref, sum(v.n) as views from (
        -- The range's whole ISO weeks from analytics_listing_weeks, the days before and after them
        -- from analytics_daily (one event type's rows: index-only through analytics_daily_site_type_day_index).
        select w.listing_ref, w.views as n from analytics_listing_weeks w
        where w.site_id = any(${ids}) and w.week >= ${weeks.first}::date and w.week <= ${weeks.last}::date
        union all
        select d.listing_ref, d.events from analytics_daily d where d.site_id = any(${ids}) and d.event_type = 'page_view'
          and d.day >= ${range.from}::date and d.day < ${weeks.first}::date and d.listing_ref <> ''
        union all
        select d.listing_ref, d.events from analytics_daily d where d.site_id = any(${ids}) and d.event_type = 'page_view'
          and d.day > ${weeks.end}::date and d.day <= ${lastListingDay(range, now)}::date and d.listing_ref <> ''
        union all
        select a.listing_ref, 1 from tail a where a.event_type = 'page_view' and a.listing_ref is not null
      ) v group by v.listing_ref
    ), cut as (
      -- The 10th most viewed listing's views (0 when fewer are viewed). When above 0, a listing
      -- with fewer views — or none — cannot be in the top, so only the inquiries of listings
      -- with at least as many views are aggregated (ties at the cut stay candidates).
      select coalesce((select v.views from views v order by v.views desc offset ${TOP_LISTINGS_LIMIT - 1} limit 1), 0) as views
    ), candidates as (
      select v.listing_ref from views v, cut where cut.views > 0 and v.views >= cut.views
    ), asked as (
      -- Per (listing, lead) first, then per listing: two hash aggregates, where count(distinct) sorts.
      select p.listing_ref, sum(p.n) as inquiries, count(*) as leads from (
        select i.listing_ref, i.lead_id, count(*) as n from (
          -- A probe per candidate through inquiries_site_listing_created_index (offset 0: not flattened
          -- into a join that reads every inquiry of the range).
          select i.listing_ref, i.lead_id from candidates c
          cross join lateral (select i.listing_ref, i.lead_id from inquiries i
            where i.site_id = any(${ids}) and i.listing_ref = c.listing_ref and ${inRange} offset 0) i
          union all
          select i.listing_ref, i.lead_id from inquiries i, cut
          where cut.views = 0 and i.site_id = any(${ids}) and ${inRange} and i.listing_ref is not null
          ${manual ? sql`union all
          select m.listing_ref, m.lead_id from (${manual}) m, cut where cut.views = 0 or m.listing_ref in (select listing_ref from candidates)` : sql``}
        ) i group by 1, 2
      ) p group by 1
    ), top as (
      select coalesce(v.listing_ref, q.listing_ref) as listing_ref, coalesce(v.views, 0) as views, coalesce(q.inquiries, 0) as inquiries, coalesce(q.leads, 0) as leads
      from views v full outer join asked q on q.listing_ref = v.listing_ref
      order by 2 desc, 3 desc, 1 limit ${TOP_LISTINGS_LIMIT}
    )
    select ${site}::uuid is null or exists (select 1 from own where site_id = ${site}::uuid) as ok,
      (select watermark from wm) >= ${lower}::timestamptz as tail_ok,
      (select json_agg(json_build_object('day', to_char(e.day, 'YYYY-MM-DD'), 'type', e.type, 'count', e.count) order by e.day, e.type) from events e) as events,
      (select json_agg(json_build_object('listing_ref', t.listing_ref, 'views', t.views, 'inquiries', t.inquiries, 'leads', t.leads,
          'listing_id', l.listing_id, 'title', l.title, 'url', l.url) order by t.views desc, t.inquiries desc, t.listing_ref)
        from top t
        left join lateral (select listing_id, title, url from listings where site_id = any(${ids}) and listing_ref = t.listing_ref order by last_seen_at desc limit 1) l on true) as listings,
      v.visitors::text, v.leads::text,
      (select json_agg(json_build_object('score_band', b.score_band, 'n', b.n)) from (
        select c.score_band, sum(c.n) as n from lead_band_counts c where ${ownedBy(tenant, 'c')} ${site ? sql`and c.site_id = ${site}::uuid` : sql``} group by 1
      ) b) as bands
    from (select coalesce(sum(c.visitors), 0) as visitors, coalesce(sum(c.leads), 0) as leads from visitor_daily_counts c
      where c.site_id = any(${ids}) and c.hour >= ${start} and c.hour < ${end}) v`.execute(db(em));
  const state = await sql<{ watermark: string }>`select watermark from analytics_rollup_state where name = ${EVENTS_ROLLUP}`.execute(db(em));
  let r = (await read(state.rows[0]?.watermark ?? '-infinity')).rows[0];
  if (!r.tail_ok) r = (await read('-infinity')).rows[0];
  if (!r.ok) throw notFound('Site');
  const bands = { hot: 0, warm: 0, cold: 0 };
  for (const b of r.bands ?? []) if (b.score_band in bands) bands[b.score_band as ScoreBand] = pgCount(b.n);
  const visitors = pgCount(r.visitors);
  const leads = pgCount(r.leads);
  return {
    from: range.from,
    to: range.to,
    site,
    timeZone: range.timeZone,
    eventsPerDay: (r.events ?? []).map((e) => ({ day: e.day, type: e.type, count: pgCount(e.count) })),
    topListings: (r.listings ?? []).map((l) => ({
      listingRef: l.listing_ref, listingId: l.listing_id, title: l.title, url: l.url, views: pgCount(l.views), inquiries: pgCount(l.inquiries), leads: pgCount(l.leads),
    })),
    conversion: { visitors, leads, rate: visitors ? Math.round((leads / visitors) * 10_000) / 10_000 : 0 },
    bands,
  };
}
