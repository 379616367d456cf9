import type { OutboundEvent } from '../outbound/record-outbound-event.ts';
import type { Wakeup } from '../jobs/wakeup.ts';

/**
 * The email half of `recordOutboundEvent`: one notification row per alert the realtor wants for
 * this event, due at the first moment outside their quiet hours. Owned by the email channel;
 * until its send job exists it writes nothing.
 */
export async function recordEmailAlerts(_event: OutboundEvent): Promise<Wakeup[]> {
  return [];
}
