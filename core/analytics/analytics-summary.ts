import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { AppError } from '../errors.ts';
import { assertOwnSite } from '../sites/sites.ts';
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
  if (query.site) await assertOwnSite({ em, tenant, siteId: query.site });
  const q = db(em);
  const siteIds = query.site
    ? [query.site]
    : (await q.selectFrom('sites').select('site_id').where(ownedBy(tenant)).execute()).map((r) => r.site_id);
  const { start, end } = range;

  const day = sql<string>`to_char(event_date at time zone 'UTC', 'YYYY-MM-DD')`;
  const events = await q
    .selectFrom('lead_analytics')
    .select([day.as('day'), 'event_type as type', (eb) => eb.fn.countAll<string>().as('count')])
    .where('site_id', '=', sql<string>`any(${siteIds}::uuid[])`)
    .where('event_date', '>=', start.toISOString())
    .where('event_date', '<', end.toISOString())
    .groupBy([sql`1`, sql`2`])
    .orderBy(sql`1`)
    .orderBy(sql`2`)
    .execute();

  const listings = await sql<{ listing_ref: string; views: string; inquiries: string }>`
    with views as (
      select a.listing_ref, count(*) as views from lead_analytics a
      where a.site_id = any(${siteIds}::uuid[]) and a.event_date >= ${start} and a.event_date < ${end} and a.event_type = 'page_view' and a.listing_ref is not null
      group by a.listing_ref
    ), asked as (
      select i.listing_ref, count(*) as inquiries from inquiries i join leads l on l.lead_id = i.lead_id
      where ${ownedBy(tenant, 'l')} ${query.site ? sql`and i.site_id = ${query.site}` : sql``} and i.created_at >= ${start} and i.created_at < ${end} and i.listing_ref is not null
      group by i.listing_ref
    )
    select coalesce(v.listing_ref, q.listing_ref) as listing_ref, coalesce(v.views, 0) as views, coalesce(q.inquiries, 0) as inquiries
    from views v full outer join asked q on q.listing_ref = v.listing_ref
    order by 2 desc, 3 desc, 1 limit ${TOP_LISTINGS_LIMIT}`.execute(q);

  const conversion = await q
    .selectFrom('visitors')
    .select((eb) => [eb.fn.countAll<string>().as('visitors'), eb.fn.count<string>('lead_id').as('leads')])
    .where('site_id', '=', sql<string>`any(${siteIds}::uuid[])`)
    .where('first_seen_at', '>=', start.toISOString())
    .where('first_seen_at', '<', end.toISOString())
    .executeTakeFirst();

  let bandQuery = q.selectFrom('leads').select(['score_band', (eb) => eb.fn.countAll<string>().as('n')]).where(ownedBy(tenant)).groupBy('score_band');
  if (query.site) bandQuery = bandQuery.where('site_id', '=', query.site);
  const bandRows = await bandQuery.execute();
  const bands = { hot: 0, warm: 0, cold: 0 };
  for (const r of bandRows) bands[r.score_band] = pgCount(r.n);

  const visitors = pgCount(conversion?.visitors);
  const leads = pgCount(conversion?.leads);
  return {
    from: range.from,
    to: range.to,
    site: query.site ?? null,
    eventsPerDay: events.map((e) => ({ day: e.day, type: e.type, count: pgCount(e.count) })),
    topListings: listings.rows.map((l) => ({ listingRef: l.listing_ref, views: pgCount(l.views), inquiries: pgCount(l.inquiries) })),
    conversion: { visitors, leads, rate: visitors ? Math.round((leads / visitors) * 10_000) / 10_000 : 0 },
    bands,
  };
}
