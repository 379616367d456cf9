import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';

export interface UnstitchedVisitor {
  siteId: string;
  visitorId: string;
  leadId: string;
}

/**
 * Visitors linked to a lead whose stitch job has not finished (`stitched_at` null), oldest
 * activity first. The sweeper re-sends `leads.stitch` for each: the job id is deterministic, so a
 * job that is still queued is not duplicated.
 */
export async function findUnstitchedVisitors(em: EntityManager, limit: number): Promise<UnstitchedVisitor[]> {
  const rows = await execRaw<{ site_id: string; visitor_id: string; lead_id: string }>(
    em,
    'select site_id, visitor_id, lead_id from visitors where lead_id is not null and stitched_at is null order by last_seen_at limit ?',
    [limit],
    'all',
  );
  return rows.map((r) => ({ siteId: r.site_id, visitorId: r.visitor_id, leadId: r.lead_id }));
}
