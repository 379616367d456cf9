import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
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
  const row = await db(em)
    .insertInto('visitors')
    .values({ site_id: v.siteId, visitor_id: v.visitorId, first_seen_at: v.firstSeenAt, last_seen_at: v.lastSeenAt })
    .onConflict((oc) =>
      oc.columns(['site_id', 'visitor_id']).doUpdateSet({
        first_seen_at: sql`least(visitors.first_seen_at, excluded.first_seen_at)`,
        last_seen_at: sql`greatest(visitors.last_seen_at, excluded.last_seen_at)`,
      }),
    )
    .returning('lead_id')
    .executeTakeFirst();
  return { leadId: row?.lead_id ?? null };
}

/** The lead a visitor is linked to, without creating or locking anything. */
export async function findVisitorLead(em: EntityManager, siteId: string, visitorId: string): Promise<string | null> {
  const row = await db(em).selectFrom('visitors').select('lead_id').where('site_id', '=', siteId).where('visitor_id', '=', visitorId).executeTakeFirst();
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
  await db(em)
    .updateTable('visitors')
    .set({
      // Every SET expression reads the row as it was: `lead_id` here is the old link.
      stitched_at: sql`case when lead_id is distinct from ${v.leadId}::uuid then null else stitched_at end`,
      lead_id: v.leadId,
    })
    .where('site_id', '=', v.siteId)
    .where('visitor_id', '=', v.visitorId)
    .execute();
  return createWakeup('stitchVisitor', { siteId: v.siteId, visitorId: v.visitorId });
}
