import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';

/**
 * Outbox half: flag leads for rescoring inside the caller's transaction. The flag is the source of
 * truth; the returned `leads.score` wake-ups, sent after the commit (`enqueueAfterCommit`), only
 * make it happen sooner, and the sweeper covers lost ones. With `activityAt`, also moves
 * `last_activity_at` forward (never back).
 */
export async function markLeadsForRescore(em: EntityManager, leadIds: string[], activityAt?: Date): Promise<Wakeup[]> {
  if (!leadIds.length) return [];
  const ids = [...new Set(leadIds)];
  const at = activityAt?.toISOString();
  await db(em)
    .updateTable('leads')
    .set({
      needs_rescore: true,
      updated_at: sql`now()`,
      ...(at ? { last_activity_at: sql`greatest(coalesce(last_activity_at, ${at}::timestamptz), ${at}::timestamptz)` } : {}),
    })
    .where('lead_id', '=', (eb) => eb.fn.any(eb.val(ids)))
    .execute();
  return ids.map((leadId) => createWakeup('scoreLead', { leadId }));
}
