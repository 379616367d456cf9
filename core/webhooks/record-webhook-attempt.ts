import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { ClaimedWebhookDelivery } from './claim-webhook-deliveries.ts';
import { disableWebhookEndpoint } from './disable-webhook-endpoint.ts';
import { lockEndpointAndDelivery } from './lock-endpoint-and-delivery.ts';
import { releaseHeldWebhookDeliveries } from './release-held-webhook-deliveries.ts';
import { computeNextAttemptAt } from './schedule-webhook-retry.ts';
import type { SendWebhookResult } from './send-webhook.ts';

/** Failed attempts in a row that open an endpoint's circuit breaker. */
export const WEBHOOK_BREAKER_THRESHOLD = 3;
/** An endpoint whose every attempt has failed for this long is disabled. */
export const WEBHOOK_DISABLE_AFTER_FAILING_MS = 5 * 24 * 60 * 60 * 1000;
const ERROR_MAX = 500;

export type WebhookAttemptOutcome = 'succeeded' | 'retry_scheduled' | 'failed' | 'endpoint_disabled' | 'stale';

export interface RecordWebhookAttemptResult {
  /**
   * `stale`: this claim's lease had been taken over (the worker was presumed dead); the attempt is
   * logged but the outcome belongs to the newer claim.
   */
  outcome: WebhookAttemptOutcome;
  /** When the delivery is due again (retry_scheduled), else null. */
  nextAttemptAt: Date | null;
  /** Set when this attempt disabled the endpoint: tell its owner. */
  disabledReason: string | null;
  /** The endpoint's breaker after this attempt: null when closed. */
  breakerUntil: Date | null;
  /** Deliveries to wake (enqueue) at the given time: this one's retry, and those a closing breaker released. */
  wakeUps: { deliveryId: string; at: Date }[];
}

export interface RecordWebhookAttemptInput {
  em: EntityManager;
  /** `isProbe`: the claim was the breaker's probe, whose failure steps the cool-down up. */
  claim: Pick<ClaimedWebhookDelivery, 'deliveryId' | 'leaseToken' | 'attemptedAt' | 'isProbe'>;
  result: Pick<SendWebhookResult, 'ok' | 'statusCode' | 'durationMs' | 'responseExcerpt' | 'error' | 'retryAfterMs' | 'gone'>;
  now: Date;
  /** WEBHOOK_RETRY_SCHEDULE, seconds. */
  schedule: readonly number[];
  /** Default WEBHOOK_BREAKER_THRESHOLD. */
  breakerThreshold?: number;
  /** Default WEBHOOK_DISABLE_AFTER_FAILING_MS. */
  disableAfterFailingMs?: number;
  random?: () => number;
}

/**
 * Logs one attempt and applies its outcome to the delivery and its endpoint (retry schedule,
 * breaker, disabling) in one transaction. claim-webhook-deliveries.ts explains the design.
 */
export async function recordWebhookAttempt({
  em,
  claim,
  result,
  now,
  schedule,
  breakerThreshold = WEBHOOK_BREAKER_THRESHOLD,
  disableAfterFailingMs = WEBHOOK_DISABLE_AFTER_FAILING_MS,
  random = Math.random,
}: RecordWebhookAttemptInput): Promise<RecordWebhookAttemptResult> {
  return em.transactional(async (tem) => {
    const db = tem.getKysely();
    const report = (outcome: WebhookAttemptOutcome, rest: Partial<RecordWebhookAttemptResult> = {}): RecordWebhookAttemptResult => ({
      outcome, nextAttemptAt: null, disabledReason: null, breakerUntil: null, wakeUps: [], ...rest,
    });
    const locked = await lockEndpointAndDelivery(tem, claim.deliveryId);
    if (!locked) return report('stale'); // deleted with its endpoint or message meanwhile

    // Every attempt that reached the wire (or tried to) is logged, whoever owns the outcome.
    await sql`
      insert into webhook_attempts (attempt_id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
      values (${randomUUID()}, ${claim.deliveryId}, ${claim.attemptedAt}, ${result.statusCode}, ${Math.max(0, Math.round(result.durationMs))},
              ${result.responseExcerpt}, ${result.error?.slice(0, ERROR_MAX) ?? null})`.execute(db);

    const { endpoint, delivery } = locked;
    if (delivery.status !== 'pending' || delivery.lease_token !== claim.leaseToken) return report('stale');

    const settleDelivery = (status: 'succeeded' | 'failed') =>
      sql`update webhook_deliveries set status = ${status}, next_attempt_at = null, leased_until = null, lease_token = null, updated_at = ${now}
          where delivery_id = ${claim.deliveryId}`.execute(db);

    if (result.ok) {
      await settleDelivery('succeeded');
      await sql`update webhook_endpoints set consecutive_failures = 0, failing_since = null, breaker_until = null, last_success_at = ${now}, updated_at = ${now}
                where endpoint_id = ${endpoint.endpoint_id}`.execute(db);
      if (endpoint.breaker_until === null) return report('succeeded');
      // The breaker closes: whatever waited behind it is due now.
      return report('succeeded', { wakeUps: await releaseHeldWebhookDeliveries({ em: tem, endpointId: endpoint.endpoint_id, now }) });
    }

    if (!endpoint.enabled) {
      await settleDelivery('failed');
      return report('failed');
    }

    const disable = async (reason: string) => {
      // This delivery first: its attempt is logged above, and an answer recorded after its lease
      // ended must not be logged again as lost by the disable.
      await settleDelivery('failed');
      await disableWebhookEndpoint({ em: tem, endpointId: endpoint.endpoint_id, reason, now });
      return report('endpoint_disabled', { disabledReason: reason });
    };
    // The reason is read beside the endpoint's disabled_at and failing_since, which the admin and
    // the email show in the reader's time zone: no raw timestamps in it.
    if (result.gone) return disable('The receiver answered 410 Gone, asking not to be called again.');

    const failures = endpoint.consecutive_failures + 1;
    const failingSince = endpoint.failing_since ?? now;
    if (now.getTime() - failingSince.getTime() >= disableAfterFailingMs) {
      return disable(`Every delivery failed for 5 days or more; the last answer was: ${result.error ?? 'no response'}.`);
    }

    // The breaker's cool-down walks the same schedule as a delivery's retries: it opens on step 1
    // and moves one step per failed probe. Only a probe steps it: up to maxInFlight attempts were
    // sent before it opened, and their failures arriving one by one afterwards are one outage, not
    // thirty-two (stepping per failure took a busy endpoint's short blip straight to the longest
    // cool-down and pushed its whole backlog hours out). Such a straggler leaves the cool-down as
    // it is, unless its Retry-After asks for longer.
    let breakerStep = endpoint.breaker_step;
    let breakerUntil: Date | null = endpoint.breaker_until;
    const cooldown = (step: number) =>
      computeNextAttemptAt({ attemptCount: Math.min(step, schedule.length - 1), schedule, now, retryAfterMs: result.retryAfterMs, random });
    if (endpoint.breaker_until === null) {
      if (failures >= breakerThreshold) {
        breakerStep = 1;
        breakerUntil = cooldown(breakerStep);
      }
    } else if (claim.isProbe) {
      breakerStep = Math.max(1, endpoint.breaker_step) + 1;
      breakerUntil = cooldown(breakerStep);
    } else if (result.retryAfterMs != null && result.retryAfterMs > 0) {
      const asked = computeNextAttemptAt({ attemptCount: 0, schedule: [0], now, retryAfterMs: result.retryAfterMs, random });
      if (asked && asked > endpoint.breaker_until) breakerUntil = asked;
    }
    // Never shorten the hold of a probe that is still in flight elsewhere (it holds the breaker until its lease ends).
    if (breakerUntil && endpoint.breaker_until && endpoint.breaker_until > breakerUntil) {
      const others = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries
        where endpoint_id = ${endpoint.endpoint_id} and status = 'pending' and leased_until > ${now} and delivery_id <> ${claim.deliveryId}`.execute(db);
      if (others.rows[0].n > 0) breakerUntil = endpoint.breaker_until;
    }
    await sql`update webhook_endpoints set consecutive_failures = ${failures}, failing_since = ${failingSince}, breaker_until = ${breakerUntil}, breaker_step = ${breakerStep}, updated_at = ${now}
              where endpoint_id = ${endpoint.endpoint_id}`.execute(db);
    if (breakerUntil) {
      // While open, nothing of this endpoint is due before the breaker allows its probe.
      await sql`update webhook_deliveries set next_attempt_at = ${breakerUntil}, updated_at = ${now}
                where endpoint_id = ${endpoint.endpoint_id} and status = 'pending' and leased_until is null and next_attempt_at < ${breakerUntil}`.execute(db);
    }

    const retryAt = computeNextAttemptAt({ attemptCount: delivery.attempt_count, schedule, now, retryAfterMs: result.retryAfterMs, random });
    if (retryAt === null) {
      await settleDelivery('failed');
      return report('failed', { breakerUntil });
    }
    const dueAt = breakerUntil && breakerUntil > retryAt ? breakerUntil : retryAt;
    await sql`update webhook_deliveries set next_attempt_at = ${dueAt}, leased_until = null, lease_token = null, updated_at = ${now}
              where delivery_id = ${claim.deliveryId}`.execute(db);
    return report('retry_scheduled', { nextAttemptAt: dueAt, breakerUntil, wakeUps: [{ deliveryId: claim.deliveryId, at: dueAt }] });
  });
}
