import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';

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

/**
 * Fails the pending deliveries `which` selects (a condition on `webhook_deliveries`), clearing
 * their leases, in one statement; the ones whose lease had ended (a worker that died mid-attempt)
 * get that attempt logged with `error`. Returns the ids it failed. Lock the endpoint first
 * (claim-webhook-deliveries.ts explains the lock order).
 */
export async function failWebhookDeliveries(db: QueryExecutorProvider, which: RawBuilder<unknown>, error: string, now: Date): Promise<string[]> {
  const failed = await sql<{ delivery_id: string }>`
    with gone as (
      select delivery_id, last_attempt_at, leased_until from webhook_deliveries where status = 'pending' and ${which}
      for update
    ), settled as (
      update webhook_deliveries d set status = 'failed', next_attempt_at = null, leased_until = null, lease_token = null, updated_at = ${now}
      from gone where d.delivery_id = gone.delivery_id
      returning d.delivery_id
    ), lost as (${insertLostWebhookAttempts(sql`gone where leased_until is not null and leased_until <= ${now}`, error)})
    select delivery_id from settled`.execute(db);
  return failed.rows.map((r) => r.delivery_id);
}
