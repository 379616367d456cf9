import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { cursorScope, decodeCursor, toKeysetPage } from '../db/keyset-cursor.ts';
import { pgTimeToIso, pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import { notFound } from '../errors.ts';
import type { DeliveryStatus } from '../shared/enums.ts';
import type { WebhookEventType } from './event-types.ts';
import { ZWebhookDeliveryCursor } from './webhook-schemas.ts';

// The delivery log the admin and API show: an endpoint's deliveries (newest first, keyset
// paginated, filtered by status and event type) and one delivery with every attempt.

interface DeliveryRow {
  delivery_id: string; endpoint_id: string; message_id: string; event_type: string; status: DeliveryStatus; attempt_count: number;
  next_attempt_at: string | null; last_attempt_at: string | null; created_at: string; k: string; logged_attempt_count: number;
}

function toDeliveryJson(r: DeliveryRow) {
  return {
    deliveryId: r.delivery_id, endpointId: r.endpoint_id, messageId: r.message_id, eventType: r.event_type, status: r.status,
    // attempt_count is the current budget's (a resend or recover starts it again at 0); the log
    // keeps every attempt, and a label beside that log counts what it lists.
    attemptCount: r.attempt_count, loggedAttemptCount: r.logged_attempt_count, nextAttemptAt: r.status === 'pending' ? pgTimeToIso(r.next_attempt_at) : null,
    lastAttemptAt: pgTimeToIso(r.last_attempt_at), createdAt: pgTimeToIsoStrict(r.created_at),
  };
}

function selectDeliveries(em: EntityManager) {
  return db(em)
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_messages as m', 'm.message_id', 'd.message_id')
    .innerJoin('webhook_endpoints as e', 'e.endpoint_id', 'd.endpoint_id')
    .select(['d.delivery_id', 'd.endpoint_id', 'd.message_id', 'm.event_type', 'd.status', 'd.attempt_count', 'd.next_attempt_at', 'd.last_attempt_at', 'd.created_at', timeKey('d.created_at').as('k'),
      sql<number>`(select count(*)::int from webhook_attempts a where a.delivery_id = d.delivery_id)`.as('logged_attempt_count')]);
}

/** `GET /v1/webhook-endpoints/:id/deliveries?status&type&cursor&limit`. */
export async function listWebhookDeliveries({ em, tenant, endpointId, status, type, cursor, limit }: {
  em: EntityManager; tenant: Tenant; endpointId: string; status?: DeliveryStatus; type?: WebhookEventType; cursor?: string; limit: number;
}) {
  const owned = await db(em).selectFrom('webhook_endpoints').select('endpoint_id').where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).executeTakeFirst();
  if (!owned) throw notFound('Webhook endpoint');
  let query = selectDeliveries(em).where('d.endpoint_id', '=', endpointId).where(ownedBy(tenant, 'e'));
  if (status) query = query.where('d.status', '=', status);
  if (type) query = query.where('m.event_type', '=', type);
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ZWebhookDeliveryCursor, cursorScope('deliveries', endpointId));
    query = query.where(sql<boolean>`(d.created_at, d.delivery_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = (await query.orderBy('d.created_at', 'desc').orderBy('d.delivery_id', 'desc').limit(limit + 1).execute()) as DeliveryRow[];
  return toKeysetPage(rows, limit, toDeliveryJson, (last) => [last.k, last.delivery_id], cursorScope('deliveries', endpointId));
}

/** `GET /v1/webhook-deliveries/:id`: the delivery, its payload and every attempt (oldest first). */
export async function getWebhookDelivery({ em, tenant, deliveryId }: { em: EntityManager; tenant: Tenant; deliveryId: string }) {
  const row = (await selectDeliveries(em).select('m.payload').where('d.delivery_id', '=', deliveryId).where(ownedBy(tenant, 'e')).executeTakeFirst()) as
    | (DeliveryRow & { payload: Record<string, unknown> })
    | undefined;
  if (!row) throw notFound('Webhook delivery');
  const attempts = await db(em)
    .selectFrom('webhook_attempts')
    .select(['attempt_id', 'attempted_at', 'status_code', 'duration_ms', 'response_excerpt', 'error'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempted_at')
    .orderBy('attempt_id')
    .execute();
  return {
    ...toDeliveryJson(row),
    payload: row.payload,
    attempts: attempts.map((a) => ({
      attemptId: a.attempt_id, attemptedAt: pgTimeToIsoStrict(a.attempted_at), statusCode: a.status_code, durationMs: a.duration_ms,
      responseExcerpt: a.response_excerpt, error: a.error,
    })),
  };
}
