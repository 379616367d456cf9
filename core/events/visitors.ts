import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';

// Lock order: every transaction that touches both takes the visitors row first, then the lead
// (touchVisitor → findOrCreateLead / markLeadsForRescore). Collect, inquiry and stitching all
// follow it, so they cannot deadlock on each other.

/**
 * Creates or refreshes the visitor row (first/last seen) and returns the lead it is linked to.
 * Row-locks the visitor until commit: a concurrent link (inquiry, identify) waits for this
 * transaction, so events inserted here are either seen by the stitch job or carry the lead id.
 */
export async function touchVisitor(em: EntityManager, v: { siteId: string; visitorId: string; firstSeenAt: Date; lastSeenAt: Date }): Promise<{ leadId: string | null }> {
  const row = await execRaw<{ lead_id: string | null }>(
    em,
    `insert into visitors (site_id, visitor_id, first_seen_at, last_seen_at) values (?, ?, ?, ?)
     on conflict (site_id, visitor_id) do update set
       first_seen_at = least(visitors.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(visitors.last_seen_at, excluded.last_seen_at)
     returning lead_id`,
    [v.siteId, v.visitorId, v.firstSeenAt, v.lastSeenAt],
    'get',
  );
  return { leadId: row?.lead_id ?? null };
}

/** The lead a visitor is linked to, without creating or locking anything. */
export async function findVisitorLead(em: EntityManager, siteId: string, visitorId: string): Promise<string | null> {
  const row = await execRaw<{ lead_id: string | null }>(em, 'select lead_id from visitors where site_id = ? and visitor_id = ?', [siteId, visitorId], 'get');
  return row?.lead_id ?? null;
}

/**
 * Links an (already touched) visitor to a lead. A new or changed link clears `stitched_at`, which
 * marks the visitor as waiting for the stitch job (the sweeper finds such rows if a job is lost).
 * A visitor re-identified as someone else follows the latest identity; events already attributed
 * keep their lead (a shared computer must not move one person's history to another).
 * Returns the `leads.stitch` wake-up, to send after the commit.
 */
export async function linkVisitorToLead(em: EntityManager, v: { siteId: string; visitorId: string; leadId: string }): Promise<Wakeup> {
  await execRaw(
    em,
    `update visitors set
       stitched_at = case when lead_id is distinct from ?::uuid then null else stitched_at end,
       lead_id = ?
     where site_id = ? and visitor_id = ?`,
    [v.leadId, v.leadId, v.siteId, v.visitorId],
    'run',
  );
  return createWakeup('stitchVisitor', { siteId: v.siteId, visitorId: v.visitorId });
}
