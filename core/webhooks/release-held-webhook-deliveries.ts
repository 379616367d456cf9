import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/**
 * An endpoint's breaker has closed (a success, or a new URL): whatever waited behind it is due
 * now, and woken, whether it was already due or not. Returns the wake-ups (all at `now`: one job).
 * Call with the endpoint row locked (claim-webhook-deliveries.ts explains the lock order).
 *
 * Every held delivery, in one statement (the endpoint's pending index): a release capped at a
 * batch left the rest at the due time the breaker had pushed them to — up to the longest
 * cool-down, 10 hours — and nothing moves them earlier (the sweeper only wakes rows already due).
 */
export async function releaseHeldWebhookDeliveries({ em, endpointId, now }: { em: EntityManager; endpointId: string; now: Date }): Promise<{ deliveryId: string; at: Date }[]> {
  const released = await sql<{ delivery_id: string }>`
    update webhook_deliveries set next_attempt_at = least(next_attempt_at, ${now}), updated_at = ${now}
    where endpoint_id = ${endpointId} and status = 'pending' and leased_until is null
    returning delivery_id`.execute(em.getKysely());
  return released.rows.map((r) => ({ deliveryId: r.delivery_id, at: now }));
}
