import { setTimeout } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { claimWebhookDelivery, webhookLeaseMs } from './claim-webhook-delivery.ts';
import { toDeliveryWakeups } from './record-webhook-event.ts';
import { recordWebhookAttempt, type WebhookAttemptOutcome } from './record-webhook-attempt.ts';
import { announceDisabledEndpoint } from './record-webhook-attempts.ts';
import { type SendWebhookResult, sendWebhook } from './send-webhook.ts';
import { createWebhookHeaders } from './sign-webhook.ts';

/** A job that runs at most this early waits for its row instead of rescheduling itself. */
const EARLY_WAIT_MAX_MS = 2000;

export interface DeliverWebhookResult {
  /** What happened: the attempt's outcome, or why nothing was sent. */
  outcome: WebhookAttemptOutcome | 'not_found' | 'not_pending' | 'endpoint_disabled' | 'not_due' | 'breaker_open' | 'concurrency_limit';
  statusCode?: number | null;
  durationMs?: number;
  /** Wake-ups to send now (the caller is outside every transaction). */
  wakeups: Wakeup[];
}

/**
 * One delivery attempt, end to end: claim the delivery in Postgres (a lease), sign the body with
 * the endpoint's current secrets (two during a rotation), POST it through the SSRF guard, then
 * log the attempt and apply its outcome. No transaction is open during the HTTP request.
 *
 * A delivery that cannot be claimed yet (not due, breaker open, endpoint at its concurrency
 * bound) is woken again at the time the claim named. When the attempt disables the endpoint
 * (410 Gone, 5 days of failures) the internal `endpoint.disabled` event is recorded in the same
 * transaction, so the owner's email alert commits with the disabling.
 */
export async function deliverWebhook({ em, config, deliveryId, now }: { em: EntityManager; config: Config; deliveryId: string; now: () => Date }): Promise<DeliverWebhookResult> {
  const leaseMs = webhookLeaseMs(config.WEBHOOK_TIMEOUT_MS);
  let claim = await claimWebhookDelivery({ em, deliveryId, now: now(), leaseMs });
  // A job that fires a hair before its row is due (timer and clock granularity) would re-enqueue
  // itself under its own, still active, job id — a no-op. Wait out a short gap instead.
  if (!claim.claimed && claim.reason === 'not_due' && claim.nextAttemptAt.getTime() - now().getTime() <= EARLY_WAIT_MAX_MS) {
    await setTimeout(Math.max(0, claim.nextAttemptAt.getTime() - now().getTime()) + 5);
    claim = await claimWebhookDelivery({ em, deliveryId, now: now(), leaseMs });
  }
  if (!claim.claimed) {
    const wakeups = 'nextAttemptAt' in claim ? toDeliveryWakeups([{ deliveryId, at: claim.nextAttemptAt }]) : [];
    return { outcome: claim.reason, wakeups };
  }
  const { delivery } = claim;
  const body = JSON.stringify(delivery.payload);
  const headers = createWebhookHeaders({ id: delivery.messageId, timestamp: now(), body, secrets: delivery.secrets });
  const result: SendWebhookResult = await sendWebhook({
    url: delivery.url, headers: { ...headers }, body, timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
  });

  const { recorded, extra } = await em.transactional(async (tem) => {
    const recorded = await recordWebhookAttempt({ em: tem, claim: delivery, result, now: now(), schedule: config.WEBHOOK_RETRY_SCHEDULE });
    const extra = recorded.disabledReason ? await announceDisabledEndpoint(tem, config, delivery.endpointId, recorded.disabledReason, now()) : [];
    return { recorded, extra };
  });
  return {
    outcome: recorded.outcome, statusCode: result.statusCode, durationMs: result.durationMs,
    wakeups: [...toDeliveryWakeups(recorded.wakeUps), ...extra],
  };
}
