import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordOutboundEvent } from '../outbound/record-outbound-event.ts';
import type { ClaimedWebhookDelivery } from './claim-webhook-deliveries.ts';
import { type RecordWebhookAttemptResult, recordWebhookAttempt } from './record-webhook-attempt.ts';
import type { SendWebhookResult } from './send-webhook.ts';

export interface WebhookAttemptToRecord {
  claim: Pick<ClaimedWebhookDelivery, 'deliveryId' | 'endpointId' | 'leaseToken' | 'attemptedAt' | 'isProbe'>;
  result: Pick<SendWebhookResult, 'ok' | 'statusCode' | 'durationMs' | 'responseExcerpt' | 'error' | 'retryAfterMs' | 'gone'>;
}

export interface RecordWebhookAttemptsInput {
  em: EntityManager;
  /** In the order the answers arrived: an endpoint's failures and successes are applied in that order. */
  attempts: readonly WebhookAttemptToRecord[];
  now: Date;
  /** WEBHOOK_RETRY_SCHEDULE (seconds), and what the owner's alert needs when an endpoint is disabled. */
  config: Config;
  breakerThreshold?: number;
  disableAfterFailingMs?: number;
  random?: () => number;
}

export interface RecordWebhookAttemptsResult {
  /** One per attempt, in input order. */
  outcomes: RecordWebhookAttemptResult[];
  /** Retries and deliveries released by a closing breaker, and the owner alerts of disabled endpoints. */
  wakeups: Wakeup[];
  wakeUps: { deliveryId: string; at: Date }[];
}

/**
 * Logs a batch of attempts and applies their outcomes, in one transaction. The common case — a
 * 2xx from an endpoint whose breaker is closed, with no failure of the same endpoint in the batch
 * — is one statement for all of them: insert every attempt row, settle every delivery whose lease
 * is still this claim's, reset each endpoint's failure streak. Anything else (a failure, a
 * success that closes a breaker) goes through `recordWebhookAttempt` one by one in arrival order,
 * inside the same transaction, so retries, Retry-After, 410, the 5-day disable and the breaker
 * behave exactly as for a single attempt. When an attempt disables its endpoint the internal
 * `endpoint.disabled` event (the owner's email) commits with it.
 *
 * Locks: the endpoints first, in id order, then the deliveries (the module's lock order, see
 * claim-webhook-deliveries.ts), so two batches and a resend cannot deadlock.
 */
export async function recordWebhookAttempts(input: RecordWebhookAttemptsInput): Promise<RecordWebhookAttemptsResult> {
  if (!input.attempts.length) return { outcomes: [], wakeups: [], wakeUps: [] };
  return input.em.transactional((tem) => recordWebhookAttemptsInTransaction({ ...input, em: tem }));
}

/** The same, for a caller whose transaction is open (the dispatcher records and claims in one). */
export async function recordWebhookAttemptsInTransaction({
  em: tem, attempts, now, config, breakerThreshold, disableAfterFailingMs, random,
}: RecordWebhookAttemptsInput): Promise<RecordWebhookAttemptsResult> {
  if (!attempts.length) return { outcomes: [], wakeups: [], wakeUps: [] };
  const db = tem.getKysely();
  const endpointIds = [...new Set(attempts.map((a) => a.claim.endpointId))].sort();
  const locked = await sql<{ endpoint_id: string; breaker_open: boolean }>`
    select endpoint_id, breaker_until is not null as breaker_open from webhook_endpoints
    where endpoint_id = any(${endpointIds}::uuid[]) order by endpoint_id for update`.execute(db);
  const breakerOpen = new Map(locked.rows.map((r) => [r.endpoint_id, r.breaker_open]));
  const withFailure = new Set(attempts.filter((a) => !a.result.ok).map((a) => a.claim.endpointId));
  const fast = (a: WebhookAttemptToRecord) => a.result.ok && breakerOpen.get(a.claim.endpointId) === false && !withFailure.has(a.claim.endpointId);

  const outcomes: RecordWebhookAttemptResult[] = new Array(attempts.length);
  const report = (outcome: RecordWebhookAttemptResult['outcome']): RecordWebhookAttemptResult => ({ outcome, nextAttemptAt: null, disabledReason: null, breakerUntil: null, wakeUps: [] });

  const quick = attempts.map((a, i) => ({ a, i })).filter(({ a }) => fast(a));
  if (quick.length) {
    const rows = quick.map(({ a }) => ({
      delivery_id: a.claim.deliveryId, lease_token: a.claim.leaseToken, attempted_at: a.claim.attemptedAt.toISOString(),
      status_code: a.result.statusCode, duration_ms: Math.max(0, Math.round(a.result.durationMs)), response_excerpt: a.result.responseExcerpt,
    }));
    // A delivery deleted meanwhile (its lead or endpoint erased) has no row to lock: its attempt is not logged, as for one attempt.
    const ids = rows.map((r) => r.delivery_id);
    const settled = await sql<{ delivery_id: string }>`
      with x as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as x(delivery_id uuid, lease_token uuid, attempted_at timestamptz, status_code int, duration_ms int, response_excerpt text)
      ), live as (
        select d.delivery_id, d.status, d.lease_token from webhook_deliveries d
        where d.delivery_id = any(${ids}::uuid[]) order by d.delivery_id for update
      ), logged as (
        insert into webhook_attempts (attempt_id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
        select gen_random_uuid(), x.delivery_id, x.attempted_at, x.status_code, x.duration_ms, x.response_excerpt, null
        from x join live on live.delivery_id = x.delivery_id
      ), ok as (
        update webhook_deliveries d set status = 'succeeded', next_attempt_at = null, leased_until = null, lease_token = null, updated_at = ${now}
        where d.delivery_id = any(array(
          select live.delivery_id from live join x on x.delivery_id = live.delivery_id where live.status = 'pending' and live.lease_token = x.lease_token))
        returning d.delivery_id, d.endpoint_id
      ), streak as (
        update webhook_endpoints set consecutive_failures = 0, failing_since = null, breaker_until = null, last_success_at = ${now}, updated_at = ${now}
        where endpoint_id = any(array(select distinct endpoint_id from ok))
      )
      select delivery_id from ok`.execute(db);
    const ok = new Set(settled.rows.map((r) => r.delivery_id));
    // Not settled: the lease had been taken over (the worker was presumed dead) or the delivery is gone.
    for (const { a, i } of quick) outcomes[i] = report(ok.has(a.claim.deliveryId) ? 'succeeded' : 'stale');
  }

  const wakeups: Wakeup[] = [];
  const wakeUps: { deliveryId: string; at: Date }[] = [];
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i];
    if (fast(a)) continue;
    const recorded = await recordWebhookAttempt({
      em: tem, claim: a.claim, result: a.result, now, schedule: config.WEBHOOK_RETRY_SCHEDULE, breakerThreshold, disableAfterFailingMs, random,
    });
    outcomes[i] = recorded;
    wakeUps.push(...recorded.wakeUps);
    if (recorded.disabledReason) wakeups.push(...(await announceDisabledEndpoint(tem, config, a.claim.endpointId, recorded.disabledReason, now)));
  }
  return { outcomes, wakeups, wakeUps };
}

/** The internal `endpoint.disabled` event (the owner's email alert), in the transaction that disabled it. */
export async function announceDisabledEndpoint(em: EntityManager, config: Config, endpointId: string, disabledReason: string, now: Date): Promise<Wakeup[]> {
  const endpoint = await sql<{ user_id: string; url: string; description: string | null; disabled_at: string | Date }>`
    select user_id, url, description, disabled_at from webhook_endpoints where endpoint_id = ${endpointId}`.execute(em.getKysely());
  const e = endpoint.rows[0];
  return recordOutboundEvent({
    em, userId: e.user_id, leadId: null, type: 'endpoint.disabled', now, config,
    data: { endpointId, url: e.url, description: e.description, disabledReason, disabledAt: new Date(e.disabled_at).toISOString() },
  });
}
