import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/** Deliveries made due at once when a breaker closes; the sweeper wakes any beyond this. */
const RELEASE_BATCH = 1000;

/**
 * An endpoint's breaker has closed (a success, or a new URL): whatever waited behind it is due
 * now, and woken, whether it was already due or not. Returns the wake-ups (all at `now`: one job).
 * Call with the endpoint row locked (claim-webhook-deliveries.ts explains the lock order).
 */
export async function releaseHeldWebhookDeliveries({ em, endpointId, now }: { em: EntityManager; endpointId: string; now: Date }): Promise<{ deliveryId: string; at: Date }[]> {
  const released = await sql<{ delivery_id: string }>`
    update webhook_deliveries set next_attempt_at = least(next_attempt_at, ${now}), updated_at = ${now}
    where delivery_id in (
      select delivery_id from webhook_deliveries
      where endpoint_id = ${endpointId} and status = 'pending' and leased_until is null
      order by next_attempt_at limit ${RELEASE_BATCH})
    returning delivery_id`.execute(em.getKysely());
  return released.rows.map((r) => ({ deliveryId: r.delivery_id, at: now }));
}
