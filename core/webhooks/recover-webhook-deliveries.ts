import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { AppError, notFound } from '../errors.ts';

/**
 * "Recover": every failed delivery of one endpoint created since `since` goes back to pending,
 * due now, with a fresh attempt budget (Svix's recover). Typically after fixing a receiver and
 * re-enabling its endpoint. Returns the wake-ups to enqueue after commit.
 */
export async function recoverWebhookDeliveries({ em, tenant, endpointId, since, now }: { em: EntityManager; tenant: Tenant; endpointId: string; since: Date; now: Date }): Promise<{ deliveryId: string; at: Date }[]> {
  return em.transactional(async (tem) => {
    const db = tem.getKysely();
    const endpoint = await sql<{ enabled: boolean }>`select enabled from webhook_endpoints
      where endpoint_id = ${endpointId} and ${ownedBy(tenant)} for update`.execute(db);
    if (endpoint.rows.length === 0) throw notFound('Webhook endpoint');
    if (!endpoint.rows[0].enabled) throw new AppError('conflict', 'The endpoint is disabled; enable it before recovering deliveries.');
    const recovered = await sql<{ delivery_id: string }>`
      update webhook_deliveries set status = 'pending', attempt_count = 0, next_attempt_at = ${now}, leased_until = null, lease_token = null, updated_at = ${now}
      where endpoint_id = ${endpointId} and status = 'failed' and created_at >= ${since}
      returning delivery_id`.execute(db);
    return recovered.rows.map((r) => ({ deliveryId: r.delivery_id, at: now }));
  });
}
