import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '#core/config.ts';
import { enqueueAfterCommit, type Wakeup } from '#core/jobs/wakeup.ts';
import type { Queues } from '#core/jobs/queues.ts';
import type { Logger } from '#core/logger.ts';
import { type ClaimedWebhookDelivery, claimDueWebhookDeliveriesInTransaction, WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT, webhookLeaseMs } from '#core/webhooks/claim-webhook-deliveries.ts';
import { recordWebhookAttemptsInTransaction, type WebhookAttemptToRecord } from '#core/webhooks/record-webhook-attempts.ts';
import { toDeliveryWakeups } from '#core/webhooks/record-webhook-event.ts';
import { createWebhookAgents, type SendWebhookResult, sendWebhook } from '#core/webhooks/send-webhook.ts';
import { createWebhookHeaders } from '#core/webhooks/sign-webhook.ts';

/** Deliveries one worker process has in flight at most (claimed, not yet recorded), over all endpoints. */
export const WEBHOOK_DISPATCH_MAX_IN_FLIGHT = 512;
/** Most deliveries claimed by one statement. */
export const WEBHOOK_CLAIM_BATCH = 256;
/** Most attempts recorded by one transaction (with the next claim). */
export const WEBHOOK_RECORD_BATCH = 512;
/** After a failed claim or record (Postgres unreachable), try again after this long. */
const RETRY_AFTER_ERROR_MS = 1000;

export interface WebhookDispatcher {
  /**
   * Something is due: claim what can be claimed now. Resolves when a claim that started after
   * this call has finished (the wake-up's delivery is then in flight, or not claimable yet).
   */
  wake(): Promise<void>;
  /** Stop claiming; resolves when every attempt in flight has been sent and recorded (or given up to its lease). */
  close(): Promise<void>;
}

export interface WebhookDispatcherOptions {
  orm: MikroORM;
  config: Config;
  queues: Queues;
  logger: Logger;
  now?: () => Date;
  maxInFlight?: number;
  claimBatch?: number;
  /** Per endpoint; default WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT. */
  maxInFlightPerEndpoint?: number;
}

/**
 * # The webhook dispatcher: one per worker process
 *
 * `webhooks.deliver` jobs are wake-ups: each tells the process's dispatcher that something is
 * due. The dispatcher claims every due delivery it has room for in one statement
 * (`claimDueWebhookDeliveries`: leases in Postgres, the per-endpoint bound and the breaker
 * respected across workers), sends them concurrently over keep-alive connections (the SSRF guard
 * checks each new connection's address), and records their attempts in batches
 * (`recordWebhookAttempts`: one statement for the common case). Postgres stays the source of
 * truth: nothing is held in memory that is not leased in Postgres, so a process killed mid-send
 * loses nothing — the leases expire, the sweeper wakes the rows and another worker resends them
 * (same `webhook-id`), logging the lost attempt.
 *
 * The loop runs one transaction at a time: record the answers that arrived since the last one
 * (a quiet period records one attempt right away, a busy one hundreds per transaction), then claim
 * as many due deliveries as there are free slots. Each claimed delivery is sent at once. After
 * every record the dispatcher claims again — slots were freed, in this process and in the
 * per-endpoint bounds — until a claim finds nothing. Deliveries due later (retries) have their
 * own delayed wake-ups; those held by another worker's bound are claimed by that worker when it
 * records (or by this one on its next wake-up, or the sweeper's).
 */
export function createWebhookDispatcher(opts: WebhookDispatcherOptions): WebhookDispatcher {
  const now = opts.now ?? (() => new Date());
  const maxInFlight = opts.maxInFlight ?? WEBHOOK_DISPATCH_MAX_IN_FLIGHT;
  const claimBatch = opts.claimBatch ?? WEBHOOK_CLAIM_BATCH;
  const perEndpoint = opts.maxInFlightPerEndpoint ?? WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT;
  const leaseMs = webhookLeaseMs(opts.config.WEBHOOK_TIMEOUT_MS, opts.config.WEBHOOK_LEASE_MARGIN_MS);
  const log = opts.logger.child({ component: 'webhook-dispatcher' });
  const agents = createWebhookAgents();
  const em = () => opts.orm.em.fork() as EntityManager;

  let closed = false;
  /** A transaction (record, claim or both) is running: one at a time per process. */
  let busy = false;
  /** A claim is wanted: woken, or slots were freed since the last claim started. */
  let wanted = false;
  /** Waiters for the next claim to finish (wake()'s promise). */
  let waiting: Array<() => void> = [];
  /** Claimed and not yet recorded (being sent, or waiting in `toRecord`). */
  let inFlight = 0;
  const toRecord: WebhookAttemptToRecord[] = [];
  let idle: (() => void) | null = null;
  let retryTimer: NodeJS.Timeout | undefined;

  const send = (wakeups: Wakeup[]) => {
    if (wakeups.length) void enqueueAfterCommit(opts.queues, wakeups, log);
  };

  /** After close(): resolves it once nothing is being claimed, sent or recorded. */
  function settled(): void {
    if (closed && !busy && inFlight === 0 && idle) idle();
  }

  /**
   * One transaction: record the answers that arrived (which frees their slots), then claim as
   * many due deliveries as there is room for. Doing both in one transaction saves round trips and
   * keeps this process's own record from holding endpoint locks its claim would have to skip.
   */
  function cycle(): void {
    if (busy) return;
    const batch = toRecord.splice(0, WEBHOOK_RECORD_BATCH);
    const room = closed ? 0 : Math.min(claimBatch, maxInFlight - (inFlight - batch.length));
    const claiming = wanted && room > 0;
    if (!batch.length && !claiming) return;
    busy = true;
    if (claiming) wanted = false;
    const waiters = claiming ? waiting : [];
    if (claiming) waiting = [];
    const started = performance.now();
    const at = now();
    em().transactional(async (tem) => ({
      recorded: batch.length ? await recordWebhookAttemptsInTransaction({ em: tem, attempts: batch, now: at, config: opts.config }) : null,
      claim: claiming ? await claimDueWebhookDeliveriesInTransaction({ em: tem, now: at, dataKey: opts.config.DATA_ENCRYPTION_KEY, previousDataKeys: opts.config.DATA_ENCRYPTION_PREVIOUS_KEYS, limit: room, leaseMs, maxInFlight: perEndpoint, maxAttempts: opts.config.WEBHOOK_RETRY_SCHEDULE.length }) : null,
    })).then(
      ({ recorded, claim }) => {
        busy = false;
        log.debug({ ms: Math.round(performance.now() - started), recorded: batch.length, claimed: claim?.claimed.length ?? null, room, inFlight }, 'webhook dispatch cycle');
        inFlight -= batch.length;
        if (recorded) {
          send([...toDeliveryWakeups(recorded.wakeUps), ...recorded.wakeups]);
          recorded.outcomes.forEach((o, i) => {
            if (o.outcome === 'endpoint_disabled') log.warn({ endpointId: batch[i].claim.endpointId, reason: o.disabledReason }, 'webhook endpoint disabled');
          });
          // Slots were freed, here and in the endpoints' bounds: claim again (until a claim finds nothing).
          wanted = true;
        }
        if (claim) {
          send(toDeliveryWakeups(claim.wakeUps));
          inFlight += claim.claimed.length;
          for (const delivery of claim.claimed) void attempt(delivery);
          // A full batch: more is probably due right now.
          if (claim.claimed.length === room) wanted = true;
        }
        for (const w of waiters) w();
        cycle();
        settled();
      },
      (err: unknown) => {
        // Keep the answers and try again: each lease outlives the attempt timeout by
        // WEBHOOK_LEASE_MARGIN_MS (30 s by default), so a short Postgres outage loses no log line;
        // after a longer one the lease expires and the next claim logs the attempt as lost and
        // sends it again.
        busy = false;
        const expired = batch.filter((a) => a.claim.attemptedAt.getTime() + leaseMs <= now().getTime());
        inFlight -= expired.length;
        toRecord.unshift(...batch.filter((a) => !expired.includes(a)));
        if (claiming) wanted = true;
        for (const w of waiters) w();
        log.warn({ err, attempts: batch.length, givenUp: expired.length }, 'webhook dispatch failed (recording, claiming); trying again shortly');
        clearTimeout(retryTimer);
        retryTimer = setTimeout(cycle, RETRY_AFTER_ERROR_MS);
        retryTimer.unref();
        settled();
      },
    );
  }

  async function attempt(delivery: ClaimedWebhookDelivery): Promise<void> {
    let result: SendWebhookResult;
    try {
      if (delivery.secretError) {
        log.warn({ endpointId: delivery.endpointId, deliveryId: delivery.deliveryId, error: delivery.secretError }, 'webhook not sent: its signing secret does not open (DATA_ENCRYPTION_KEY?)');
        throw new Error(delivery.secretError);
      }
      const body = JSON.stringify(delivery.payload);
      const headers = createWebhookHeaders({ id: delivery.messageId, timestamp: now(), body, secrets: delivery.secrets });
      result = await sendWebhook({
        url: delivery.url, headers: { ...headers }, body, timeoutMs: opts.config.WEBHOOK_TIMEOUT_MS, allowedHosts: opts.config.WEBHOOK_ALLOWED_HOSTS, agents,
      });
    } catch (err) {
      // sendWebhook never throws; signing could (a corrupt secret). Every claimed delivery is recorded, or its slot would leak.
      result = { ok: false, statusCode: null, durationMs: 0, responseExcerpt: null, error: `not sent: ${(err as Error).message}`, retryAfterMs: null, gone: false, refused: false };
    }
    toRecord.push({ claim: delivery, result });
    cycle();
  }

  return {
    wake() {
      if (closed) return Promise.resolve();
      wanted = true;
      const done = new Promise<void>((resolve) => waiting.push(resolve));
      cycle();
      return done;
    },
    async close() {
      closed = true;
      for (const w of waiting.splice(0)) w();
      // A claim in flight adds its deliveries to inFlight when it returns; they are then sent and recorded.
      if (inFlight > 0 || busy) await new Promise<void>((resolve) => (idle = resolve));
      clearTimeout(retryTimer);
      agents.destroy();
    },
  };
}
