import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';

/**
 * A receiver URL (Svix's "destination"). Secrets are `whsec_…`, stored encrypted (`enc1:…`,
 * webhook-secret-at-rest.ts); during rotation the previous one signs too.
 */
export const WebhookEndpointSchema = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: {
    endpointId: uuidPrimaryKey(),
    user: ownerColumn('webhook_endpoints_user_id_index'),
    url: p.string().length(2048),
    description: p.string().length(500).nullable(),
    secret: p.string().length(200),
    previousSecret: p.string().length(200).nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** null: every event type. */
    eventTypes: p.array().nullable(),
    enabled: p.boolean().default(true),
    disabledReason: p.string().length(500).nullable(),
    /** First failure of the current failing streak; 5 days of failures disables the endpoint. */
    failingSince: p.datetime().nullable(),
    /** Failed attempts in a row (any success resets it); at the breaker threshold the breaker opens. */
    consecutiveFailures: p.integer().default(0),
    /** Circuit breaker: null when closed; while open nothing is sent before this time, then one probe. */
    breakerUntil: p.datetime().nullable(),
    /**
     * The step of the retry schedule the open breaker's cool-down is on: 1 when it opens, one more
     * per failed probe (not per failure: a burst of in-flight failures opens it once). Meaningless while closed.
     */
    breakerStep: p.integer().default(0),
    lastSuccessAt: p.datetime().nullable(),
    disabledAt: p.datetime().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type WebhookEndpoint = InferEntity<typeof WebhookEndpointSchema>;
