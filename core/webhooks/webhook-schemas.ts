import { z } from 'zod';
import { DELIVERY_STATUSES } from '../shared/enums.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';
import { safeText } from '../validation/plain-text.ts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_EVENTS, type WebhookEventType, ZWebhookEventTypeFilter } from './event-types.ts';
import { WEBHOOK_URL_MAX_LENGTH } from './validate-webhook-url.ts';
import { ZTimeKey, ZUuidKey, zLimit } from '../db/keyset-cursor.ts';

/** Request and response shapes of the webhook API (`/v1/webhook-endpoints`, `/v1/webhook-deliveries`). */

export const WEBHOOK_DESCRIPTION_MAX = 500;

const ZUrl = safeText(z.string().max(WEBHOOK_URL_MAX_LENGTH + 100, `url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`));
const ZDescription = safeText(z.string().trim().max(WEBHOOK_DESCRIPTION_MAX, `description must be at most ${WEBHOOK_DESCRIPTION_MAX} characters`));

export const ZCreateWebhookEndpointBody = z.strictObject({
  url: ZUrl,
  description: ZDescription.nullish(),
  /** Absent or null: every event type. */
  eventTypes: ZWebhookEventTypeFilter.nullish(),
  enabled: z.boolean().optional(),
});
export type CreateWebhookEndpointBody = z.output<typeof ZCreateWebhookEndpointBody>;

export const ZUpdateWebhookEndpointBody = ZCreateWebhookEndpointBody.partial().refine((b) => Object.keys(b).length > 0, 'Send at least one field to change');
export type UpdateWebhookEndpointBody = z.output<typeof ZUpdateWebhookEndpointBody>;

export const ZWebhookEndpointHealth = z.object({
  lastSuccessAt: z.string().nullable(),
  /** Failed attempts in a row across the endpoint's deliveries. */
  failureStreak: z.number().int(),
  failingSince: z.string().nullable(),
  /** `open`: nothing is sent before `breakerUntil`, then one probe. */
  breaker: z.enum(['closed', 'open']),
  breakerUntil: z.string().nullable(),
  disabledReason: z.string().nullable(),
  disabledAt: z.string().nullable(),
  /**
   * Who disabled it: `realtor` (switched off by hand), `delivery` (the receiver answered 410, or
   * every attempt failed for 5 days) or `password_reset` (a reset that confirmed the account's
   * address disabled what was set up before it, docs/email.md); for the last two the admin shows a
   * notice until it is re-enabled or deleted. Null while enabled.
   */
  disabledBy: z.enum(['realtor', 'delivery', 'password_reset']).nullable(),
  /** Deliveries waiting to be sent or retried. */
  pendingDeliveries: z.number().int(),
});

export const ZWebhookEndpointJson = z.object({
  endpointId: z.uuid(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()).nullable(),
  enabled: z.boolean(),
  /** During a rotation the previous secret keeps signing until this time. */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  health: ZWebhookEndpointHealth,
});
export type WebhookEndpointJson = z.infer<typeof ZWebhookEndpointJson>;

export const ZWebhookSecretJson = z.object({ secret: z.string(), previousSecretExpiresAt: z.string().nullable() });

export const ZWebhookAttemptJson = z.object({
  attemptId: z.uuid(),
  attemptedAt: z.string(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
});

export const ZWebhookDeliveryJson = z.object({
  deliveryId: z.uuid(),
  endpointId: z.uuid(),
  /** The `webhook-id` header: the same on every attempt. */
  messageId: z.string(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  /** Attempts of the current budget: a resend or recover starts it again at 0. */
  attemptCount: z.number().int(),
  /** Every attempt in the delivery's log, across resends. */
  loggedAttemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});
export const ZWebhookDeliveryDetailJson = ZWebhookDeliveryJson.extend({
  payload: z.record(z.string(), z.unknown()),
  attempts: z.array(ZWebhookAttemptJson),
});

export const WEBHOOK_DELIVERIES_PAGE_DEFAULT = 50;
export const WEBHOOK_DELIVERIES_PAGE_MAX = 200;
export const ZWebhookDeliveryCursor = z.tuple([ZTimeKey, ZUuidKey]);

export const ZListWebhookDeliveriesQuery = z.strictObject({
  status: z.preprocess(emptyToUndefined, z.enum(DELIVERY_STATUSES).optional()),
  type: z.preprocess(emptyToUndefined, z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]]).optional()),
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(WEBHOOK_DELIVERIES_PAGE_DEFAULT, WEBHOOK_DELIVERIES_PAGE_MAX),
});

export const ZRecoverWebhookDeliveriesBody = z.strictObject({
  /** Failed deliveries created at or after this time go back to pending. */
  since: z.iso.datetime({ offset: true }),
});

/** One catalogue entry; `example` is one of the catalogue's payloads (their schemas, in the OpenAPI document). */
export const ZWebhookEventTypeJson = z.object({
  type: z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]]),
  version: z.number().int(),
  description: z.string(),
  example: z.union(WEBHOOK_EVENT_TYPES.map((t) => WEBHOOK_EVENTS[t].schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]),
  schema: z.record(z.string(), z.unknown()),
});
