import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedByAccount } from '../accounts/tenant.ts';
import { createWebhookPayload, type WebhookEventData, type WebhookEventType } from './event-types.ts';
import { computeNextAttemptAt } from './schedule-webhook-retry.ts';

/** `msg_` + 24 url-safe characters (144 random bits): the Standard Webhooks `webhook-id`. */
export function createWebhookMessageId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

export interface RecordWebhookMessageInput<T extends WebhookEventType> {
  /** The transaction of the change that emits the event: message, deliveries and change commit together. */
  em: EntityManager;
  userId: string;
  /** The lead the event is about (erased with it); null for events about no lead, and for `lead.deleted`. */
  leadId?: string | null;
  type: T;
  data: WebhookEventData<T>;
  now: Date;
  /** WEBHOOK_RETRY_SCHEDULE; its first entry delays the first attempt (0: immediately). */
  schedule: readonly number[];
  /** Only these endpoints (a test event goes to one); default every enabled, subscribed endpoint. */
  endpointIds?: readonly string[];
  /** Deliver to `endpointIds` whatever their event-type filter (a test event). */
  ignoreFilter?: boolean;
}

/**
 * Writes one webhook message and a pending delivery for each enabled endpoint of the user that
 * subscribes to its type. A deleted account's endpoints get none, even one a request in flight at
 * the deletion enabled again (the message is written and erased by the purge). Returns the wake-ups to enqueue after commit (the sweeper covers a lost one).
 */
export async function recordWebhookMessage<T extends WebhookEventType>({
  leadId = null, data, ...rest
}: RecordWebhookMessageInput<T>): Promise<{ messageId: string; wakeUps: { deliveryId: string; at: Date }[] }> {
  const { messageIds: [messageId], wakeUps } = await recordWebhookMessages({ ...rest, messages: [{ leadId, data }] });
  return { messageId, wakeUps };
}

export interface RecordWebhookMessagesInput<T extends WebhookEventType> extends Omit<RecordWebhookMessageInput<T>, 'leadId' | 'data'> {
  /** One message each: the lead it is about and its payload data. */
  messages: readonly { leadId: string | null; data: WebhookEventData<T> }[];
}

/**
 * `recordWebhookMessage` for many messages of one type and account (a bulk stage move of up to
 * 500 leads): two statements whatever their number — the messages, then a pending delivery per
 * message and enabled, subscribed endpoint — not two per message. Every payload is validated by
 * the catalogue before anything is written.
 */
export async function recordWebhookMessages<T extends WebhookEventType>({
  em, userId, type, messages, now, schedule, endpointIds, ignoreFilter = false,
}: RecordWebhookMessagesInput<T>): Promise<{ messageIds: string[]; wakeUps: { deliveryId: string; at: Date }[] }> {
  if (!messages.length) return { messageIds: [], wakeUps: [] };
  const rows = messages.map((m) => ({ message_id: createWebhookMessageId(), lead_id: m.leadId, payload: createWebhookPayload(type, m.data, now) }));
  const firstAt = computeNextAttemptAt({ attemptCount: 0, schedule, now, random: () => 0.5 }) ?? now;
  const db = em.getKysely();
  await sql`insert into webhook_messages (message_id, user_id, lead_id, event_type, payload, created_at)
            select m.message_id, ${userId}, m.lead_id, ${type}, m.payload, ${now}
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as m(message_id text, lead_id uuid, payload jsonb)`.execute(db);
  const onlyThese = endpointIds ? sql`and e.endpoint_id = any(${[...endpointIds]}::uuid[])` : sql``;
  const deliveries = await sql<{ delivery_id: string }>`
    insert into webhook_deliveries (delivery_id, message_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at)
    select gen_random_uuid(), m.message_id, e.endpoint_id, 'pending', 0, ${firstAt}, ${now}, ${now}
    from unnest(${rows.map((r) => r.message_id)}::text[]) with ordinality as m(message_id, n)
    cross join webhook_endpoints e
    where ${ownedByAccount(userId, 'e')} and e.enabled
      and not exists (select 1 from users u where u.user_id = e.user_id and u.deleted_at is not null)
      and (${ignoreFilter} or e.event_types is null or ${type} = any(e.event_types)) ${onlyThese}
    order by m.n
    returning delivery_id`.execute(db);
  return { messageIds: rows.map((r) => r.message_id), wakeUps: deliveries.rows.map((r) => ({ deliveryId: r.delivery_id, at: firstAt })) };
}
