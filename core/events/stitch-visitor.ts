import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';

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
 * caller to send. Idempotent: a rerun finds no
 * null rows and changes nothing but `stitched_at`.
 */
export async function stitchVisitor({ em, siteId, visitorId, now, batchSize = STITCH_BATCH_SIZE }: {
  em: EntityManager;
  siteId: string;
  visitorId: string;
  now: Date;
  /** Rows per update statement. Default STITCH_BATCH_SIZE (5000). */
  batchSize?: number;
}): Promise<StitchResult> {
  const visitor = await execRaw<{ lead_id: string | null }>(em, 'select lead_id from visitors where site_id = ? and visitor_id = ?', [siteId, visitorId], 'get');
  const leadId = visitor?.lead_id ?? null;
  if (!leadId) return { leadId: null, stitched: 0, batches: 0, wakeups: [] };

  let stitched = 0;
  let batches = 0;
  for (;;) {
    // `lead_id is null` is repeated outside the subselect so a row stitched concurrently
    // (re-checked after the lock wait) is skipped rather than overwritten.
    const { affectedRows } = await execRaw(
      em,
      `update lead_analytics set lead_id = ?
       where analytic_id in (
         select analytic_id from lead_analytics
         where site_id = ? and visitor_id = ? and lead_id is null
         limit ?)
       and lead_id is null`,
      [leadId, siteId, visitorId, batchSize],
      'run',
    );
    if (affectedRows > 0) batches++;
    stitched += affectedRows;
    // Stop on an empty batch rather than a short one: a short batch can also mean a concurrent
    // run took some rows, and more may be left.
    if (affectedRows === 0) break;
  }

  const wakeups = await em.transactional(async (tem) => {
    // Visitors row before the lead: the lock order collect and inquiries use.
    await execRaw(tem as EntityManager, 'update visitors set stitched_at = ? where site_id = ? and visitor_id = ? and lead_id = ?', [now, siteId, visitorId, leadId], 'run');
    return stitched > 0 ? markLeadsForRescore(tem as EntityManager, [leadId]) : [];
  });
  return { leadId, stitched, batches, wakeups };
}
