import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueue, type Queues } from '../jobs/queues.ts';

/** Debounce window: a burst of events within it collapses into one scoring job. */
export const RESCORE_DEBOUNCE_MS = 1000;

/**
 * Outbox half: flag leads for rescoring inside the caller's transaction. The flag is the source of
 * truth; the job enqueued after commit is only a wake-up call, and the sweeper covers lost ones.
 */
export async function markLeadsForRescore(em: EntityManager, leadIds: string[], activityAt?: Date): Promise<void> {
  if (!leadIds.length) return;
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

/** BullMQ 6 refuses ':' in custom job ids (except a legacy 3-part form), hence `score-<leadId>`. */
export function scoreJobId(leadId: string): string {
  return `score-${leadId}`;
}

/** Wake-up half: call after the commit. Best-effort; never throws (the sweeper is the safety net). */
export async function enqueueRescore(queues: Queues, leadIds: string[], onError?: (err: unknown) => void): Promise<void> {
  await Promise.all(
    [...new Set(leadIds)].map((leadId) =>
      enqueue(queues, 'scoreLead', { leadId }, { jobId: scoreJobId(leadId), delay: RESCORE_DEBOUNCE_MS, removeOnComplete: true, removeOnFail: true }).catch(
        (err) => onError?.(err),
      ),
    ),
  );
}
