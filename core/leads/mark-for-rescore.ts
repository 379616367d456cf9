import type { EntityManager } from '@mikro-orm/postgresql';
import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';

/**
 * Outbox half: flag leads for rescoring inside the caller's transaction. The flag is the source of
 * truth; the returned `leads.score` wake-ups, sent after the commit (`enqueueAfterCommit`), only
 * make it happen sooner, and the sweeper covers lost ones.
 */
export async function markLeadsForRescore(em: EntityManager, leadIds: string[], activityAt?: Date): Promise<Wakeup[]> {
  if (!leadIds.length) return [];
  const ids = [...new Set(leadIds)];
  if (activityAt) {
    await em.getConnection().execute(
      `update leads set needs_rescore = true, updated_at = now(),
         last_activity_at = greatest(coalesce(last_activity_at, ?::timestamptz), ?::timestamptz)
       where lead_id = any(?::uuid[])`,
      [activityAt, activityAt, toUuidArrayLiteral(ids)],
      'run',
      em.getTransactionContext(),
    );
  } else {
    await em.getConnection().execute(
      'update leads set needs_rescore = true, updated_at = now() where lead_id = any(?::uuid[])',
      [toUuidArrayLiteral(ids)],
      'run',
      em.getTransactionContext(),
    );
  }
  return ids.map((leadId) => createWakeup('scoreLead', { leadId }));
}

/**
 * MikroORM inlines a JS array parameter as a comma-separated list (`'a', 'b'`), not as one array
 * value, so `any(?::uuid[])` needs a Postgres array literal. Ids are checked so nothing else can
 * reach the literal.
 */
function toUuidArrayLiteral(ids: string[]): string {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return `{${ids.join(',')}}`;
}
