import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import { findVisitorLead } from './visitors.ts';

/** Rows updated per statement: short row locks and bounded WAL per step, however long the history. */
export const STITCH_BATCH_SIZE = 5000;

export interface StitchResult {
  /** The lead the events now belong to; null when the visitor is not linked (nothing to do). */
  leadId: string | null;
  /** Events that got the lead id in this run. */
  stitched: number;
  /** Update statements that changed rows. */
  batches: number;
  /** `leads.score` when events were stitched (the lead is flagged); send after return. */
  wakeups: Wakeup[];
}

/**
 * Gives a visitor's anonymous events (lead_id null) the lead the visitor is linked to, in batches
 * of `batchSize` rows, each its own short statement (no long transaction over a huge history).
 * Then sets `visitors.stitched_at` and flags the lead for rescoring, returning its wake-up for the
 * caller to send — also when a rerun finds nothing left to stitch but completes a stitch that an
 * earlier run left unfinished (its batches committed, its last transaction did not). Idempotent:
 * a rerun of a finished stitch finds no null rows and changes nothing but `stitched_at`.
 */
export async function stitchVisitor({ em, siteId, visitorId, now, batchSize = STITCH_BATCH_SIZE }: {
  em: EntityManager;
  siteId: string;
  visitorId: string;
  now: Date;
  /** Rows per update statement. Default STITCH_BATCH_SIZE (5000). */
  batchSize?: number;
}): Promise<StitchResult> {
  const leadId = await findVisitorLead(em, siteId, visitorId);
  if (!leadId) return { leadId: null, stitched: 0, batches: 0, wakeups: [] };

  let stitched = 0;
  let batches = 0;
  for (;;) {
    // `lead_id is null` is repeated outside the subselect so a row stitched concurrently
    // (re-checked after the lock wait) is skipped rather than overwritten.
    const { numUpdatedRows } = await db(em)
      .updateTable('lead_analytics')
      .set({ lead_id: leadId })
      .where('analytic_id', 'in', (eb) =>
        eb.selectFrom('lead_analytics').select('analytic_id').where('site_id', '=', siteId).where('visitor_id', '=', visitorId).where('lead_id', 'is', null).limit(batchSize),
      )
      .where('lead_id', 'is', null)
      .executeTakeFirst();
    const affectedRows = Number(numUpdatedRows);
    if (affectedRows > 0) batches++;
    stitched += affectedRows;
    // Stop on an empty batch rather than a short one: a short batch can also mean a concurrent
    // run took some rows, and more may be left.
    if (affectedRows === 0) break;
  }

  const wakeups = await em.transactional(async (tem) => {
    // Visitors row before the lead: the lock order collect and inquiries use. `o` is the row as
    // it was: whether this run completes a pending stitch (stitched_at null).
    const completed = await sql<{ pending: boolean }>`
      update visitors v set stitched_at = ${now}
      from visitors o
      where o.site_id = v.site_id and o.visitor_id = v.visitor_id
        and v.site_id = ${siteId} and v.visitor_id = ${visitorId} and v.lead_id = ${leadId}
      returning o.stitched_at is null as pending`.execute(db(tem as EntityManager));
    // Flag the lead when this run stitched events — or completes a stitch whose events an
    // earlier run stitched in committed batches before it died (the sweeper's rerun then finds
    // nothing left to stitch; without the flag the lead would never be scored with them).
    const pending = completed.rows.some((r) => r.pending);
    return stitched > 0 || pending ? markLeadsForRescore(tem as EntityManager, [leadId]) : [];
  });
  return { leadId, stitched, batches, wakeups };
}
