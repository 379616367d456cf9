import { z } from 'zod';
import { INQUIRY_SOURCES } from '../inquiries/inquiry.entity.ts';
import { LEAD_STATUSES, SCORE_BANDS } from '../leads/lead.entity.ts';
import { REMINDER_KINDS } from '../reminders/follow-up-reminder.entity.ts';
import { CONTACT_INFO_MAX_CHARS, CONTACT_NAME_MAX_CHARS } from '../shared/field-limits.ts';

/**
 * The webhook event catalogue: every event type Porchlight sends, the schema of its payload and
 * an example (served at `GET /v1/webhook-event-types` and in the OpenAPI document).
 *
 * Payloads are thin (Standard Webhooks' recommended shape): `type`, `timestamp` (when the change
 * happened, ISO 8601), `version` and `data` carrying ids and the fields that changed — enough to
 * act on, small enough to stay far below the 20 KB budget; a receiver that needs more asks the
 * API by id. Versioning: adding a field is not breaking and keeps the version; a breaking change
 * bumps `version` and is announced, and old versions keep being sent until endpoints move.
 */

export const WEBHOOK_PAYLOAD_VERSION = 1;
/** Upper bound for a serialised payload; the catalogue test keeps every example well inside it. */
export const WEBHOOK_PAYLOAD_MAX_BYTES = 20 * 1024;

const id = z.uuid();
const time = z.iso.datetime({ offset: true });
const text = (max: number) => z.string().max(max);

/**
 * The lead fields a webhook may carry (contact details as the realtor's data has them). Each
 * bound is at least what the lead's own schema accepts: a payload is validated in the change's
 * transaction, so a tighter bound here refuses the change itself (a 400 about `data.name`).
 */
const ZLeadFields = z.object({
  name: text(CONTACT_NAME_MAX_CHARS).nullable(),
  email: text(320).nullable(),
  phone: text(40).nullable(),
  /** The realtor's free-text contact line (by default "email · phone", generated; they may write their own). */
  contactInfo: text(CONTACT_INFO_MAX_CHARS).nullable(),
  status: z.enum(LEAD_STATUSES),
  score: z.number().int().min(0).max(100),
  band: z.enum(SCORE_BANDS),
});

function envelope<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({ type: z.literal(type), version: z.literal(WEBHOOK_PAYLOAD_VERSION), timestamp: time, data });
}

export const WEBHOOK_EVENTS = {
  'lead.created': {
    description: 'A lead was created: by an inquiry through the widget, by hand in the admin, or through the API.',
    schema: envelope('lead.created', z.strictObject({ leadId: id, siteId: id.nullable(), ...ZLeadFields.shape, createdAt: time })),
    example: {
      type: 'lead.created', version: 1, timestamp: '2026-11-29T10:00:00.000Z',
      data: {
        leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', siteId: '8a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        name: 'Dana Whitfield', email: 'dana@example.com', phone: '+15551234567', contactInfo: 'dana@example.com · +15551234567',
        status: 'new', score: 40, band: 'warm', createdAt: '2026-11-29T10:00:00.000Z',
      },
    },
  },
  'lead.updated': {
    description: 'A lead’s contact details (name, email, phone, the contact-info line), status or pipeline stage changed. `changed` names the fields; `lead` holds their new values (`stage`: the stage it moved to).',
    schema: envelope('lead.updated', z.strictObject({
      leadId: id,
      changed: z.array(z.enum(['name', 'email', 'phone', 'contactInfo', 'status', 'stage'])).min(1),
      lead: ZLeadFields.pick({ name: true, email: true, phone: true, contactInfo: true, status: true })
        .extend({ stage: z.strictObject({ stageId: id, key: text(60), label: text(60) }) })
        .partial()
        .strict(),
      updatedAt: time,
    })),
    example: {
      type: 'lead.updated', version: 1, timestamp: '2026-11-29T11:30:00.000Z',
      data: { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', changed: ['status'], lead: { status: 'contacted' }, updatedAt: '2026-11-29T11:30:00.000Z' },
    },
  },
  'lead.hot': {
    description: 'A lead’s score crossed into the hot band (score ≥ 60). Sent once per crossing, not on every rescore.',
    schema: envelope('lead.hot', z.strictObject({ leadId: id, score: z.number().int().min(0).max(100), previousBand: z.enum(SCORE_BANDS) })),
    example: { type: 'lead.hot', version: 1, timestamp: '2026-11-29T10:05:00.000Z', data: { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', score: 72, previousBand: 'warm' } },
  },
  'lead.deleted': {
    description: 'A lead was deleted (by the realtor, or erased on request). Delete your copy too.',
    schema: envelope('lead.deleted', z.strictObject({ leadId: id })),
    example: { type: 'lead.deleted', version: 1, timestamp: '2026-12-01T09:00:00.000Z', data: { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90' } },
  },
  'inquiry.created': {
    description: 'A lead sent a message: the widget form, a manual entry or the API.',
    schema: envelope('inquiry.created', z.strictObject({
      inquiryId: id,
      leadId: id,
      siteId: id.nullable(),
      source: z.enum(INQUIRY_SOURCES),
      message: text(5000),
      listingRef: text(200).nullable(),
      pageUrl: text(2048).nullable(),
      createdAt: time,
      /** A form inquiry whose contact details did not all match the existing lead it was attached to (docs/lead-poisoning.md). */
      unverified: z.boolean(),
    })),
    example: {
      type: 'inquiry.created', version: 1, timestamp: '2026-11-29T10:00:00.000Z',
      data: {
        inquiryId: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e', leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90',
        siteId: '8a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d', source: 'widget',
        message: 'Is 12 Oak Street still available? Could we see it Saturday morning?',
        listingRef: '12-oak-st', pageUrl: 'https://homes.example.com/listings/12-oak-st', createdAt: '2026-11-29T10:00:00.000Z',
        unverified: false,
      },
    },
  },
  'reminder.due': {
    description: 'A follow-up reminder fell due (manual, or automatic such as "call within 1 hour" for a hot lead).',
    schema: envelope('reminder.due', z.strictObject({
      reminderId: id,
      leadId: id,
      reminderDate: time,
      reminderMessage: text(2000),
      kind: z.enum(REMINDER_KINDS),
    })),
    example: {
      type: 'reminder.due', version: 1, timestamp: '2026-11-29T11:05:00.000Z',
      data: {
        reminderId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90',
        reminderDate: '2026-11-29T11:05:00.000Z', reminderMessage: 'Call within 1 hour — lead turned hot', kind: 'auto',
      },
    },
  },
  'webhook.test': {
    description: 'Sent by "Send test event" in the admin (or `POST /v1/webhook-endpoints/:id/test`) to check a receiver.',
    schema: envelope('webhook.test', z.strictObject({ endpointId: id, message: text(200) })),
    example: {
      type: 'webhook.test', version: 1, timestamp: '2026-11-29T10:00:00.000Z',
      data: { endpointId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', message: 'Test event from Porchlight' },
    },
  },
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];
export type WebhookPayload<T extends WebhookEventType> = z.infer<(typeof WEBHOOK_EVENTS)[T]['schema']>;
export type WebhookEventData<T extends WebhookEventType> = WebhookPayload<T>['data'];

/** An endpoint's `eventTypes` filter: known types, no duplicates; absent means every type. */
export const ZWebhookEventTypeFilter = z.array(z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]])).min(1).max(WEBHOOK_EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'eventTypes must not repeat a type');

/**
 * Builds and validates a payload (throws a ZodError on a programming mistake, before anything is
 * written), and checks it stays under the size budget.
 */
export function createWebhookPayload<T extends WebhookEventType>(type: T, data: WebhookEventData<T>, at: Date): WebhookPayload<T> {
  const payload = WEBHOOK_EVENTS[type].schema.parse({ type, version: WEBHOOK_PAYLOAD_VERSION, timestamp: at.toISOString(), data }) as WebhookPayload<T>;
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > WEBHOOK_PAYLOAD_MAX_BYTES) throw new Error(`${type} payload is ${bytes} bytes, over the ${WEBHOOK_PAYLOAD_MAX_BYTES}-byte budget`);
  return payload;
}

/** Whether an endpoint with this filter receives this event type (null: every type). */
export function isSubscribed(eventTypes: readonly string[] | null | undefined, type: string): boolean {
  return eventTypes == null || eventTypes.includes(type);
}

/** The catalogue as the API serves it: type, description, version, example and JSON Schema. */
export function listWebhookEventTypes() {
  return WEBHOOK_EVENT_TYPES.map((type) => ({
    type,
    version: WEBHOOK_PAYLOAD_VERSION,
    description: WEBHOOK_EVENTS[type].description,
    example: WEBHOOK_EVENTS[type].example,
    schema: z.toJSONSchema(WEBHOOK_EVENTS[type].schema, { io: 'output' }),
  }));
}

/**
 * The catalogue as OpenAPI 3.1's top-level `webhooks`: one POST per event type that Porchlight
 * sends to an endpoint, with the payload's schema, an example and the Standard Webhooks headers.
 */
export function describeWebhooksForOpenApi(): Record<string, unknown> {
  const header = (description: string) => ({ required: true, schema: { type: 'string' }, description });
  return Object.fromEntries(
    listWebhookEventTypes().map((t) => [
      t.type,
      {
        post: {
          summary: t.description,
          parameters: [
            { name: 'webhook-id', in: 'header', ...header('The message id (`msg_…`), the same on every retry: deduplicate by it.') },
            { name: 'webhook-timestamp', in: 'header', ...header('Unix seconds when this attempt was signed.') },
            { name: 'webhook-signature', in: 'header', ...header('`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`, space-separated during a secret rotation.') },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: t.schema, example: t.example } } },
          responses: { '2XX': { description: 'Received; any 2xx counts as delivered.' }, '410': { description: 'Gone: the endpoint is disabled.' } },
        },
      },
    ]),
  );
}
