import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';

/**
 * The realtor asked for a delivery now (a resend, a test event) on an endpoint whose breaker is
 * open: if no probe is in flight, the cool-down (up to 10 hours) ends now, so the next claim sends
 * one probe at once — the earliest due delivery, which is the one just asked for (what waited was
 * deferred to the cool-down's end; one that came due meanwhile and was not claimed yet may go
 * first, and its success releases the rest). With a probe in flight, its answer decides.
 * Call with the endpoint row locked (claim-webhook-deliveries.ts explains the lock order).
 */
export async function probeWebhookEndpointNow({ em, endpointId, now }: { em: EntityManager; endpointId: string; now: Date }): Promise<void> {
  await sql`
    update webhook_endpoints set breaker_until = ${now}
    where endpoint_id = ${endpointId} and breaker_until > ${now}
      and not exists (select 1 from webhook_deliveries where endpoint_id = ${endpointId} and status = 'pending' and leased_until > ${now})`.execute(em.getKysely());
}
