import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { notFound } from '../errors.ts';

/** Re-enables an endpoint with a clean slate: no failing streak, breaker closed, no disabled reason. */
export async function enableWebhookEndpoint({ em, tenant, endpointId, now }: { em: EntityManager; tenant: Tenant; endpointId: string; now: Date }): Promise<void> {
  const result = await sql`
    update webhook_endpoints
    set enabled = true, disabled_reason = null, disabled_at = null, failing_since = null, consecutive_failures = 0, breaker_until = null, updated_at = ${now}
    where endpoint_id = ${endpointId} and ${ownedBy(tenant)}`.execute(em.getKysely());
  if (Number(result.numAffectedRows ?? 0) === 0) throw notFound('Webhook endpoint');
}
