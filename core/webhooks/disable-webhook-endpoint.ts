import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { failWebhookDeliveries, LOST_ATTEMPT_ENDPOINT_DISABLED } from './insert-lost-webhook-attempts.ts';

/**
 * `webhook_endpoints.disabled_reason` of the endpoints disabled by a password reset that confirmed
 * the account's address (core/accounts/revoke-pre-verification-access.ts); `health.disabledBy`
 * says `password_reset` for it (webhook-endpoints.ts).
 */
export const UNVERIFIED_SETUP_DISABLED_REASON =
  'Disabled when a password reset confirmed the account\'s email address: this endpoint was set up before the address was confirmed, possibly by someone else. Check its URL before enabling it again.';

/** Maximum length of `webhook_endpoints.disabled_reason`. */
const REASON_MAX = 500;

/**
 * Disables an endpoint with a reason the realtor will read ("the receiver answered 410 Gone…"),
 * and fails its pending deliveries that no worker is sending right now (one in flight finds the
 * endpoint disabled when it records); one whose worker died mid-attempt (its lease ended) has that
 * attempt logged as lost. Call inside the transaction that decided it, after locking
 * the endpoint (claim-webhook-deliveries.ts explains the lock order). Returns the ids it failed.
 */
export async function disableWebhookEndpoint({ em, endpointId, reason, now }: { em: EntityManager; endpointId: string; reason: string; now: Date }): Promise<string[]> {
  const db = em.getKysely();
  await sql`
    update webhook_endpoints
    set enabled = false, disabled_reason = ${reason.slice(0, REASON_MAX)}, disabled_at = ${now}, breaker_until = null, updated_at = ${now}
    where endpoint_id = ${endpointId}`.execute(db);
  // A lease that has ended belongs to a worker that died mid-attempt: the attempt is logged
  // ("no result recorded") before the lease is cleared, as a re-claim would.
  return failWebhookDeliveries(db, sql`endpoint_id = ${endpointId} and (leased_until is null or leased_until <= ${now})`, LOST_ATTEMPT_ENDPOINT_DISABLED, now);
}
