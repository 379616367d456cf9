import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';
import type { OutboundEventBatch } from '../outbound/record-outbound-event.ts';
import { WEBHOOK_EVENTS, type WebhookEventType } from './event-types.ts';
import { recordWebhookMessages } from './record-webhook-message.ts';

/**
 * Turns the state machine's `{deliveryId, at}` wake-ups into `webhooks.deliver` jobs: one per due
 * time. A job wakes the worker's dispatcher, which claims every due delivery it has room for, so
 * deliveries due at the same moment (a message to several endpoints, a recover of thousands, a
 * closing breaker's release) need one job, named after the first of them — an id no other group
 * can have, so a wake-up is never swallowed by another group's job.
 */
export function toDeliveryWakeups(wakeUps: readonly { deliveryId: string; at: Date }[]): Wakeup[] {
  const byTime = new Map<number, string>();
  for (const { deliveryId, at } of wakeUps) if (!byTime.has(at.getTime())) byTime.set(at.getTime(), deliveryId);
  return [...byTime].map(([dueAt, deliveryId]) => createWakeup('deliverWebhook', { deliveryId, dueAt }, { runAt: new Date(dueAt) }));
}

function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENTS, type);
}

/**
 * The webhook half of `recordOutboundEvents`: for each event a message and one pending delivery
 * per enabled, subscribed endpoint, in the caller's transaction and in two statements in all. Each
 * payload is validated by the catalogue (a mistake throws before anything commits). `endpoint.disabled` is internal: no webhook.
 *
 * `lead.deleted` is written without its lead id: the message must outlive the lead it announces
 * (every other message of the lead goes with it, by the `lead_id` cascade).
 */
export async function recordWebhookEvents(batch: OutboundEventBatch): Promise<Wakeup[]> {
  if (!isWebhookEventType(batch.type)) return [];
  const { wakeUps } = await recordWebhookMessages({
    em: batch.em,
    userId: batch.userId,
    type: batch.type,
    messages: batch.events.map((e) => ({ leadId: batch.type === 'lead.deleted' ? null : e.leadId, data: e.data as never })),
    now: batch.now,
    schedule: batch.config.WEBHOOK_RETRY_SCHEDULE,
  });
  return toDeliveryWakeups(wakeUps);
}
