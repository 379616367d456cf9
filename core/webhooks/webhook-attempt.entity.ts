import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { WebhookDeliverySchema } from './webhook-delivery.entity.ts';

/** One HTTP try of a delivery: what the receiver answered, how long it took. */
export const WebhookAttemptSchema = defineEntity({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempts',
  properties: {
    attemptId: uuidPrimaryKey(),
    delivery: () => p.manyToOne(WebhookDeliverySchema).deleteRule('cascade').index('webhook_attempts_delivery_id_index'),
    attemptedAt: createdAtColumn(),
    statusCode: p.integer().nullable(),
    durationMs: p.integer(),
    /** First 1 KB of the response body. */
    responseExcerpt: p.text().nullable(),
    error: p.string().length(500).nullable(),
  },
});
export type WebhookAttempt = InferEntity<typeof WebhookAttemptSchema>;
