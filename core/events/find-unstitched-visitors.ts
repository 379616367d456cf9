import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';

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
  const rows = await db(em)
    .selectFrom('visitors')
    .select(['site_id', 'visitor_id', 'lead_id'])
    .where('lead_id', 'is not', null)
    .where('stitched_at', 'is', null)
    .orderBy('last_seen_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ siteId: r.site_id, visitorId: r.visitor_id, leadId: r.lead_id! }));
}
