import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
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
}

/** `{a,b}`: MikroORM would expand a JS array into a list, so uuids go in as one array literal. */
export function uuidArrayLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return `{${ids.join(',')}}`;
}

/**
 * The events and inquiries of several leads, as `computeScore` takes them, in two statements
 * (a lateral index range scan per lead on lead_analytics_lead_date_index, and one on inquiries).
 * Leads without any activity map to empty lists.
 */
export async function loadScoringInputs(em: EntityManager, leadIds: readonly string[], opts: { now: Date; halfLifeDays: number; maxEventsPerLead?: number }): Promise<Map<string, ScoringInputs>> {
  const out = new Map<string, ScoringInputs>();
  if (!leadIds.length) return out;
  for (const id of leadIds) out.set(id, { activities: [], inquiries: [] });
  const ids = uuidArrayLiteral([...new Set(leadIds)]);
  const windowStart = new Date(opts.now.getTime() - SCORING_WINDOW_HALF_LIVES * opts.halfLifeDays * DAY_MS);
  const events = await execRaw<{ lead_id: string; event_type: string; event_value: string | null; listing_ref: string | null; at_ms: number }>(
    em,
    `select l.lead_id, e.event_type, e.event_value, e.listing_ref, e.at_ms
     from unnest(?::uuid[]) as l(lead_id)
     cross join lateral (
       (select a.event_type, a.event_value, a.listing_ref, (extract(epoch from a.event_date) * 1000)::float8 as at_ms
        from lead_analytics a where a.lead_id = l.lead_id and a.event_date >= ?::timestamptz
        order by a.event_date desc limit ?)
       union all
       (select a.event_type, a.event_value, a.listing_ref, (extract(epoch from a.event_date) * 1000)::float8
        from lead_analytics a where a.lead_id = l.lead_id and a.event_date < ?::timestamptz
        order by a.event_date desc limit 1)
     ) e`,
    [ids, windowStart, opts.maxEventsPerLead ?? MAX_SCORING_EVENTS_PER_LEAD, windowStart],
    'all',
  );
  for (const e of events) {
    out.get(e.lead_id)!.activities.push({ kind: 'event', type: e.event_type, value: e.event_value, listingRef: e.listing_ref, at: new Date(e.at_ms) });
  }
  const inquiries = await execRaw<{ lead_id: string; at_ms: number }>(
    em,
    'select lead_id, (extract(epoch from created_at) * 1000)::float8 as at_ms from inquiries where lead_id = any(?::uuid[])',
    [ids],
    'all',
  );
  for (const i of inquiries) out.get(i.lead_id)!.inquiries.push({ kind: 'inquiry', at: new Date(i.at_ms) });
  return out;
}
