import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordEmailAlerts } from '../notifications/record-email-alerts.ts';
import { recordWebhookEvents } from '../webhooks/record-webhook-event.ts';

/**
 * Everything that leaves Porchlight starts here. A domain change that announces an event calls
 * this inside ITS OWN transaction, so the announcement commits with the change or not at all
 * (the outbox pattern): the webhook message and its deliveries, and the realtor's email alerts,
 * are rows in Postgres before any job exists. The caller sends the returned wake-ups with
 * `enqueueAfterCommit` after the commit; the sweeper re-sends any that are lost.
 *
 * `endpoint.disabled` is internal: it has no webhook (the endpoint is the thing that failed) and
 * only alerts the owner by email.
 */
export const OUTBOUND_EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.hot',
  'lead.deleted',
  'inquiry.created',
  'reminder.due',
  'endpoint.disabled',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

export interface OutboundEvent {
  em: EntityManager;
  /** The owning account (`user_id` of the rows; `ownerIdOf(tenant)` in realtor requests). */
  userId: string;
  /** The lead the event is about; its messages and alerts are erased with it. */
  leadId?: string | null;
  type: OutboundEventType;
  /** The event's thin payload data (ids and changed fields), as the webhook catalogue defines it. */
  data: Record<string, unknown>;
  now: Date;
  config: Config;
}

/** Writes the event's outbound rows in the caller's transaction; returns their wake-ups. */
export async function recordOutboundEvent({ leadId = null, data, ...rest }: OutboundEvent): Promise<Wakeup[]> {
  return recordOutboundEvents({ ...rest, events: [{ leadId, data }] });
}

/** Many events of one type for one account, written together (a bulk change of up to 500 leads). */
export interface OutboundEventBatch extends Omit<OutboundEvent, 'leadId' | 'data'> {
  events: readonly { leadId: string | null; data: Record<string, unknown> }[];
}

/**
 * `recordOutboundEvent` for each event of the batch, with the same rows and wake-ups, but the
 * webhook half in two statements in all rather than two per event.
 */
export async function recordOutboundEvents(batch: OutboundEventBatch): Promise<Wakeup[]> {
  const webhooks = await recordWebhookEvents(batch);
  const alerts: Wakeup[] = [];
  for (const { leadId, data } of batch.events) alerts.push(...(await recordEmailAlerts({ ...batch, leadId, data })));
  return [...webhooks, ...alerts];
}
