import { type RawBuilder, sql } from 'kysely';

/**
 * A worker claimed a delivery (its attempt counted) and stopped before recording an answer; its
 * lease ended. Whatever path then clears that lease — a re-claim, a resend, disabling the endpoint,
 * a claim that fails a disabled endpoint's deliveries — logs the attempt with one of these, so the
 * delivery log keeps every attempt that may have reached the receiver (docs/webhooks.md).
 */
export const LOST_ATTEMPT = 'no result recorded: the worker stopped during the attempt and its lease expired; sending again';
export const LOST_LAST_ATTEMPT = 'no result recorded: the worker stopped during the attempt and its lease expired; that was the last attempt, so the delivery failed';
export const LOST_ATTEMPT_ENDPOINT_DISABLED = 'no result recorded: the worker stopped during the attempt and its lease expired; the endpoint is disabled, so the delivery failed';

/**
 * Logs a lost attempt for each delivery `from` yields (rows with delivery_id, last_attempt_at,
 * leased_until): it started at its claim and had no answer when its lease ended. A statement
 * (usable as a CTE) for the caller to run beside the update that clears those leases.
 */
export function insertLostWebhookAttempts(from: RawBuilder<unknown>, error: string): RawBuilder<unknown> {
  return sql`
    insert into webhook_attempts (attempt_id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
    select gen_random_uuid(), delivery_id, coalesce(last_attempt_at, leased_until), null,
      greatest(0, round(extract(epoch from leased_until - coalesce(last_attempt_at, leased_until)) * 1000))::int, null, ${error}
    from ${from}`;
}
