import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/** What recording an attempt and resending decide on (the batch claim reads its own columns). */
export interface EndpointRow {
  endpoint_id: string;
  enabled: boolean;
  breaker_until: Date | null;
  /** The open breaker's cool-down step (record-webhook-attempt.ts). */
  breaker_step: number;
  consecutive_failures: number;
  failing_since: Date | null;
}

export interface DeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  status: string;
  attempt_count: number;
  leased_until: Date | null;
  lease_token: string | null;
}

/** The ORM's pg connection returns timestamptz as text ('2026-11-29 10:00:00+00'); rows here carry Dates. */
function asDate(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}

/**
 * Locks an endpoint row, then one of its deliveries: the lock order of every transaction that
 * changes a delivery (claim-webhook-deliveries.ts explains it). Null if either is gone.
 */
export async function lockEndpointAndDelivery(em: EntityManager, deliveryId: string): Promise<{ endpoint: EndpointRow; delivery: DeliveryRow } | null> {
  const db = em.getKysely();
  const found = await sql<{ endpoint_id: string }>`select endpoint_id from webhook_deliveries where delivery_id = ${deliveryId}`.execute(db);
  if (found.rows.length === 0) return null;
  const endpoint = await sql<EndpointRow>`
    select endpoint_id, enabled, breaker_until, breaker_step, consecutive_failures, failing_since
    from webhook_endpoints where endpoint_id = ${found.rows[0].endpoint_id} for update`.execute(db);
  const delivery = await sql<DeliveryRow>`
    select delivery_id, endpoint_id, status, attempt_count, leased_until, lease_token
    from webhook_deliveries where delivery_id = ${deliveryId} for update`.execute(db);
  if (endpoint.rows.length === 0 || delivery.rows.length === 0) return null;
  const e = endpoint.rows[0];
  const d = delivery.rows[0];
  return {
    endpoint: { ...e, breaker_until: asDate(e.breaker_until), failing_since: asDate(e.failing_since) },
    delivery: { ...d, leased_until: asDate(d.leased_until) },
  };
}
