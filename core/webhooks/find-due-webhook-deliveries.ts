import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/**
 * Pending deliveries that are due (including those whose lease expired: a worker died), oldest
 * first — what the sweeper re-enqueues when their job was lost. Uses the partial pending index.
 */
export async function findDueWebhookDeliveries({ em, now, limit = 500 }: { em: EntityManager; now: Date; limit?: number }): Promise<string[]> {
  const due = await sql<{ delivery_id: string }>`
    select delivery_id from webhook_deliveries
    where status = 'pending' and next_attempt_at <= ${now}
    order by next_attempt_at limit ${limit}`.execute(em.getKysely());
  return due.rows.map((r) => r.delivery_id);
}
