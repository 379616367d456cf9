import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { AppError, notFound } from '../errors.ts';
import { insertLostWebhookAttempts, LOST_ATTEMPT } from './insert-lost-webhook-attempts.ts';
import { lockEndpointAndDelivery } from './lock-endpoint-and-delivery.ts';
import { probeWebhookEndpointNow } from './probe-webhook-endpoint-now.ts';

/**
 * "Resend": puts one delivery (any status) back to pending, due now, with a fresh attempt budget;
 * its earlier attempts stay in the log (one whose worker died mid-attempt is logged as lost). On an endpoint whose breaker is open and idle, the resend
 * becomes the probe at once instead of waiting out the cool-down — the realtor asked for it now.
 */
export async function resendWebhookDelivery({ em, tenant, deliveryId, now }: { em: EntityManager; tenant: Tenant; deliveryId: string; now: Date }): Promise<{ deliveryId: string; at: Date }> {
  return em.transactional(async (tem) => {
    const db = tem.getKysely();
    const owned = await sql<{ n: number }>`
      select count(*)::int as n from webhook_deliveries d join webhook_endpoints e on e.endpoint_id = d.endpoint_id
      where d.delivery_id = ${deliveryId} and ${ownedBy(tenant, 'e')}`.execute(db);
    if (owned.rows[0].n === 0) throw notFound('Webhook delivery');
    const locked = await lockEndpointAndDelivery(tem, deliveryId);
    if (!locked) throw notFound('Webhook delivery');
    const { endpoint, delivery } = locked;
    if (!endpoint.enabled) throw new AppError('conflict', 'The endpoint is disabled; enable it before resending.');
    if (delivery.status === 'pending' && delivery.leased_until && delivery.leased_until > now) {
      throw new AppError('conflict', 'This delivery is being sent right now.');
    }
    // A lease that has ended: the worker died mid-attempt. Log that attempt before the fresh budget
    // forgets it (the re-claim that would have logged it no longer sees the lease).
    if (delivery.leased_until && delivery.leased_until <= now) {
      await insertLostWebhookAttempts(sql`webhook_deliveries where delivery_id = ${deliveryId}`, LOST_ATTEMPT).execute(db);
    }
    await sql`update webhook_deliveries set status = 'pending', attempt_count = 0, next_attempt_at = ${now}, leased_until = null, lease_token = null, updated_at = ${now}
              where delivery_id = ${deliveryId}`.execute(db);
    if (endpoint.breaker_until && endpoint.breaker_until > now) await probeWebhookEndpointNow({ em: tem, endpointId: endpoint.endpoint_id, now });
    return { deliveryId, at: now };
  });
}
