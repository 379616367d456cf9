import type { OutboundEvent } from '../outbound/record-outbound-event.ts';
import type { Wakeup } from '../jobs/wakeup.ts';

/**
 * The webhook half of `recordOutboundEvent`: a message and one delivery per subscribed endpoint.
 * Owned by the webhook channel; until its delivery job exists it writes nothing.
 */
export async function recordWebhookEvent(_event: OutboundEvent): Promise<Wakeup[]> {
  return [];
}
