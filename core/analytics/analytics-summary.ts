import type { EntityManager } from '@mikro-orm/postgresql';
import type { Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import { AppError } from '../errors.ts';
import { assertOwnSite } from '../leads/leads.ts';
import { pgCount } from '../leads/pg-values.ts';
import { uuidArrayLiteral } from '../scoring/load-scoring-inputs.ts';
import { DAY_MS } from '../shared/time.ts';
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

/**
 * `GET /v1/analytics/summary`: one user's (or one of their sites') activity over a range of UTC
 * days. Events are read per site through lead_analytics_site_date_index (site_id, event_date);
 * inquiries through the user's leads; visitors through visitors_site_first_seen_index.
 */
export async function getAnalyticsSummary({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: AnalyticsQuery; now: Date }): Promise<AnalyticsSummary> {
  const range = resolveRange(query, now);
  if (query.site) await assertOwnSite(em, tenant, query.site);
  const siteIds = query.site
    ? [query.site]
    : (await execRaw<{ site_id: string }>(em, 'select site_id from sites where user_id = ?', [tenant.userId], 'all')).map((r) => r.site_id);
  const sites = uuidArrayLiteral(siteIds);
  const { start, end } = range;

  const events = await execRaw<{ day: string; type: string; count: string }>(
    em,
    `select to_char(a.event_date at time zone 'UTC', 'YYYY-MM-DD') as day, a.event_type as type, count(*) as count
     from lead_analytics a
     where a.site_id = any(?::uuid[]) and a.event_date >= ? and a.event_date < ?
     group by 1, 2 order by 1, 2`,
    [sites, start, end],
    'all',
  );

  const inquiryScope = query.site ? 'and i.site_id = ?' : '';
  const listings = await execRaw<{ listing_ref: string; views: string; inquiries: string }>(
    em,
    `with views as (
       select a.listing_ref, count(*) as views from lead_analytics a
       where a.site_id = any(?::uuid[]) and a.event_date >= ? and a.event_date < ? and a.event_type = 'page_view' and a.listing_ref is not null
       group by a.listing_ref
     ), asked as (
       select i.listing_ref, count(*) as inquiries from inquiries i join leads l on l.lead_id = i.lead_id
       where l.user_id = ? ${inquiryScope} and i.created_at >= ? and i.created_at < ? and i.listing_ref is not null
       group by i.listing_ref
     )
     select coalesce(v.listing_ref, q.listing_ref) as listing_ref, coalesce(v.views, 0) as views, coalesce(q.inquiries, 0) as inquiries
     from views v full outer join asked q on q.listing_ref = v.listing_ref
     order by 2 desc, 3 desc, 1 limit ?`,
    [sites, start, end, tenant.userId, ...(query.site ? [query.site] : []), start, end, TOP_LISTINGS_LIMIT],
    'all',
  );

  const conversion = await execRaw<{ visitors: string; leads: string }>(
    em,
    `select count(*) as visitors, count(lead_id) as leads from visitors
     where site_id = any(?::uuid[]) and first_seen_at >= ? and first_seen_at < ?`,
    [sites, start, end],
    'get',
  );

  const bandRows = await execRaw<{ score_band: 'hot' | 'warm' | 'cold'; n: string }>(
    em,
    `select score_band, count(*) as n from leads where user_id = ?${query.site ? ' and site_id = ?' : ''} group by score_band`,
    query.site ? [tenant.userId, query.site] : [tenant.userId],
    'all',
  );
  const bands = { hot: 0, warm: 0, cold: 0 };
  for (const r of bandRows) bands[r.score_band] = pgCount(r.n);

  const visitors = pgCount(conversion?.visitors);
  const leads = pgCount(conversion?.leads);
  return {
    from: range.from,
    to: range.to,
    site: query.site ?? null,
    eventsPerDay: events.map((e) => ({ day: e.day, type: e.type, count: pgCount(e.count) })),
    topListings: listings.map((l) => ({ listingRef: l.listing_ref, views: pgCount(l.views), inquiries: pgCount(l.inquiries) })),
    conversion: { visitors, leads, rate: visitors ? Math.round((leads / visitors) * 10_000) / 10_000 : 0 },
    bands,
  };
}
