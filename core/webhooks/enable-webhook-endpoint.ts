import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { notFound } from '../errors.ts';
import { releaseHeldWebhookDeliveries } from './release-held-webhook-deliveries.ts';

/**
 * Re-enables an endpoint with a clean slate: no failing streak, breaker closed (its cool-down step
 * too), no disabled reason. Closing an open breaker releases what waited behind it — deferred up to
 * the longest cool-down, 10 hours, and nothing else moves it earlier — as a new URL does. Returns
 * those wake-ups, for after the commit.
 */
export async function enableWebhookEndpoint({ em, tenant, endpointId, now }: { em: EntityManager; tenant: Tenant; endpointId: string; now: Date }): Promise<{ deliveryId: string; at: Date }[]> {
  return em.transactional(async (tem) => {
    const db = tem.getKysely();
    // Locked first, then its deliveries (claim-webhook-deliveries.ts explains the lock order).
    const current = await sql<{ breaker_until: Date | string | null }>`
      select breaker_until from webhook_endpoints where endpoint_id = ${endpointId} and ${ownedBy(tenant)} for update`.execute(db);
    if (current.rows.length === 0) throw notFound('Webhook endpoint');
    await sql`
      update webhook_endpoints
      set enabled = true, disabled_reason = null, disabled_at = null, failing_since = null, consecutive_failures = 0, breaker_until = null, breaker_step = 0, updated_at = ${now}
      where endpoint_id = ${endpointId}`.execute(db);
    return current.rows[0].breaker_until === null ? [] : releaseHeldWebhookDeliveries({ em: tem, endpointId, now });
  });
}
