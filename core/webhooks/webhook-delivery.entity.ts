import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { WebhookEndpointSchema } from './webhook-endpoint.entity.ts';
import { WebhookMessageSchema } from './webhook-message.entity.ts';
import { DELIVERY_STATUSES } from '../shared/enums.ts';

export { DELIVERY_STATUSES, type DeliveryStatus } from '../shared/enums.ts';

/** A message × endpoint pair: the outbox row the delivery worker claims. */
export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    deliveryId: uuidPrimaryKey(),
    message: () => p.manyToOne(WebhookMessageSchema).deleteRule('cascade'),
    endpoint: () => p.manyToOne(WebhookEndpointSchema).deleteRule('cascade'),
    status: p.enum(DELIVERY_STATUSES).default('pending'),
    attemptCount: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    /** While a worker holds the delivery: until when (see claim-webhook-deliveries.ts). */
    leasedUntil: p.datetime().nullable(),
    /** Which claim holds the lease; a worker whose lease was taken over cannot record an outcome. */
    leaseToken: p.uuid().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  uniques: [{ name: 'webhook_deliveries_message_endpoint_unique', properties: ['message', 'endpoint'] }],
  indexes: [
    { name: 'webhook_deliveries_endpoint_created_index', properties: ['endpoint', 'createdAt'] },
    { name: 'webhook_deliveries_pending_index', expression: `create index "webhook_deliveries_pending_index" on "webhook_deliveries" ("next_attempt_at") where "status" = 'pending'` },
    // Per-endpoint questions of the claim: how many are in flight, which wait behind the breaker.
    { name: 'webhook_deliveries_endpoint_pending_index', expression: `create index "webhook_deliveries_endpoint_pending_index" on "webhook_deliveries" ("endpoint_id", "next_attempt_at") where "status" = 'pending'` },
    // The leased ones (in flight, or lost with their worker): few per endpoint, however long the backlog.
    { name: 'webhook_deliveries_endpoint_leased_index', expression: `create index "webhook_deliveries_endpoint_leased_index" on "webhook_deliveries" ("endpoint_id", "leased_until") where "status" = 'pending' and "leased_until" is not null` },
  ],
});
export type WebhookDelivery = InferEntity<typeof WebhookDeliverySchema>;
