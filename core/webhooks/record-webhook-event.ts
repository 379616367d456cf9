import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';
import type { OutboundEvent } from '../outbound/record-outbound-event.ts';
import { WEBHOOK_EVENTS, type WebhookEventType } from './event-types.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';

/** Turns the state machine's `{deliveryId, at}` wake-ups into `webhooks.deliver` jobs. */
export function toDeliveryWakeups(wakeUps: readonly { deliveryId: string; at: Date }[]): Wakeup[] {
  return wakeUps.map(({ deliveryId, at }) => createWakeup('deliverWebhook', { deliveryId, dueAt: at.getTime() }, { runAt: at }));
}

function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENTS, type);
}

/**
 * The webhook half of `recordOutboundEvent`: a message and one pending delivery per enabled,
 * subscribed endpoint, in the caller's transaction. The payload is validated by the catalogue
 * (a mistake throws before anything commits). `endpoint.disabled` is internal: no webhook.
 *
 * `lead.deleted` is written without its lead id: the message must outlive the lead it announces
 * (every other message of the lead goes with it, by the `lead_id` cascade).
 */
export async function recordWebhookEvent(event: OutboundEvent): Promise<Wakeup[]> {
  if (!isWebhookEventType(event.type)) return [];
  const { wakeUps } = await recordWebhookMessage({
    em: event.em,
    userId: event.userId,
    leadId: event.type === 'lead.deleted' ? null : (event.leadId ?? null),
    type: event.type,
    data: event.data as never,
    now: event.now,
    schedule: event.config.WEBHOOK_RETRY_SCHEDULE,
  });
  return toDeliveryWakeups(wakeUps);
}
