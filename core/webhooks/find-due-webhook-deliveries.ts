import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/**
 * Pending deliveries that are due (including those whose lease expired: a worker died), oldest
 * first — what the sweeper re-enqueues when their job was lost. Uses the partial pending index.
 * `dueAt` is the row's due time, which names its job (`deliver-<id>-<dueAt>`), so a sweep while
 * the job is still waiting in Redis is a no-op.
 */
export async function findDueWebhookDeliveries({ em, now, limit = 500 }: { em: EntityManager; now: Date; limit?: number }): Promise<Array<{ deliveryId: string; dueAt: Date }>> {
  const due = await sql<{ delivery_id: string; next_attempt_at: Date | string | null }>`
    select delivery_id, next_attempt_at from webhook_deliveries
    where status = 'pending' and (next_attempt_at <= ${now} or next_attempt_at is null)
    order by next_attempt_at nulls first limit ${limit}`.execute(em.getKysely());
  return due.rows.map((r) => ({ deliveryId: r.delivery_id, dueAt: new Date(r.next_attempt_at ?? 0) }));
}
