import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { DAY_MS } from '../shared/time.ts';
import type { ScoringActivity, ScoringInquiry } from './compute-score.ts';

/**
 * Events older than this many half-lives are left out of scoring: each is worth at most
 * 1/1024 of its weight (≤ 0.015 points at the default weights), so a lead's score is exact to
 * well under one point however long its history. The newest event *before* that window is still
 * loaded, so a lead returning after a long absence earns its "returned" signal.
 */
export const SCORING_WINDOW_HALF_LIVES = 10;
/**
 * Hard cap on events loaded for one lead (the newest win). A person generates a few hundred
 * events; this only bounds memory and time for pathological histories (a scripted client
 * replaying page views) — past it, the oldest in-window events are ignored.
 */
export const MAX_SCORING_EVENTS_PER_LEAD = 20_000;

export interface ScoringInputs {
  activities: ScoringActivity[];
  inquiries: ScoringInquiry[];
  /** Listing ref → its title as captured from the page (`listings`), for the refs these events name: the breakdown says "Viewed 12 Oak St", not "Viewed oak-12". */
  listingLabels: Record<string, string>;
}

/** Milliseconds since the epoch as a float8 (a JS number, not Postgres timestamp text). */
const epochMs = (column: string) => sql<number>`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;

/**
 * The events and inquiries of several leads, as `computeScore` takes them, in one statement: a
 * lateral index range scan per lead on lead_analytics_lead_date_index, then the leads'
 * inquiries (rows with a null event type: `lead_analytics.event_type` is never null). Leads
 * without any activity map to empty lists. The ids go in as one bound uuid[] parameter.
 */
export async function loadScoringInputs(em: EntityManager, leadIds: readonly string[], opts: { now: Date; halfLifeDays: number; maxEventsPerLead?: number }): Promise<Map<string, ScoringInputs>> {
  const out = new Map<string, ScoringInputs>();
  if (!leadIds.length) return out;
  for (const id of leadIds) out.set(id, { activities: [], inquiries: [], listingLabels: {} });
  const ids = [...new Set(leadIds)];
  const windowStart = new Date(opts.now.getTime() - SCORING_WINDOW_HALF_LIVES * opts.halfLifeDays * DAY_MS).toISOString();
  // Per lead: the newest events inside the window (bounded), plus the newest one before it.
  const { rows } = await sql<{ lead_id: string; event_type: string | null; event_value: string | null; listing_ref: string | null; site_id: string | null; at_ms: number }>`
    select l.lead_id, e.event_type, e.event_value, e.listing_ref, e.site_id, e.at_ms
    from unnest(${ids}::uuid[]) as l(lead_id)
    cross join lateral (
      (select a.event_type, a.event_value, a.listing_ref, a.site_id, ${epochMs('a.event_date')} as at_ms
       from lead_analytics a where a.lead_id = l.lead_id and a.event_date >= ${windowStart}::timestamptz
       order by a.event_date desc limit ${opts.maxEventsPerLead ?? MAX_SCORING_EVENTS_PER_LEAD})
      union all
      (select a.event_type, a.event_value, a.listing_ref, a.site_id, ${epochMs('a.event_date')}
       from lead_analytics a where a.lead_id = l.lead_id and a.event_date < ${windowStart}::timestamptz
       order by a.event_date desc limit 1)
    ) e
    union all
    select i.lead_id, null, null, null, null, ${epochMs('i.created_at')}
    from inquiries i where i.lead_id = any(${ids}::uuid[])`.execute(db(em));
  /** `site ref` → the leads whose events name that listing. */
  const listingsSeen = new Map<string, { siteId: string; ref: string; leadIds: Set<string> }>();
  for (const r of rows) {
    const input = out.get(r.lead_id)!;
    if (r.event_type === null) input.inquiries.push({ kind: 'inquiry', at: new Date(r.at_ms) });
    else input.activities.push({ kind: 'event', type: r.event_type, value: r.event_value, listingRef: r.listing_ref, at: new Date(r.at_ms) });
    if (r.listing_ref && r.site_id) {
      const key = `${r.site_id} ${r.listing_ref}`;
      const seen = listingsSeen.get(key) ?? { siteId: r.site_id, ref: r.listing_ref, leadIds: new Set<string>() };
      seen.leadIds.add(r.lead_id);
      listingsSeen.set(key, seen);
    }
  }
  if (listingsSeen.size) {
    // One probe of listings_site_ref_unique per listing the batch's events name.
    const seen = [...listingsSeen.values()];
    const { rows: titles } = await sql<{ site_id: string; listing_ref: string; title: string }>`
      select li.site_id, li.listing_ref, li.title
      from unnest(${seen.map((l) => l.siteId)}::uuid[], ${seen.map((l) => l.ref)}::text[]) as w(site_id, listing_ref)
      join listings li on li.site_id = w.site_id and li.listing_ref = w.listing_ref
      where li.title is not null`.execute(db(em));
    for (const t of titles) {
      for (const leadId of listingsSeen.get(`${t.site_id} ${t.listing_ref}`)?.leadIds ?? []) out.get(leadId)!.listingLabels[t.listing_ref] = t.title;
    }
  }
  return out;
}
