import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { resolveRange } from '../analytics/analytics-summary.ts';
import { EVENTS_ROLLUP } from '../analytics/rollup-events.ts';
import { db } from '../db/kysely.ts';
import { cursorScope, decodeCursor, encodeCursor, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { pgCount, pgTimeToIsoStrict } from '../db/pg-values.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { z } from 'zod';
import type { ListingsPage, ListListingsQuery } from './listing-schemas.ts';

const ZListingCursor = z.tuple([ZTimeKey, ZUuidKey]);

/**
 * `GET /v1/listings`: the listings the tracker reported on the tenant's sites (or one site, 404 if
 * not theirs), most recently seen first (keyset on last_seen_at, listing_id), each with its page
 * views (daily rollups + the raw tail after the watermark, one snapshot) and the inquiries naming
 * it, and their distinct leads, over the range.
 */
export async function listListings({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: ListListingsQuery; now: Date }): Promise<ListingsPage> {
  const range = resolveRange(query, now);
  if (query.siteId) await assertOwnSite({ em, tenant, siteId: query.siteId });
  const scope = cursorScope('listings', query.siteId);
  const after = query.cursor ? decodeCursor(query.cursor, ZListingCursor, scope) : null;
  return em.transactional(async (tem) => {
    const q = db(tem);
    const page = await sql<{ listing_id: string; site_id: string; listing_ref: string; title: string | null; url: string | null; image_url: string | null; first_seen_at: string; last_seen_at: string; k: string }>`
      select l.listing_id, l.site_id, l.listing_ref, l.title, l.url, l.image_url, l.first_seen_at, l.last_seen_at,
        to_char(l.last_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k
      from listings l where ${ownedBy(tenant, 'l')} ${query.siteId ? sql`and l.site_id = ${query.siteId}` : sql``}
      ${after ? sql`and (l.last_seen_at, l.listing_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
      order by l.last_seen_at desc, l.listing_id desc limit ${query.limit + 1}`.execute(q);
    const more = page.rows.length > query.limit;
    const rows = page.rows.slice(0, query.limit);
    if (!rows.length) return { from: range.from, to: range.to, items: [], nextCursor: null };

    const sites = rows.map((r) => r.site_id);
    const refs = rows.map((r) => r.listing_ref);
    const state = await sql<{ watermark: string }>`select watermark from analytics_rollup_state where name = ${EVENTS_ROLLUP}`.execute(q);
    const watermark = state.rows[0]?.watermark ?? '-infinity';
    const views = await sql<{ site_id: string; listing_ref: string; n: string }>`
      with keys as (select * from unnest(${sites}::uuid[], ${refs}::text[]) as k(site_id, listing_ref))
      select v.site_id, v.listing_ref, sum(v.n) as n from (
        select d.site_id, d.listing_ref, d.events as n from analytics_daily d join keys k on k.site_id = d.site_id and k.listing_ref = d.listing_ref
        where d.event_type = 'page_view' and d.day >= ${range.from}::date and d.day <= ${range.to}::date
        union all
        select a.site_id, a.listing_ref, 1 from lead_analytics a join keys k on k.site_id = a.site_id and k.listing_ref = a.listing_ref
        where a.received_at >= ${watermark}::timestamptz and a.event_type = 'page_view' and a.event_date >= ${range.start} and a.event_date < ${range.end}
      ) v group by 1, 2`.execute(q);
    const asked = await sql<{ site_id: string; listing_ref: string; inquiries: string; leads: string }>`
      select i.site_id, i.listing_ref, count(*) as inquiries, count(distinct i.lead_id) as leads from inquiries i
      where i.site_id = any(${[...new Set(sites)]}::uuid[]) and i.listing_ref = any(${refs}::text[]) and i.created_at >= ${range.start} and i.created_at < ${range.end}
      group by 1, 2`.execute(q);
    const key = (site: string, ref: string) => `${site} ${ref}`;
    const viewsOf = new Map(views.rows.map((v) => [key(v.site_id, v.listing_ref), pgCount(v.n)]));
    const askedOf = new Map(asked.rows.map((a) => [key(a.site_id, a.listing_ref), a]));
    const last = rows.at(-1);
    return {
      from: range.from,
      to: range.to,
      items: rows.map((r) => {
        const a = askedOf.get(key(r.site_id, r.listing_ref));
        return {
          listingId: r.listing_id, siteId: r.site_id, listingRef: r.listing_ref, title: r.title, url: r.url, imageUrl: r.image_url,
          firstSeenAt: pgTimeToIsoStrict(r.first_seen_at), lastSeenAt: pgTimeToIsoStrict(r.last_seen_at),
          views: viewsOf.get(key(r.site_id, r.listing_ref)) ?? 0, inquiries: pgCount(a?.inquiries), leads: pgCount(a?.leads),
        };
      }),
      nextCursor: more && last ? encodeCursor([last.k, last.listing_id], scope) : null,
    };
  }, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
}
