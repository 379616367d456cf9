import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { AppError } from '../errors.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { DAY_MS } from '../shared/time.ts';
import { countLeadsPerBand } from './lead-band-counts.ts';
import { EVENTS_ROLLUP } from './rollup-events.ts';
import { ANALYTICS_DEFAULT_RANGE_DAYS, ANALYTICS_MAX_RANGE_DAYS, type AnalyticsQuery, type AnalyticsSummary, TOP_LISTINGS_LIMIT } from './analytics-schemas.ts';

function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The requested range as [start, end) instants; defaults and limits applied (400 naming the parameter). */
export function resolveRange(query: Pick<AnalyticsQuery, 'from' | 'to'>, now: Date): { from: string; to: string; start: Date; end: Date } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const toMs = query.to ? Date.parse(`${query.to}T00:00:00Z`) : today;
  const fromMs = query.from ? Date.parse(`${query.from}T00:00:00Z`) : toMs - (ANALYTICS_DEFAULT_RANGE_DAYS - 1) * DAY_MS;
  const invalid = (path: string, message: string) => new AppError('validation_failed', 'The request is not valid', [{ path, message }]);
  if (fromMs > toMs) throw invalid('from', 'from must not be after to');
  if ((toMs - fromMs) / DAY_MS + 1 > ANALYTICS_MAX_RANGE_DAYS) throw invalid('from', `At most ${ANALYTICS_MAX_RANGE_DAYS} days per summary`);
  return { from: dayString(fromMs), to: dayString(toMs), start: new Date(fromMs), end: new Date(toMs + DAY_MS) };
}

/** The sites a query covers: the one asked for (checked: 404 if not the tenant's) or all of the tenant's. */
export async function resolveSiteIds({ em, tenant, site }: { em: EntityManager; tenant: Tenant; site: string | undefined }): Promise<string[]> {
  if (site) {
    await assertOwnSite({ em, tenant, siteId: site });
    return [site];
  }
  return (await db(em).selectFrom('sites').select('site_id').where(ownedBy(tenant)).execute()).map((r) => r.site_id);
}

/**
 * The tenant's inquiries received in [start, end), as a subquery with the inquiries' columns:
 * those of the given sites through inquiries_site_created_index, plus — for all sites — those
 * added by hand without a site, through inquiries_manual_created_index and the lead's owner.
 */
export function scopedInquiries({ tenant, siteIds, site, start, end }: { tenant: Tenant; siteIds: string[]; site: string | undefined; start: Date; end: Date }) {
  const bySite = sql`select i.inquiry_id, i.lead_id, i.site_id, i.source, i.listing_ref, i.created_at from inquiries i
    where i.site_id = any(${siteIds}::uuid[]) and i.created_at >= ${start} and i.created_at < ${end}`;
  if (site) return bySite;
  return sql`${bySite} union all
    select i.inquiry_id, i.lead_id, i.site_id, i.source, i.listing_ref, i.created_at from inquiries i join leads l on l.lead_id = i.lead_id
    where i.site_id is null and ${ownedBy(tenant, 'l')} and i.created_at >= ${start} and i.created_at < ${end}`;
}

/**
 * `GET /v1/analytics/summary`: one user's (or one of their sites') activity over a range of UTC
 * days. Event counts come from the daily rollups (`analytics_daily_totals` per type,
 * `analytics_daily` per listing; written by the
 * `analytics.rollup` job) plus the events received after the rollup's watermark, counted raw
 * through lead_analytics_received_index — so the figures are exact and current. Both are read in
 * one repeatable-read snapshot: a rollup committing in between cannot count a range twice.
 * Inquiries come through inquiries_site_created_index; visitors through
 * visitors_site_first_seen_lead_index (index-only); bands from lead_band_counts (lead-band-counts.ts).
 */
export async function getAnalyticsSummary({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: AnalyticsQuery; now: Date }): Promise<AnalyticsSummary> {
  const range = resolveRange(query, now);
  const siteIds = await resolveSiteIds({ em, tenant, site: query.site });
  const { start, end } = range;
  return em.transactional(async (tem) => {
    const q = db(tem);
    const state = await sql<{ watermark: string }>`select watermark from analytics_rollup_state where name = ${EVENTS_ROLLUP}`.execute(q);
    // No state row (never expected after the migration): everything is raw.
    const watermark = state.rows[0]?.watermark ?? '-infinity';
    const tail = sql`from lead_analytics a where a.site_id = any(${siteIds}::uuid[]) and a.received_at >= ${watermark}::timestamptz
      and a.event_date >= ${start} and a.event_date < ${end}`;
    // One event type's rows of the range: index-only through analytics_daily_site_type_day_index.
    const rolledViews = sql`from analytics_daily d where d.site_id = any(${siteIds}::uuid[]) and d.event_type = 'page_view'
      and d.day >= ${range.from}::date and d.day <= ${range.to}::date`;

    const events = await sql<{ day: string; type: string; count: string }>`
      select to_char(x.day, 'YYYY-MM-DD') as day, x.type, sum(x.n) as count from (
        select t.day, t.event_type as type, t.events as n from analytics_daily_totals t
        where t.site_id = any(${siteIds}::uuid[]) and t.day >= ${range.from}::date and t.day <= ${range.to}::date
        union all
        select (a.event_date at time zone 'UTC')::date, a.event_type, 1 ${tail}
      ) x group by 1, 2 order by 1, 2`.execute(q);

    const listings = await sql<{ listing_ref: string; views: string; inquiries: string; leads: string; listing_id: string | null; title: string | null; url: string | null }>`
      with views as (
        select v.listing_ref, sum(v.n) as views from (
          select d.listing_ref, d.events as n ${rolledViews} and d.listing_ref <> ''
          union all
          select a.listing_ref, 1 ${tail} and a.event_type = 'page_view' and a.listing_ref is not null
        ) v group by v.listing_ref
      ), cut as (
        -- The 10th most viewed listing's views (0 when fewer are viewed). When above 0, a listing
        -- with fewer views — or none — cannot be in the top, so only the inquiries of listings
        -- with at least as many views are aggregated (ties at the cut stay candidates).
        select coalesce((select v.views from views v order by v.views desc offset ${TOP_LISTINGS_LIMIT - 1} limit 1), 0) as views
      ), asked as (
        -- Per (listing, lead) first, then per listing: two hash aggregates, where count(distinct) sorts.
        select p.listing_ref, sum(p.n) as inquiries, count(*) as leads from (
          select i.listing_ref, i.lead_id, count(*) as n
          from (${scopedInquiries({ tenant, siteIds, site: query.site, start, end })}) i
          where i.listing_ref is not null
            and ((select views from cut) = 0 or i.listing_ref in (select v.listing_ref from views v where v.views >= (select views from cut)))
          group by 1, 2
        ) p group by 1
      ), top as (
        select coalesce(v.listing_ref, q.listing_ref) as listing_ref, coalesce(v.views, 0) as views, coalesce(q.inquiries, 0) as inquiries, coalesce(q.leads, 0) as leads
        from views v full outer join asked q on q.listing_ref = v.listing_ref
        order by 2 desc, 3 desc, 1 limit ${TOP_LISTINGS_LIMIT}
      )
      select t.*, l.listing_id, l.title, l.url from top t
      left join lateral (select listing_id, title, url from listings where site_id = any(${siteIds}::uuid[]) and listing_ref = t.listing_ref order by last_seen_at desc limit 1) l on true
      order by t.views desc, t.inquiries desc, t.listing_ref`.execute(q);

    const conversion = await q
      .selectFrom('visitors')
      .select((eb) => [eb.fn.countAll<string>().as('visitors'), eb.fn.count<string>('lead_id').as('leads')])
      .where('site_id', '=', sql<string>`any(${siteIds}::uuid[])`)
      .where('first_seen_at', '>=', start.toISOString())
      .where('first_seen_at', '<', end.toISOString())
      .executeTakeFirst();

    const bands = await countLeadsPerBand({ em: tem, tenant, site: query.site });

    const visitors = pgCount(conversion?.visitors);
    const leads = pgCount(conversion?.leads);
    return {
      from: range.from,
      to: range.to,
      site: query.site ?? null,
      eventsPerDay: events.rows.map((e) => ({ day: e.day, type: e.type, count: pgCount(e.count) })),
      topListings: listings.rows.map((l) => ({
        listingRef: l.listing_ref, listingId: l.listing_id, title: l.title, url: l.url, views: pgCount(l.views), inquiries: pgCount(l.inquiries), leads: pgCount(l.leads),
      })),
      conversion: { visitors, leads, rate: visitors ? Math.round((leads / visitors) * 10_000) / 10_000 : 0 },
      bands,
    };
  }, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
}
