/**
 * # Webhook delivery: claim, lease, breaker
 *
 * A delivery (`webhook_deliveries`, one message × one endpoint) is the outbox row. It is written
 * in the transaction of the change that caused it (record-webhook-message.ts) and lives in
 * Postgres until it succeeds or fails for good; a BullMQ job is only a wake-up carrying its id,
 * and the sweeper (find-due-webhook-deliveries.ts) wakes whatever is due and has no job.
 *
 * ```
 *            claim (lease)                   record: 2xx
 *  pending ───────────────▶ pending+leased ─────────────────▶ succeeded
 *    ▲  ▲                    │      │ record: failure, schedule left
 *    │  └────────────────────┘      │ (next_attempt_at = retry time)
 *    │   lease expired (worker died)│ record: failure, schedule exhausted, 410,
 *    │   → claimable again: resend  ▼ or endpoint failing for 5 days / disabled
 *    └────── resend / recover ──── failed
 * ```
 *
 * **Claim by update, with a lease.** A worker claims a delivery only when it is `pending` and
 * `next_attempt_at <= now`. The claim sets `leased_until = now + lease` (the attempt timeout plus
 * a margin), a fresh `lease_token`, and moves `next_attempt_at` to the lease end; it also counts
 * the attempt. Nothing is "in progress" forever: if the worker is killed mid-send, the row simply
 * becomes due again when the lease ends, the sweeper wakes it and another worker resends it
 * (at-least-once; the `webhook-id` is the message id on every attempt, so receivers deduplicate).
 * That re-claim logs the lost attempt ("no result recorded") so the log has no gaps. Counting
 * the attempt at claim time means a message that crashes the worker every time still exhausts
 * its budget instead of looping forever. Recording an outcome requires the same `lease_token`,
 * so a worker that was presumed dead and wakes up late can log its attempt but cannot overwrite
 * the outcome of the claim that replaced it.
 *
 * **Lock order.** Claim, record, resend and disable lock the endpoint row first, then the delivery
 * row (`for update`). Locking the endpoint serialises the per-endpoint decisions below (the
 * concurrency count, who becomes the probe) so two workers cannot both squeeze through; the fixed
 * order means these transactions cannot deadlock one another. They are short: no HTTP inside.
 *
 * **Per-endpoint concurrency bound.** At most `maxInFlight` deliveries of one endpoint hold a
 * live lease at once. A claim of this one delivery over the bound is deferred by about a second
 * (jittered) without counting an attempt, so one slow receiver ties up at most that many workers.
 * The worker's batch claim (claim-webhook-deliveries.ts) takes only the free slots and leaves the
 * rest due, to be claimed as answers come in.
 *
 * **Circuit breaker.** `consecutive_failures` counts failed attempts in a row across the
 * endpoint's deliveries; at `breakerThreshold` the breaker opens: `breaker_until` is set to a
 * cool-down that grows along the retry schedule with every further failure (5 s, 5 min, 30 min,
 * … up to the last delay, or longer if the receiver's Retry-After asks), and every pending
 * delivery of the endpoint is pushed to at least `breaker_until`. A claim before that time is
 * deferred to it — deferral never counts an attempt, so waiting behind the breaker costs a
 * delivery none of its budget. The first claim at or after `breaker_until` is the probe: it is
 * sent, and `breaker_until` moves to the end of its lease so the others keep waiting while it is
 * in flight. A successful probe (or any success) closes the breaker and makes everything that
 * waited due at once (its ids are returned as wake-ups); a failed probe re-opens it for longer.
 *
 * **Disabling.** A 410 Gone disables the endpoint at once; so does a failure when the current
 * failing streak (`failing_since`, reset by any success) is older than 5 days. Disabling fails the
 * endpoint's idle pending deliveries; "recover" puts failed ones back once the endpoint is enabled.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { selectSigningSecrets } from './sign-webhook.ts';
import { WEBHOOK_TIMEOUT_MS } from './send-webhook.ts';

/**
 * Deliveries of one endpoint that may be in flight at once, over all workers (was 4). A slot is
 * held from the claim to the recorded answer: the send plus up to two dispatcher transactions,
 * 30–200 ms on a busy machine, so 32 slots carry 150–1,000 deliveries/s to one endpoint over at
 * most 32 keep-alive connections. A slow endpoint holds 32 of a worker's 512 dispatch slots
 * (WEBHOOK_DISPATCH_MAX_IN_FLIGHT): it takes 16 slow endpoints at once to fill a worker.
 */
export const WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 32;
/** Failed attempts in a row that open an endpoint's circuit breaker. */
export const WEBHOOK_BREAKER_THRESHOLD = 3;
/** A claim over the concurrency bound retries after about this long (plus up to 100 % jitter). */
export const WEBHOOK_CONCURRENCY_DEFER_MS = 1000;
/** Time a worker gets beyond the attempt timeout to record the result before its lease ends. */
export const WEBHOOK_LEASE_MARGIN_MS = 30_000;

export function webhookLeaseMs(timeoutMs: number = WEBHOOK_TIMEOUT_MS): number {
  return timeoutMs + WEBHOOK_LEASE_MARGIN_MS;
}

export interface ClaimedWebhookDelivery {
  deliveryId: string;
  endpointId: string;
  leaseToken: string;
  /** When this attempt started (the claim time); the attempt row carries it. */
  attemptedAt: Date;
  /** 1-based number of this attempt in the delivery's current budget. */
  attemptNumber: number;
  /** This attempt is the breaker's probe for a failing endpoint. */
  isProbe: boolean;
  url: string;
  /** Secrets that sign this attempt (two during a rotation). */
  secrets: string[];
  messageId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

export type ClaimWebhookDeliveryResult =
  | { claimed: true; delivery: ClaimedWebhookDelivery }
  | { claimed: false; reason: 'not_found' | 'not_pending' | 'endpoint_disabled' }
  | { claimed: false; reason: 'not_due' | 'breaker_open' | 'concurrency_limit'; nextAttemptAt: Date };

export interface ClaimWebhookDeliveryInput {
  em: EntityManager;
  deliveryId: string;
  now: Date;
  /** Lease length; default the attempt timeout plus WEBHOOK_LEASE_MARGIN_MS. */
  leaseMs?: number;
  /** Default WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT. */
  maxInFlight?: number;
  random?: () => number;
}

export interface EndpointRow {
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled: boolean;
  breaker_until: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
}

export interface DeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  status: string;
  attempt_count: number;
  next_attempt_at: Date | null;
  leased_until: Date | null;
  lease_token: string | null;
  last_attempt_at: Date | null;
}

/** The ORM's pg connection returns timestamptz as text ('2026-11-29 10:00:00+00'); rows here carry Dates. */
function asDate(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}

/** Locks an endpoint row, then one of its deliveries (the module's lock order). Null if either is gone. */
export async function lockEndpointAndDelivery(em: EntityManager, deliveryId: string): Promise<{ endpoint: EndpointRow; delivery: DeliveryRow } | null> {
  const db = em.getKysely();
  const found = await sql<{ endpoint_id: string }>`select endpoint_id from webhook_deliveries where delivery_id = ${deliveryId}`.execute(db);
  if (found.rows.length === 0) return null;
  const endpoint = await sql<EndpointRow>`
    select endpoint_id, url, secret, previous_secret, previous_secret_expires_at, enabled, breaker_until, consecutive_failures, failing_since
    from webhook_endpoints where endpoint_id = ${found.rows[0].endpoint_id} for update`.execute(db);
  const delivery = await sql<DeliveryRow>`
    select delivery_id, endpoint_id, status, attempt_count, next_attempt_at, leased_until, lease_token, last_attempt_at
    from webhook_deliveries where delivery_id = ${deliveryId} for update`.execute(db);
  if (endpoint.rows.length === 0 || delivery.rows.length === 0) return null;
  const e = endpoint.rows[0];
  const d = delivery.rows[0];
  return {
    endpoint: { ...e, previous_secret_expires_at: asDate(e.previous_secret_expires_at), breaker_until: asDate(e.breaker_until), failing_since: asDate(e.failing_since) },
    delivery: { ...d, next_attempt_at: asDate(d.next_attempt_at), leased_until: asDate(d.leased_until), last_attempt_at: asDate(d.last_attempt_at) },
  };
}

/**
 * Claims one delivery for an attempt, or says why not and when to try again. Runs in its own
 * transaction (a savepoint inside the caller's); the HTTP request happens after it commits.
 */
export async function claimWebhookDelivery({
  em,
  deliveryId,
  now,
  leaseMs = webhookLeaseMs(),
  maxInFlight = WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
  random = Math.random,
}: ClaimWebhookDeliveryInput): Promise<ClaimWebhookDeliveryResult> {
  return em.transactional(async (tem) => {
    const db = tem.getKysely();
    const locked = await lockEndpointAndDelivery(tem, deliveryId);
    if (!locked) return { claimed: false, reason: 'not_found' };
    const { endpoint, delivery } = locked;
    if (delivery.status !== 'pending') return { claimed: false, reason: 'not_pending' };
    if (!endpoint.enabled) {
      await sql`update webhook_deliveries set status = 'failed', next_attempt_at = null, leased_until = null, lease_token = null, updated_at = ${now}
                where delivery_id = ${deliveryId}`.execute(db);
      return { claimed: false, reason: 'endpoint_disabled' };
    }
    // A pending row without a due time is treated as due: never strand a delivery.
    if (delivery.next_attempt_at !== null && delivery.next_attempt_at > now) {
      return { claimed: false, reason: 'not_due', nextAttemptAt: delivery.next_attempt_at };
    }

    const defer = async (reason: 'breaker_open' | 'concurrency_limit', until: Date): Promise<ClaimWebhookDeliveryResult> => {
      // Deferral moves the due time only: attempt_count is untouched, so waiting costs no budget.
      await sql`update webhook_deliveries set next_attempt_at = ${until}, updated_at = ${now} where delivery_id = ${deliveryId}`.execute(db);
      return { claimed: false, reason, nextAttemptAt: until };
    };

    if (endpoint.breaker_until && endpoint.breaker_until > now) return defer('breaker_open', endpoint.breaker_until);

    const inFlight = await sql<{ n: number }>`
      select count(*)::int as n from webhook_deliveries
      where endpoint_id = ${endpoint.endpoint_id} and status = 'pending' and leased_until > ${now}`.execute(db);
    if (inFlight.rows[0].n >= maxInFlight) {
      return defer('concurrency_limit', new Date(now.getTime() + Math.round(WEBHOOK_CONCURRENCY_DEFER_MS * (1 + random()))));
    }

    const leaseEnd = new Date(now.getTime() + leaseMs);
    const isProbe = endpoint.breaker_until !== null;
    // The probe holds the breaker for the length of its lease: the others keep waiting until it reports.
    if (isProbe) await sql`update webhook_endpoints set breaker_until = ${leaseEnd} where endpoint_id = ${endpoint.endpoint_id}`.execute(db);

    // A lease that ended without a recorded result: the worker died mid-attempt. Say so in the log.
    if (delivery.leased_until !== null) {
      const startedAt = delivery.last_attempt_at ?? delivery.leased_until;
      await sql`
        insert into webhook_attempts (attempt_id, delivery_id, attempted_at, status_code, duration_ms, response_excerpt, error)
        values (${randomUUID()}, ${deliveryId}, ${startedAt}, null, ${Math.max(0, delivery.leased_until.getTime() - startedAt.getTime())}, null,
                'no result recorded: the worker stopped during the attempt and its lease expired; sending again')`.execute(db);
    }

    const leaseToken = randomUUID();
    await sql`
      update webhook_deliveries
      set attempt_count = attempt_count + 1, leased_until = ${leaseEnd}, lease_token = ${leaseToken},
          next_attempt_at = ${leaseEnd}, last_attempt_at = ${now}, updated_at = ${now}
      where delivery_id = ${deliveryId}`.execute(db);

    const message = await sql<{ message_id: string; event_type: string; payload: Record<string, unknown> }>`
      select m.message_id, m.event_type, m.payload from webhook_messages m
      join webhook_deliveries d on d.message_id = m.message_id where d.delivery_id = ${deliveryId}`.execute(db);
    const m = message.rows[0];
    return {
      claimed: true,
      delivery: {
        deliveryId,
        endpointId: endpoint.endpoint_id,
        leaseToken,
        attemptedAt: now,
        attemptNumber: delivery.attempt_count + 1,
        isProbe,
        url: endpoint.url,
        secrets: selectSigningSecrets(
          { secret: endpoint.secret, previousSecret: endpoint.previous_secret, previousSecretExpiresAt: endpoint.previous_secret_expires_at },
          now,
        ),
        messageId: m.message_id,
        eventType: m.event_type,
        payload: m.payload,
      },
    };
  });
}
