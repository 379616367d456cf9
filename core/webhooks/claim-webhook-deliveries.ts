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
 *    │   → claimable again: resend  │ or endpoint failing for 5 days / disabled;
 *    │                              ▼ claim: lease expired on the last attempt
 *    └────── resend / recover ──── failed
 * ```
 *
 * **Claim by update, with a lease.** A worker claims a delivery only when it is `pending` and
 * `next_attempt_at <= now` (a pending row without a due time counts as due: none is stranded).
 * The claim sets `leased_until = now + lease` (the attempt timeout plus a margin), a fresh
 * `lease_token`, and moves `next_attempt_at` to the lease end; it also counts the attempt. Nothing is "in progress" forever: if the worker is killed mid-send, the row simply
 * becomes due again when the lease ends, the sweeper wakes it and another worker resends it
 * (at-least-once; the `webhook-id` is the message id on every attempt, so receivers deduplicate).
 * That re-claim logs the lost attempt ("no result recorded") so the log has no gaps. Counting
 * the attempt at claim time means a message that crashes the worker every time still exhausts
 * its budget instead of looping forever: when the lease of its budget's last attempt
 * (`maxAttempts`) ends, the claim fails the delivery and logs that lost attempt instead of
 * sending it again. Recording an outcome requires the same `lease_token`,
 * so a worker that was presumed dead and wakes up late can log its attempt but cannot overwrite
 * the outcome of the claim that replaced it.
 *
 * **Lock order.** Claim, record, resend and disable lock the endpoint row first, then the delivery
 * row (`for update`; lock-endpoint-and-delivery.ts for one delivery). Locking the endpoint
 * serialises the per-endpoint decisions below (the concurrency count, who becomes the probe) so
 * two workers cannot both squeeze through; the fixed order means these transactions cannot
 * deadlock one another. They are short: no HTTP inside.
 *
 * **Per-endpoint concurrency bound.** At most `maxInFlight` deliveries of one endpoint hold a
 * live lease at once, so one slow receiver ties up at most that many of a worker's slots. A claim
 * takes only the endpoint's free slots and leaves the rest due, untouched (no attempt counted), to
 * be claimed as answers come in.
 *
 * **Circuit breaker.** `consecutive_failures` counts failed attempts in a row across the
 * endpoint's deliveries; at `breakerThreshold` the breaker opens: `breaker_until` is set to a
 * cool-down that grows along the retry schedule with every failed probe (`breaker_step`: 5 s,
 * 5 min, 30 min, … up to the last delay, or longer if the receiver's Retry-After asks; failures
 * of attempts already in flight when it opened do not step it), and every pending
 * delivery of the endpoint is pushed to at least `breaker_until`. A claim before that time defers
 * what is due to it (one wake-up per endpoint, at that time) — deferral never counts an attempt,
 * so waiting behind the breaker costs a delivery none of its budget. The first claim at or after `breaker_until` is the probe: it is
 * sent, and `breaker_until` moves to the end of its lease so the others keep waiting while it is
 * in flight. A successful probe (or any success) closes the breaker and makes everything that
 * waited due at once (its ids are returned as wake-ups); a failed probe re-opens it for longer.
 *
 * **Disabling.** A 410 Gone disables the endpoint at once; so does a failure when the current
 * failing streak (`failing_since`, reset by any success) is older than 5 days. Disabling fails the
 * endpoint's idle pending deliveries (a claim fails any that come due later, without an attempt);
 * "recover" puts failed ones back once the endpoint is enabled.
 *
 * ## The batch claim: every due delivery a dispatcher can take, in one transaction
 *
 * Each worker process's dispatcher (worker/handlers/deliver-webhook-dispatcher.ts) claims all due
 * deliveries it has room for at once, not one named delivery: four round trips for up to `limit`
 * deliveries. Answers are recorded by record-webhook-attempts.ts (record-webhook-attempt.ts for
 * anything but a plain success).
 *
 * 1. **Lock the endpoints that have due work** (`for update skip locked`), found by a skip scan
 *    of the pending index (one probe per endpoint with pending deliveries, not one per due row:
 *    a backlog of 100,000 rows on one endpoint costs the same as one). Oldest due work first, so
 *    one busy endpoint cannot keep the others out of the batch. An endpoint another worker is
 *    claiming or recording right now is skipped: that worker claims again after it records.
 * 2. **Claim**, in a second statement (READ COMMITTED gives it a snapshot taken after the locks,
 *    so the in-flight count includes every lease committed before — the bound holds across
 *    workers): per endpoint as many due rows as it has free slots (one, the probe, when its
 *    breaker's cool-down is over), round-robin across endpoints up to `limit`; lease them, log
 *    lost attempts, move a probing breaker to the lease end; return each with its message and
 *    the endpoint's URL and secrets.
 *
 * Endpoints whose breaker is open have their due deliveries deferred to `breaker_until` (no
 * attempt counted, one wake-up per endpoint at that time); disabled endpoints, and endpoints of a
 * deleted account (`users.deleted_at`), have theirs failed (a lost attempt among them logged).
 *
 * **Lost attempts.** Every path that clears an ended lease logs the attempt it stood for
 * (insert-lost-webhook-attempts.ts): this claim (re-claim, last attempt, disabled endpoint), a
 * resend, and disabling the endpoint.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { failWebhookDeliveries, insertLostWebhookAttempts, LOST_ATTEMPT, LOST_ATTEMPT_ENDPOINT_DISABLED, LOST_LAST_ATTEMPT } from './insert-lost-webhook-attempts.ts';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE_S } from './schedule-webhook-retry.ts';
import { WEBHOOK_TIMEOUT_MS } from './send-webhook.ts';
import { selectSigningSecrets } from './sign-webhook.ts';
import { openWebhookSecret } from './webhook-secret-at-rest.ts';

/**
 * Deliveries of one endpoint that may be in flight at once, over all workers (was 4). A slot is
 * held from the claim to the recorded answer: the send plus up to two dispatcher transactions,
 * 30–200 ms on a busy machine, so 32 slots carry 150–1,000 deliveries/s to one endpoint over at
 * most 32 keep-alive connections. A slow endpoint holds 32 of a worker's 512 dispatch slots
 * (WEBHOOK_DISPATCH_MAX_IN_FLIGHT): it takes 16 slow endpoints at once to fill a worker.
 */
export const WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 32;
/** Time a worker gets beyond the attempt timeout to record the result before its lease ends (config WEBHOOK_LEASE_MARGIN_MS). */
export const WEBHOOK_LEASE_MARGIN_MS = 30_000;

/** A delivery's lease: the attempt's timeout plus the margin to record its answer. */
export function webhookLeaseMs(timeoutMs: number = WEBHOOK_TIMEOUT_MS, marginMs: number = WEBHOOK_LEASE_MARGIN_MS): number {
  return timeoutMs + marginMs;
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
  /**
   * Secrets that sign this attempt (two during a rotation), decrypted: `whsec_…`. Empty when a
   * stored secret could not be opened (`secretError` says why): that attempt fails on its own,
   * logged, and the rest of the batch goes on.
   */
  secrets: string[];
  /** Why the endpoint's stored secret could not be opened (a wrong DATA_ENCRYPTION_KEY, a damaged value); null normally. */
  secretError: string | null;
  messageId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

/** Endpoints considered by one claim: the batch cannot use more than one slot of each anyway. */
const CANDIDATE_ENDPOINTS_MAX = 500;

export interface ClaimDueWebhookDeliveriesInput {
  em: EntityManager;
  now: Date;
  /** Opens the endpoints' stored secrets (config DATA_ENCRYPTION_KEY; webhook-secret-at-rest.ts). */
  dataKey: Buffer;
  /** Keys being rotated out that still open values sealed under them (config DATA_ENCRYPTION_PREVIOUS_KEYS); default none. */
  previousDataKeys?: readonly Buffer[];
  /** Most deliveries to claim. */
  limit: number;
  /** Lease length; default the attempt timeout plus WEBHOOK_LEASE_MARGIN_MS. */
  leaseMs?: number;
  /** Default WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT. */
  maxInFlight?: number;
  /** Attempts in a delivery's budget: WEBHOOK_RETRY_SCHEDULE's length (default the default schedule's). */
  maxAttempts?: number;
}

export interface ClaimDueWebhookDeliveriesResult {
  claimed: ClaimedWebhookDelivery[];
  /** Deliveries deferred behind an open breaker: wake one per endpoint at this time. */
  wakeUps: { deliveryId: string; at: Date }[];
  /** Due deliveries failed: their endpoint is disabled, or a worker died on their last attempt. */
  failed: number;
}

function asDate(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}

/** Claims in its own transaction (a savepoint inside the caller's). */
export async function claimDueWebhookDeliveries(input: ClaimDueWebhookDeliveriesInput): Promise<ClaimDueWebhookDeliveriesResult> {
  if (input.limit <= 0) return { claimed: [], wakeUps: [], failed: 0 };
  return input.em.transactional((tem) => claimDueWebhookDeliveriesInTransaction({ ...input, em: tem }));
}

/**
 * The claim's statements, for a caller whose transaction is open (`em` inside `transactional`):
 * the dispatcher records the previous answers and claims the next batch in one transaction.
 */
export async function claimDueWebhookDeliveriesInTransaction({
  em,
  now,
  dataKey,
  previousDataKeys = [],
  limit,
  leaseMs = webhookLeaseMs(),
  maxInFlight = WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
  maxAttempts = DEFAULT_WEBHOOK_RETRY_SCHEDULE_S.length,
}: ClaimDueWebhookDeliveriesInput): Promise<ClaimDueWebhookDeliveriesResult> {
  if (limit <= 0) return { claimed: [], wakeUps: [], failed: 0 };
  const db = em.getKysely();
  // Each per-endpoint question is answered from an index, however long the endpoint's backlog:
  // the earliest pending row from the (endpoint_id, next_attempt_at) pending index (due if it is
  // due: the rest are later), the live leases from the (endpoint_id, leased_until) leased index.
  // A live lease's next_attempt_at is its lease end, so `leased_until > now` alone finds them.
  // An endpoint whose owner's account is deleted counts as disabled whatever its `enabled` says (a
  // PATCH or POST in flight at the deletion can have enabled or created it after the deletion
  // disabled the rest): its due deliveries fail here and are never sent. One primary-key probe of
  // users per candidate endpoint (a subplan, not a join the planner could turn into a hash of
  // the whole users table), evaluated only for the endpoints the other conditions leave.
  const ownerDeleted = sql<boolean>`exists (select 1 from users u where u.user_id = e.user_id and u.deleted_at is not null)`;
  const endpoints = await sql<{ endpoint_id: string; enabled: boolean; breaker_until: Date | string | null; undated: boolean }>`
    with recursive eps(endpoint_id) as (
      (select endpoint_id from webhook_deliveries where status = 'pending' order by endpoint_id limit 1)
      union all
      select (select d.endpoint_id from webhook_deliveries d where d.status = 'pending' and d.endpoint_id > eps.endpoint_id order by d.endpoint_id limit 1)
      from eps where eps.endpoint_id is not null
    ), due as (
      select endpoint_id,
        (select d.next_attempt_at from webhook_deliveries d where d.endpoint_id = eps.endpoint_id and d.status = 'pending'
         order by d.endpoint_id, d.next_attempt_at limit 1) as first_at,
        exists (select 1 from webhook_deliveries d where d.endpoint_id = eps.endpoint_id and d.status = 'pending' and d.next_attempt_at is null) as undated,
        (select count(*)::int from webhook_deliveries d where d.endpoint_id = eps.endpoint_id and d.status = 'pending' and d.leased_until > ${now}) as in_flight
      from eps where endpoint_id is not null
    )
    select e.endpoint_id, e.enabled and not ${ownerDeleted} as enabled, e.breaker_until, due.undated
    from due join webhook_endpoints e on e.endpoint_id = due.endpoint_id
    where (due.first_at <= ${now} or due.undated)
      and (due.in_flight < ${maxInFlight} or not e.enabled or e.breaker_until > ${now} or ${ownerDeleted})
    order by due.undated desc, due.first_at
    limit ${CANDIDATE_ENDPOINTS_MAX}
    for update of e skip locked`.execute(db);

  const disabled: string[] = [];
  const held: string[] = [];
  const open: string[] = [];
  for (const e of endpoints.rows) {
    const breakerUntil = asDate(e.breaker_until);
    if (!e.enabled) disabled.push(e.endpoint_id);
    else if (breakerUntil && breakerUntil > now) held.push(e.endpoint_id);
    else open.push(e.endpoint_id);
  }

  let failed = 0;
  if (endpoints.rows.length) {
    // A lease that expired on the budget's last attempt (the worker died sending it: a message
    // that kills the worker every time ends here) fails the delivery instead of sending it again,
    // with the lost attempt logged. The attempt was counted when it was claimed. (Found through the
    // leased index: the few leased rows, not the endpoint's whole due backlog.)
    failed += (await failWebhookDeliveries(db, sql`endpoint_id = any(${endpoints.rows.map((e) => e.endpoint_id)}::uuid[])
      and leased_until <= ${now} and next_attempt_at <= ${now} and attempt_count >= ${maxAttempts}`, LOST_LAST_ATTEMPT, now)).length;
  }
  if (disabled.length) {
    // A due row with a lease is one whose worker died mid-attempt (a live lease is not due yet):
    // that attempt is logged before the lease is cleared.
    failed += (await failWebhookDeliveries(db, sql`endpoint_id = any(${disabled}::uuid[]) and (next_attempt_at <= ${now} or next_attempt_at is null)`, LOST_ATTEMPT_ENDPOINT_DISABLED, now)).length;
  }

  const wakeUps: { deliveryId: string; at: Date }[] = [];
  if (held.length) {
    // Deferral moves the due time only: attempt_count is untouched, so waiting costs no budget.
    const r = await sql<{ delivery_id: string; next_attempt_at: Date | string }>`
      with deferred as (
        update webhook_deliveries d set next_attempt_at = e.breaker_until, updated_at = ${now}
        from webhook_endpoints e
        where e.endpoint_id = any(${held}::uuid[]) and d.endpoint_id = e.endpoint_id and d.status = 'pending'
          and (d.next_attempt_at <= ${now} or d.next_attempt_at is null)
        returning d.delivery_id, d.endpoint_id, d.next_attempt_at)
      select distinct on (endpoint_id) delivery_id, next_attempt_at from deferred order by endpoint_id, delivery_id`.execute(db);
    for (const row of r.rows) wakeUps.push({ deliveryId: row.delivery_id, at: new Date(row.next_attempt_at) });
  }

  if (!open.length) return { claimed: [], wakeUps, failed };
  // A pending row without a due time (none is written so; a hand edit) is due: never strand one.
  const undated = endpoints.rows.filter((e) => e.undated && open.includes(e.endpoint_id)).map((e) => e.endpoint_id);
  if (undated.length) {
    await sql`update webhook_deliveries set next_attempt_at = ${now} where endpoint_id = any(${undated}::uuid[]) and status = 'pending' and next_attempt_at is null`.execute(db);
  }
  const leaseEnd = new Date(now.getTime() + leaseMs);
  const claimed = await sql<{
    delivery_id: string; endpoint_id: string; lease_token: string; attempt_count: number; message_id: string; probe: boolean;
    url: string; secret: string; previous_secret: string | null; previous_secret_expires_at: Date | string | null;
    event_type: string; payload: Record<string, unknown>;
  }>`
    with ep as (
      select e.endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, e.breaker_until is not null as probe,
        greatest(0, ${maxInFlight}::int - (select count(*)::int from webhook_deliveries f
          where f.endpoint_id = e.endpoint_id and f.status = 'pending' and f.leased_until > ${now})) as free
      from webhook_endpoints e where e.endpoint_id = any(${open}::uuid[])
    ), cand as (
      select d.delivery_id, d.endpoint_id, d.leased_until, d.last_attempt_at, d.next_attempt_at, ep.probe,
        row_number() over (partition by d.endpoint_id order by d.next_attempt_at, d.delivery_id) as rn
      from ep cross join lateral (
        select w.delivery_id, w.endpoint_id, w.leased_until, w.last_attempt_at, w.next_attempt_at from webhook_deliveries w
        where w.endpoint_id = ep.endpoint_id and w.status = 'pending' and w.next_attempt_at <= ${now}
        order by w.endpoint_id, w.next_attempt_at
        limit case when ep.probe then least(ep.free, 1) else ep.free end
        for update skip locked
      ) d
    ), pick as (
      select * from cand order by rn, next_attempt_at, delivery_id limit ${limit}
    ), lost as (${insertLostWebhookAttempts(sql`pick where leased_until is not null`, LOST_ATTEMPT)}), probing as (
      -- The probe holds the breaker for the length of its lease: the others keep waiting until it reports.
      update webhook_endpoints set breaker_until = ${leaseEnd} where endpoint_id in (select endpoint_id from pick where probe)
    ), claimed as (
      update webhook_deliveries d
      set attempt_count = d.attempt_count + 1, leased_until = ${leaseEnd}, lease_token = gen_random_uuid(),
          next_attempt_at = ${leaseEnd}, last_attempt_at = ${now}, updated_at = ${now}
      where d.delivery_id = any(array(select delivery_id from pick))
      returning d.delivery_id, d.endpoint_id, d.lease_token, d.attempt_count, d.message_id
    )
    select c.delivery_id, c.endpoint_id, c.lease_token, c.attempt_count, c.message_id, pick.probe,
           ep.url, ep.secret, ep.previous_secret, ep.previous_secret_expires_at, m.event_type, m.payload
    from claimed c join pick on pick.delivery_id = c.delivery_id join ep on ep.endpoint_id = c.endpoint_id
      join webhook_messages m on m.message_id = c.message_id
    order by pick.rn, pick.next_attempt_at`.execute(db);

  return {
    wakeUps,
    failed,
    claimed: claimed.rows.map((r) => ({
      deliveryId: r.delivery_id,
      endpointId: r.endpoint_id,
      leaseToken: r.lease_token,
      attemptedAt: now,
      attemptNumber: r.attempt_count,
      isProbe: r.probe,
      url: r.url,
      ...openSigningSecrets(selectSigningSecrets({ secret: r.secret, previousSecret: r.previous_secret, previousSecretExpiresAt: asDate(r.previous_secret_expires_at) }, now), dataKey, previousDataKeys),
      messageId: r.message_id,
      eventType: r.event_type,
      payload: r.payload,
    })),
  };
}

/**
 * The stored secrets of one endpoint, opened. A value that does not open fails this endpoint's
 * attempt only (recorded as a failed attempt, retried): throwing here would roll back the whole
 * claim, and one damaged row would stop every realtor's deliveries.
 */
function openSigningSecrets(stored: string[], dataKey: Buffer, previousDataKeys: readonly Buffer[]): { secrets: string[]; secretError: string | null } {
  try {
    return { secrets: stored.map((v) => openWebhookSecret(v, dataKey, previousDataKeys)), secretError: null };
  } catch (err) {
    return { secrets: [], secretError: `signing secret unreadable: ${(err as Error).message}` };
  }
}
