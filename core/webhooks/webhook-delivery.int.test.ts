// The delivery state machine on a real Postgres (a template clone for this file) with an injected
// clock: claims, leases, retries, the breaker, the concurrency bound, disabling, resend, recover,
// and one end-to-end pass through a real loopback receiver verified by the official library.
// Claims go through the batch claim each worker's dispatcher runs (`claimDueWebhookDeliveries`):
// it takes no ids, so where a claim does not happen the tests read what it left in Postgres
// (the rows, the logged attempts, the endpoint's breaker) and the wake-ups it returned.
import { tenantOfUser } from '../accounts/tenant.ts';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser as makeTestUser, makeWebhookEndpoint } from '#test/factories.ts';
import { type ClaimDueWebhookDeliveriesResult, type ClaimedWebhookDelivery, claimDueWebhookDeliveries, webhookLeaseMs } from './claim-webhook-deliveries.ts';
import { enableWebhookEndpoint } from './enable-webhook-endpoint.ts';
import { WEBHOOK_EVENTS } from './event-types.ts';
import { findDueWebhookDeliveries } from './find-due-webhook-deliveries.ts';
import { recordWebhookAttempt } from './record-webhook-attempt.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';
import { recoverWebhookDeliveries } from './recover-webhook-deliveries.ts';
import { resendWebhookDelivery } from './resend-webhook-delivery.ts';
import { sendWebhook, type SendWebhookResult } from './send-webhook.ts';
import { createWebhookHeaders, createWebhookSecret } from './sign-webhook.ts';
import { sendWebhookTestEvent, updateWebhookEndpoint } from './webhook-endpoints.ts';

const SECOND = 1000;
const DAY = 86_400_000;
const SCHEDULE = [0, 10, 20, 40, 80]; // seconds: five attempts
const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const noJitter = () => 0.5;

const t = useTestOrm({ ormPoolMax: 4 });
let userId: string;
const tenant = () => tenantOfUser(userId);
const em = (): EntityManager => t.orm.em.fork();

async function makeUser(): Promise<string> {
  return (await makeTestUser(t)).userId;
}

async function makeEndpoint(opts: { url?: string; eventTypes?: string[] | null; secret?: string; owner?: string } = {}): Promise<string> {
  const { endpointId } = await makeWebhookEndpoint(t, {
    userId: opts.owner ?? userId, url: opts.url ?? 'https://crm.example.com/hooks', secret: opts.secret ?? createWebhookSecret(), eventTypes: opts.eventTypes,
  });
  return endpointId;
}

/** One test.webhook message to the given endpoint; returns its delivery id. */
async function makeDelivery(endpointId: string, now = T0): Promise<string> {
  const { wakeUps } = await recordWebhookMessage({
    em: em(), userId, type: 'webhook.test', data: { endpointId, message: 'hello' }, now, schedule: SCHEDULE, endpointIds: [endpointId],
  });
  expect(wakeUps).toHaveLength(1);
  return wakeUps[0].deliveryId;
}

/** timestamptz columns come back as text from the ORM's connection: compare them as Dates. */
function withDates<T extends object>(row: T, ...keys: (keyof T)[]): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const k of keys) out[k as string] = row[k] == null ? null : new Date(row[k] as unknown as string);
  return out as T;
}

type DeliveryState = {
  status: string; attempt_count: number; next_attempt_at: Date | null; leased_until: Date | null; lease_token: string | null; last_attempt_at: Date | null; updated_at: Date;
};
/** The whole state of a delivery: a claim that leaves it alone leaves every column as it was. */
async function deliveryState(deliveryId: string): Promise<DeliveryState> {
  const r = await sql<DeliveryState>`
    select status, attempt_count, next_attempt_at, leased_until, lease_token, last_attempt_at, updated_at from webhook_deliveries where delivery_id = ${deliveryId}`.execute(em().getKysely());
  return withDates(r.rows[0], 'next_attempt_at', 'leased_until', 'last_attempt_at', 'updated_at');
}
async function endpointState(endpointId: string) {
  const r = await sql<{ enabled: boolean; disabled_reason: string | null; failing_since: Date | null; consecutive_failures: number; breaker_until: Date | null; last_success_at: Date | null }>`
    select enabled, disabled_reason, failing_since, consecutive_failures, breaker_until, last_success_at from webhook_endpoints where endpoint_id = ${endpointId}`.execute(em().getKysely());
  return withDates(r.rows[0], 'failing_since', 'breaker_until', 'last_success_at');
}
async function breakerStepOf(endpointId: string): Promise<number> {
  return (await sql<{ breaker_step: number }>`select breaker_step from webhook_endpoints where endpoint_id = ${endpointId}`.execute(em().getKysely())).rows[0].breaker_step;
}
/** The file's config with this file's retry schedule (what the API passes the endpoint functions). */
const testConfig = () => ({ ...t.config, WEBHOOK_RETRY_SCHEDULE: SCHEDULE });
/** "Send test event" (`POST …/test`) at `now`. */
function sendTestEvent(endpointId: string, now: Date) {
  return sendWebhookTestEvent({ em: em(), tenant: tenant(), endpointId, now, config: testConfig() });
}
async function attemptsOf(deliveryId: string) {
  const r = await sql<{ status_code: number | null; error: string | null; response_excerpt: string | null; attempted_at: Date; duration_ms: number }>`
    select status_code, error, response_excerpt, attempted_at, duration_ms from webhook_attempts where delivery_id = ${deliveryId} order by attempted_at, attempt_id`.execute(em().getKysely());
  return r.rows.map((row) => withDates(row, 'attempted_at'));
}

type ClaimOptions = { maxInFlight?: number; leaseMs?: number; limit?: number; maxAttempts?: number };
/** What a woken dispatcher does: claim every due delivery it has room for (here 100). */
function claimDue(now: Date, extra: ClaimOptions = {}): Promise<ClaimDueWebhookDeliveriesResult> {
  return claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 100, maxAttempts: SCHEDULE.length, ...extra });
}
/** A batch claim that must take this delivery and nothing else. */
async function claim(deliveryId: string, now: Date, extra: ClaimOptions = {}): Promise<ClaimedWebhookDelivery> {
  const { claimed } = await claimDue(now, extra);
  expect(claimed.map((c) => c.deliveryId)).toEqual([deliveryId]);
  return claimed[0];
}
/** A claim that found nothing to take, fail or defer. */
const NOTHING: ClaimDueWebhookDeliveriesResult = { claimed: [], wakeUps: [], failed: 0 };
const byId = <T extends { deliveryId: string }>(items: T[]) => [...items].sort((a, b) => a.deliveryId.localeCompare(b.deliveryId));

const OK: SendWebhookResult = { ok: true, statusCode: 200, durationMs: 42, responseExcerpt: 'ok', error: null, retryAfterMs: null, gone: false, refused: false };
const FAIL: SendWebhookResult = { ok: false, statusCode: 500, durationMs: 17, responseExcerpt: 'boom', error: 'receiver answered 500', retryAfterMs: null, gone: false, refused: false };

function record(c: ClaimedWebhookDelivery, result: SendWebhookResult, now: Date, { breakerThreshold = 100, schedule = SCHEDULE } = {}) {
  return recordWebhookAttempt({ em: em(), claim: c, result, now, schedule, breakerThreshold, random: noJitter });
}

beforeEach(async () => {
  userId = await makeUser();
  // Every test starts with nothing pending: the batch claim takes whatever is due, so it sees only what the test wrote.
  await sql`update webhook_deliveries set status = 'failed' where status = 'pending'`.execute(em().getKysely());
});

describe('writing a message', () => {
  it('creates one pending delivery per enabled endpoint subscribed to the type, due per the schedule', async () => {
    const all = await makeEndpoint();
    const hotOnly = await makeEndpoint({ eventTypes: ['lead.hot'] });
    await makeEndpoint({ eventTypes: ['lead.created'] });
    const disabled = await makeEndpoint();
    await sql`update webhook_endpoints set enabled = false where endpoint_id = ${disabled}`.execute(em().getKysely());
    const other = await makeUser();
    await makeEndpoint({ owner: other });

    const { messageId, wakeUps } = await recordWebhookMessage({
      em: em(), userId, type: 'lead.hot', data: WEBHOOK_EVENTS['lead.hot'].example.data, now: T0, schedule: [3, 10],
    });
    expect(messageId).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(wakeUps.map((w) => w.at)).toEqual([at(3 * SECOND), at(3 * SECOND)]);
    const rows = await sql<{ endpoint_id: string; status: string; attempt_count: number }>`
      select endpoint_id, status, attempt_count from webhook_deliveries where message_id = ${messageId}`.execute(em().getKysely());
    expect(rows.rows.map((r) => r.endpoint_id).sort()).toEqual([all, hotOnly].sort());
    expect(rows.rows.every((r) => r.status === 'pending' && r.attempt_count === 0)).toBe(true);
    const message = await sql<{ payload: unknown }>`select payload from webhook_messages where message_id = ${messageId}`.execute(em().getKysely());
    expect(message.rows[0].payload).toEqual({ type: 'lead.hot', version: 1, timestamp: T0.toISOString(), data: WEBHOOK_EVENTS['lead.hot'].example.data });
  });

  it('refuses an invalid payload and writes nothing', async () => {
    await makeEndpoint();
    await expect(recordWebhookMessage({ em: em(), userId, type: 'lead.hot', data: { leadId: 'nope', score: 1, previousBand: 'cold' }, now: T0, schedule: SCHEDULE })).rejects.toThrow();
    const n = await sql<{ n: number }>`select count(*)::int as n from webhook_messages where user_id = ${userId}`.execute(em().getKysely());
    expect(n.rows[0].n).toBe(0);
  });
});

describe('claiming and recording', () => {
  it('claims a due delivery once, logs the attempt and marks it succeeded', async () => {
    const endpointId = await makeEndpoint();
    const deliveryId = await makeDelivery(endpointId);
    const c = await claim(deliveryId, T0);
    expect(c).toMatchObject({ deliveryId, endpointId, attemptNumber: 1, isProbe: false, url: 'https://crm.example.com/hooks', eventType: 'webhook.test', attemptedAt: T0 });
    expect(c.messageId).toMatch(/^msg_/);
    expect(c.payload).toMatchObject({ type: 'webhook.test', data: { endpointId } });
    // The claim leases the row with its own token, counts the attempt and makes it due only when the lease ends.
    const leaseEnd = at(webhookLeaseMs());
    const leased = await deliveryState(deliveryId);
    expect(leased).toEqual({ status: 'pending', attempt_count: 1, next_attempt_at: leaseEnd, leased_until: leaseEnd, lease_token: c.leaseToken, last_attempt_at: T0, updated_at: T0 });
    // Leased: another claim meanwhile takes nothing and changes nothing.
    expect(await claimDue(T0)).toEqual(NOTHING);
    expect(await deliveryState(deliveryId)).toEqual(leased);

    const outcome = await record(c, OK, at(50));
    expect(outcome).toMatchObject({ outcome: 'succeeded', nextAttemptAt: null, wakeUps: [] });
    expect(await deliveryState(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 1, next_attempt_at: null, leased_until: null, lease_token: null });
    expect(await attemptsOf(deliveryId)).toEqual([{ status_code: 200, error: null, response_excerpt: 'ok', attempted_at: T0, duration_ms: 42 }]);
    expect((await endpointState(endpointId)).last_success_at).toEqual(at(50));
    // Settled: no later claim takes it again.
    const settled = await deliveryState(deliveryId);
    expect(await claimDue(at(DAY))).toEqual(NOTHING);
    expect(await deliveryState(deliveryId)).toEqual(settled);
    expect(await attemptsOf(deliveryId)).toHaveLength(1);
  });

  it('lets exactly one of two racing workers claim a delivery', async () => {
    const deliveryId = await makeDelivery(await makeEndpoint());
    const results = await Promise.all([1, 2, 3].map(() => claimDue(T0)));
    expect(results.flatMap((r) => r.claimed.map((c) => c.deliveryId))).toEqual([deliveryId]);
    expect((await deliveryState(deliveryId)).attempt_count).toBe(1);
  });

  it('does not claim before the delivery is due', async () => {
    // Nothing pending: nothing claimed, failed or woken.
    expect(await claimDue(T0)).toEqual(NOTHING);
    const deliveryId = await makeDelivery(await makeEndpoint());
    await sql`update webhook_deliveries set next_attempt_at = ${at(5 * SECOND)} where delivery_id = ${deliveryId}`.execute(em().getKysely());
    const waiting = await deliveryState(deliveryId);
    expect(await claimDue(T0)).toEqual(NOTHING);
    expect(await claimDue(at(5 * SECOND - 1))).toEqual(NOTHING);
    expect(await deliveryState(deliveryId)).toEqual(waiting); // not deferred, not counted: simply not due
    // A pending row without a due time is never stranded.
    await sql`update webhook_deliveries set next_attempt_at = null where delivery_id = ${deliveryId}`.execute(em().getKysely());
    expect((await claim(deliveryId, T0)).attemptNumber).toBe(1);
  });

  it('retries along the schedule and fails once it is exhausted, logging every attempt', async () => {
    const deliveryId = await makeDelivery(await makeEndpoint());
    let now = T0;
    const outcomes = [];
    for (let i = 0; i < SCHEDULE.length; i++) {
      const c = await claim(deliveryId, now);
      expect(c.attemptNumber).toBe(i + 1);
      const o = await record(c, FAIL, now);
      outcomes.push([o.outcome, o.nextAttemptAt && (o.nextAttemptAt.getTime() - now.getTime()) / SECOND]);
      if (o.nextAttemptAt) now = o.nextAttemptAt;
    }
    expect(outcomes).toEqual([['retry_scheduled', 10], ['retry_scheduled', 20], ['retry_scheduled', 40], ['retry_scheduled', 80], ['failed', null]]);
    expect(await deliveryState(deliveryId)).toMatchObject({ status: 'failed', attempt_count: 5, next_attempt_at: null });
    const attempts = await attemptsOf(deliveryId);
    expect(attempts).toHaveLength(5);
    expect(attempts.every((a) => a.status_code === 500 && a.error === 'receiver answered 500' && a.response_excerpt === 'boom')).toBe(true);
  });

  it('honours Retry-After when it asks for longer than the schedule', async () => {
    const deliveryId = await makeDelivery(await makeEndpoint());
    const c = await claim(deliveryId, T0);
    const o = await record(c, { ...FAIL, statusCode: 429, retryAfterMs: 90 * SECOND }, T0);
    expect(o).toMatchObject({ outcome: 'retry_scheduled', nextAttemptAt: at(90 * SECOND) });
    expect(o.wakeUps).toEqual([{ deliveryId, at: at(90 * SECOND) }]);
  });
});

describe('a worker killed mid-send', () => {
  it('leads to a resend after the lease, never a loss, and the late worker cannot overwrite the outcome', async () => {
    const deliveryId = await makeDelivery(await makeEndpoint());
    const first = await claim(deliveryId, T0, { leaseMs: 45 * SECOND });
    // The worker dies here: no record. Until the lease ends nobody else sends it…
    expect((await findDueWebhookDeliveries({ em: em(), now: at(44 * SECOND) })).map((d) => d.deliveryId)).not.toContain(deliveryId);
    const held = await deliveryState(deliveryId);
    expect(await claimDue(at(44 * SECOND))).toEqual(NOTHING);
    expect(await deliveryState(deliveryId)).toEqual(held);
    expect(await attemptsOf(deliveryId)).toEqual([]);
    // …then the sweeper finds it due and another worker resends it, under a new lease token.
    expect((await findDueWebhookDeliveries({ em: em(), now: at(45 * SECOND) })).map((d) => d.deliveryId)).toContain(deliveryId);
    const second = await claim(deliveryId, at(45 * SECOND));
    expect(second.attemptNumber).toBe(2);
    expect(second.leaseToken).not.toBe(first.leaseToken);
    expect(second.messageId).toBe(first.messageId); // same webhook-id: the receiver deduplicates
    expect((await attemptsOf(deliveryId))[0]).toMatchObject({ status_code: null, attempted_at: T0, duration_ms: 45_000, error: expect.stringMatching(/^no result recorded: the worker stopped/) });

    expect(await record(first, OK, at(50 * SECOND))).toMatchObject({ outcome: 'stale' });
    expect((await deliveryState(deliveryId)).status).toBe('pending');
    expect(await record(second, OK, at(51 * SECOND))).toMatchObject({ outcome: 'succeeded' });
    expect(await deliveryState(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    expect(await attemptsOf(deliveryId)).toHaveLength(3); // the lost attempt, the late one, the successful one
  });
  it('fails a delivery whose every attempt killed the worker once its budget is used, logging each lost attempt', async () => {
    const deliveryId = await makeDelivery(await makeEndpoint());
    let now = T0;
    for (let n = 1; n <= SCHEDULE.length; n++) {
      const c = await claim(deliveryId, now, { leaseMs: 45 * SECOND });
      expect(c.attemptNumber).toBe(n);
      now = new Date(now.getTime() + 45 * SECOND); // the worker dies mid-send: no record; the lease ends
    }
    // The last attempt's lease ends: not sent a sixth time, failed, and its attempt logged as lost.
    expect(await claimDue(now)).toEqual({ claimed: [], wakeUps: [], failed: 1 });
    expect(await deliveryState(deliveryId)).toMatchObject({ status: 'failed', attempt_count: SCHEDULE.length, next_attempt_at: null, leased_until: null, lease_token: null });
    const log = await attemptsOf(deliveryId);
    expect(log).toHaveLength(SCHEDULE.length);
    expect(log.slice(0, -1).every((a) => /sending again$/.test(a.error!))).toBe(true);
    expect(log.at(-1)).toMatchObject({ status_code: null, duration_ms: 45_000, error: expect.stringMatching(/that was the last attempt, so the delivery failed$/) });
    expect((await findDueWebhookDeliveries({ em: em(), now: new Date(now.getTime() + DAY) })).map((d) => d.deliveryId)).not.toContain(deliveryId);
  });
});

describe('disabling an endpoint', () => {
  it('disables it on 410 Gone with a reason and fails its waiting deliveries', async () => {
    const endpointId = await makeEndpoint();
    const gone = await makeDelivery(endpointId);
    const waiting = await makeDelivery(endpointId, at(SECOND)); // due after the claim below: idle when the 410 comes
    const o = await record(await claim(gone, T0), { ...FAIL, statusCode: 410, gone: true, error: 'receiver answered 410' }, T0);
    expect(o.outcome).toBe('endpoint_disabled');
    expect(o.disabledReason).toMatch(/410 Gone/);
    expect(await endpointState(endpointId)).toMatchObject({ enabled: false, disabled_reason: o.disabledReason });
    expect((await deliveryState(gone)).status).toBe('failed');
    expect((await deliveryState(waiting)).status).toBe('failed');
    // A delivery written before the disable was seen is failed at claim, without an attempt.
    await sql`update webhook_deliveries set status = 'pending', next_attempt_at = ${T0} where delivery_id = ${waiting}`.execute(em().getKysely());
    expect(await claimDue(at(2 * SECOND))).toEqual({ claimed: [], wakeUps: [], failed: 1 });
    expect(await deliveryState(waiting)).toMatchObject({ status: 'failed', attempt_count: 0, next_attempt_at: null, leased_until: null, lease_token: null, updated_at: at(2 * SECOND) });
    expect(await attemptsOf(waiting)).toHaveLength(0);
  });

  it('disables an endpoint whose deliveries have all failed for 5 days, and a success resets the clock', async () => {
    const endpointId = await makeEndpoint();
    // Retries far beyond the test's ten days: each claim below takes only its own fresh delivery.
    const schedule = [0, (20 * DAY) / SECOND];
    const fail = async (when: Date) => record(await claim(await makeDelivery(endpointId, when), when), FAIL, when, { schedule });
    expect((await fail(T0)).outcome).toBe('retry_scheduled');
    expect((await endpointState(endpointId)).failing_since).toEqual(T0);
    expect((await fail(at(4 * DAY))).outcome).toBe('retry_scheduled');
    // One success: the streak ends.
    await record(await claim(await makeDelivery(endpointId, at(4.5 * DAY)), at(4.5 * DAY)), OK, at(4.5 * DAY), { schedule });
    expect((await endpointState(endpointId)).failing_since).toBeNull();
    expect((await fail(at(5.5 * DAY))).outcome).toBe('retry_scheduled');
    expect((await fail(at(10.4 * DAY))).outcome).toBe('retry_scheduled');
    const last = await fail(at(10.5 * DAY));
    expect(last.outcome).toBe('endpoint_disabled');
    expect(last.disabledReason).toBe('Every delivery failed for 5 days or more; the last answer was: receiver answered 500.');
    expect((await endpointState(endpointId)).enabled).toBe(false);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, holds new deliveries behind one probe without using their budget, and closes on success', async () => {
    const endpointId = await makeEndpoint();
    const failing = [await makeDelivery(endpointId), await makeDelivery(endpointId), await makeDelivery(endpointId)];
    const recordB = (c: ClaimedWebhookDelivery, r: SendWebhookResult, now: Date) => record(c, r, now, { breakerThreshold: 3 });
    const firstTries = (await claimDue(T0)).claimed;
    expect(firstTries.map((c) => c.deliveryId).sort()).toEqual([...failing].sort());
    for (const c of firstTries.slice(0, 2)) expect((await recordB(c, FAIL, T0)).breakerUntil).toBeNull();
    const third = await recordB(firstTries[2], FAIL, T0);
    expect(third.breakerUntil).toEqual(at(10 * SECOND)); // schedule step 1
    expect((await endpointState(endpointId)).consecutive_failures).toBe(3);

    // New deliveries wait behind the breaker; waiting costs no attempt. One wake-up for the endpoint, when the breaker allows a probe.
    const fresh = [await makeDelivery(endpointId, at(SECOND)), await makeDelivery(endpointId, at(SECOND))];
    expect(await claimDue(at(SECOND))).toEqual({ claimed: [], failed: 0, wakeUps: [{ deliveryId: [...fresh].sort()[0], at: at(10 * SECOND) }] });
    for (const id of fresh) expect(await deliveryState(id)).toMatchObject({ attempt_count: 0, next_attempt_at: at(10 * SECOND), leased_until: null });
    for (const id of failing) expect(await deliveryState(id)).toMatchObject({ attempt_count: 1, next_attempt_at: at(10 * SECOND), leased_until: null });

    // At breaker_until one probe goes (all five are due then: whichever the claim takes); the others wait for it.
    const used = new Map([...failing.map((id) => [id, 1] as const), ...fresh.map((id) => [id, 0] as const)]);
    const probes = (await claimDue(at(10 * SECOND), { leaseMs: 45 * SECOND })).claimed;
    expect(probes).toHaveLength(1);
    const [probe] = probes;
    expect(probe).toMatchObject({ isProbe: true, attemptNumber: used.get(probe.deliveryId)! + 1 });
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(55 * SECOND)); // held for the probe's lease
    const others = [...used.keys()].filter((id) => id !== probe.deliveryId).sort();
    expect(await claimDue(at(10 * SECOND))).toEqual({ claimed: [], failed: 0, wakeUps: [{ deliveryId: others[0], at: at(55 * SECOND) }] });
    for (const id of others) expect(await deliveryState(id)).toMatchObject({ attempt_count: used.get(id), next_attempt_at: at(55 * SECOND), leased_until: null });
    expect(await claimDue(at(11 * SECOND))).toEqual(NOTHING);

    // The probe fails: the breaker re-opens for the next step of the schedule, everything waits again.
    const failedProbe = await recordB(probe, FAIL, at(12 * SECOND));
    expect(failedProbe.breakerUntil).toEqual(at(32 * SECOND)); // 12 s + 20 s
    for (const id of others) expect((await deliveryState(id)).next_attempt_at).toEqual(at(55 * SECOND)); // already later: untouched
    expect((await deliveryState(probe.deliveryId)).next_attempt_at).toEqual(at(32 * SECOND));

    // The next probe succeeds: the breaker closes and the waiting deliveries are released at once.
    const probe2 = await claim(probe.deliveryId, at(32 * SECOND));
    expect(probe2).toMatchObject({ isProbe: true, attemptNumber: probe.attemptNumber + 1 });
    const closed = await recordB(probe2, OK, at(33 * SECOND));
    expect(closed.outcome).toBe('succeeded');
    expect(closed.wakeUps.map((w) => w.deliveryId).sort()).toEqual(others);
    expect(await endpointState(endpointId)).toMatchObject({ consecutive_failures: 0, failing_since: null, breaker_until: null, last_success_at: at(33 * SECOND) });
    // The deferrals cost them nothing: each is on the attempt after the last one it made.
    const next = byId((await claimDue(at(33 * SECOND))).claimed).map((c) => [c.deliveryId, c.isProbe, c.attemptNumber]);
    expect(next).toEqual(others.map((id) => [id, false, used.get(id)! + 1]));
  });

  it('does not let a straggler’s failure cut short the hold of a probe in flight', async () => {
    const endpointId = await makeEndpoint();
    for (let i = 0; i < 4; i++) await makeDelivery(endpointId);
    const claims = (await claimDue(T0, { leaseMs: 60 * SECOND })).claimed;
    expect(claims).toHaveLength(4);
    for (const c of claims.slice(0, 3)) await record(c, FAIL, T0, { breakerThreshold: 3 });
    // The three failed deliveries are due again when the breaker allows its probe: one goes.
    const probes = (await claimDue(at(10 * SECOND), { leaseMs: 45 * SECOND })).claimed;
    expect(probes.map((c) => c.isProbe)).toEqual([true]);
    const straggler = await record(claims[3], FAIL, at(12 * SECOND), { breakerThreshold: 3 }); // its own step would be 12 s + 20 s
    expect(straggler.breakerUntil).toEqual(at(55 * SECOND));
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(55 * SECOND));
  });

  it('steps the cool-down once per failed probe, not once per failure of the attempts that were in flight', async () => {
    const endpointId = await makeEndpoint();
    const breakerStep = async () => (await sql<{ breaker_step: number }>`select breaker_step from webhook_endpoints where endpoint_id = ${endpointId}`.execute(em().getKysely())).rows[0].breaker_step;
    for (let i = 0; i < 10; i++) await makeDelivery(endpointId);
    const inFlight = (await claimDue(T0, { leaseMs: 60 * SECOND })).claimed;
    expect(inFlight).toHaveLength(10);
    // A short outage: all ten answers fail, one after another, after the breaker opened on the third.
    for (const [i, c] of inFlight.entries()) await record(c, FAIL, at(i * 100), { breakerThreshold: 3 });
    expect(await endpointState(endpointId)).toMatchObject({ consecutive_failures: 10, breaker_until: at(200 + 10 * SECOND) }); // step 1 (10 s), from the third failure
    expect(await breakerStep()).toBe(1);

    // The probe fails: one step up (20 s), not the schedule's end.
    const probe = (await claimDue(at(11 * SECOND), { leaseMs: 45 * SECOND })).claimed;
    expect(probe.map((c) => c.isProbe)).toEqual([true]);
    expect((await record(probe[0], FAIL, at(12 * SECOND), { breakerThreshold: 3 })).breakerUntil).toEqual(at(32 * SECOND));
    expect(await breakerStep()).toBe(2);

    // The next probe succeeds: closed, and everything that waited is released.
    const probe2 = (await claimDue(at(32 * SECOND))).claimed;
    expect(probe2.map((c) => c.isProbe)).toEqual([true]);
    const closed = await record(probe2[0], OK, at(33 * SECOND), { breakerThreshold: 3 });
    expect(closed.wakeUps).toHaveLength(9);
    expect(await endpointState(endpointId)).toMatchObject({ consecutive_failures: 0, breaker_until: null });
    // A new outage opens it on step 1 again.
    const again = (await claimDue(at(33 * SECOND))).claimed;
    expect(again).toHaveLength(9);
    for (const c of again.slice(0, 3)) await record(c, FAIL, at(34 * SECOND), { breakerThreshold: 3 });
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(44 * SECOND));
  });

  it('sends the realtor’s resend as the probe instead of waiting out the cool-down', async () => {
    const endpointId = await makeEndpoint();
    const ids = [await makeDelivery(endpointId), await makeDelivery(endpointId), await makeDelivery(endpointId)];
    for (const c of (await claimDue(T0)).claimed) await record(c, FAIL, T0, { breakerThreshold: 3 });
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(10 * SECOND));
    await resendWebhookDelivery({ em: em(), tenant: tenant(), deliveryId: ids[0], now: at(SECOND) });
    const c = await claim(ids[0], at(SECOND));
    expect(c).toMatchObject({ isProbe: true, attemptNumber: 1 });
  });

  it('sends a test event as the probe at once while the breaker is open and idle, and behind the probe while one is in flight', async () => {
    const endpointId = await makeEndpoint();
    for (let i = 0; i < 3; i++) await makeDelivery(endpointId);
    for (const c of (await claimDue(T0)).claimed) await record(c, FAIL, T0, { breakerThreshold: 3 });
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(10 * SECOND));
    // "Send test event" after the realtor fixed the receiver: it goes now, not when the cool-down ends.
    const test = await sendTestEvent(endpointId, at(SECOND));
    const probe = await claim(test.deliveryId, at(SECOND), { leaseMs: 45 * SECOND });
    expect(probe).toMatchObject({ isProbe: true, attemptNumber: 1 });
    expect((await endpointState(endpointId)).breaker_until).toEqual(at(46 * SECOND));
    // A second one while that probe is in flight waits for its answer, like everything else.
    const second = await sendTestEvent(endpointId, at(2 * SECOND));
    expect(await claimDue(at(2 * SECOND))).toEqual({ claimed: [], failed: 0, wakeUps: [{ deliveryId: second.deliveryId, at: at(46 * SECOND) }] });
    expect(await deliveryState(second.deliveryId)).toMatchObject({ attempt_count: 0, next_attempt_at: at(46 * SECOND) });
    // The probe succeeds: the breaker closes and the second test event goes with the rest.
    const closed = await record(probe, OK, at(3 * SECOND));
    expect(closed.wakeUps.map((w) => w.deliveryId)).toContain(second.deliveryId);
    expect((await claimDue(at(3 * SECOND))).claimed.map((c) => c.deliveryId)).toContain(second.deliveryId);
  });

  it('a new URL is a new receiver: the breaker closes, the failure streak is cleared and what waited is due at once', async () => {
    // Loopback URLs (allowed by the test config) and no host name: saving them asks no DNS.
    const endpointId = await makeEndpoint({ url: 'http://127.0.0.1:4009/hooks' });
    const ids = [await makeDelivery(endpointId), await makeDelivery(endpointId), await makeDelivery(endpointId)];
    for (const c of (await claimDue(T0)).claimed) await record(c, FAIL, T0, { breakerThreshold: 3 });
    const probe = (await claimDue(at(10 * SECOND))).claimed;
    await record(probe[0], FAIL, at(11 * SECOND), { breakerThreshold: 3 }); // a failed probe: step 2
    const open = { consecutive_failures: 4, failing_since: T0, breaker_until: at(31 * SECOND) };
    expect(await endpointState(endpointId)).toMatchObject(open);
    expect(await breakerStepOf(endpointId)).toBe(2);

    // The admin's Settings form sends the URL with every save: the same URL is not a new receiver.
    const same = await updateWebhookEndpoint({ em: em(), tenant: tenant(), endpointId, input: { url: 'http://127.0.0.1:4009/hooks', description: 'CRM' }, now: at(12 * SECOND), config: testConfig() });
    expect(same.wakeups).toEqual([]);
    expect(same.endpoint.health).toMatchObject({ breaker: 'open', failureStreak: 4 });
    expect(await endpointState(endpointId)).toMatchObject(open);

    const moved = await updateWebhookEndpoint({ em: em(), tenant: tenant(), endpointId, input: { url: 'http://127.0.0.1:4010/hooks' }, now: at(13 * SECOND), config: testConfig() });
    expect(moved.endpoint).toMatchObject({ url: 'http://127.0.0.1:4010/hooks', health: { breaker: 'closed', breakerUntil: null, failureStreak: 0, failingSince: null } });
    expect(await endpointState(endpointId)).toMatchObject({ consecutive_failures: 0, failing_since: null, breaker_until: null });
    expect(await breakerStepOf(endpointId)).toBe(0);
    expect(moved.wakeups.map((w) => w.runAt)).toEqual([at(13 * SECOND)]); // one wake-up: the dispatcher claims them all
    const next = (await claimDue(at(13 * SECOND))).claimed;
    expect(byId(next).map((c) => [c.deliveryId, c.isProbe, c.url])).toEqual([...ids].sort().map((id) => [id, false, 'http://127.0.0.1:4010/hooks']));
    // A fresh streak: the breaker opens again only after three failures at the new URL.
    for (const c of next.slice(0, 2)) expect((await record(c, FAIL, at(14 * SECOND), { breakerThreshold: 3 })).breakerUntil).toBeNull();
  });
});

describe('per-endpoint concurrency bound', () => {
  it('leaves claims beyond the bound due without using an attempt, and leaves other endpoints alone', async () => {
    const slow = await makeEndpoint();
    const other = await makeEndpoint();
    const ids = [await makeDelivery(slow), await makeDelivery(slow), await makeDelivery(slow)];
    const first = await claimDue(T0, { maxInFlight: 2 });
    expect(first).toMatchObject({ wakeUps: [], failed: 0 });
    expect(first.claimed).toHaveLength(2);
    const [third] = ids.filter((id) => !first.claimed.some((c) => c.deliveryId === id));
    const waiting = await deliveryState(third);
    expect(waiting).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: T0, leased_until: null });
    // Another worker's claim: the bound holds across claims, the other endpoint's delivery goes.
    const otherId = await makeDelivery(other);
    const second = await claimDue(T0, { maxInFlight: 2 });
    expect(second.claimed.map((c) => c.deliveryId)).toEqual([otherId]);
    expect(second).toMatchObject({ wakeUps: [], failed: 0 });
    expect(await deliveryState(third)).toEqual(waiting); // still due, not deferred, not counted
    // A recorded answer frees a slot: the next claim takes it, as its first attempt.
    await record(first.claimed[0], OK, at(SECOND));
    expect(await claim(third, at(SECOND), { maxInFlight: 2 })).toMatchObject({ attemptNumber: 1 });
  });
});

describe('resend and recover', () => {
  it('resends one delivery with a fresh budget, only for its owner and only on an enabled endpoint', async () => {
    const endpointId = await makeEndpoint();
    const deliveryId = await makeDelivery(endpointId);
    await record(await claim(deliveryId, T0), OK, T0);
    const stranger = tenantOfUser(await makeUser());
    await expect(resendWebhookDelivery({ em: em(), tenant: stranger, deliveryId, now: at(DAY) })).rejects.toMatchObject({ code: 'not_found' });
    expect(await resendWebhookDelivery({ em: em(), tenant: tenant(), deliveryId, now: at(DAY) })).toEqual({ deliveryId, at: at(DAY) });
    expect(await deliveryState(deliveryId)).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: at(DAY) });
    await claim(deliveryId, at(DAY), { leaseMs: 45 * SECOND });
    await expect(resendWebhookDelivery({ em: em(), tenant: tenant(), deliveryId, now: at(DAY + SECOND) })).rejects.toMatchObject({ code: 'conflict', message: 'This delivery is being sent right now.' });
    await sql`update webhook_endpoints set enabled = false where endpoint_id = ${endpointId}`.execute(em().getKysely());
    await expect(resendWebhookDelivery({ em: em(), tenant: tenant(), deliveryId, now: at(2 * DAY) })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('recovers every failed delivery since a time once the endpoint is enabled again', async () => {
    const endpointId = await makeEndpoint();
    // Delivered, and recent: recover leaves it alone.
    const ok = await makeDelivery(endpointId, at(3 * SECOND));
    await record(await claim(ok, at(3 * SECOND)), OK, at(3 * SECOND));
    const old = await makeDelivery(endpointId, at(-DAY));
    const recent = [await makeDelivery(endpointId, at(SECOND)), await makeDelivery(endpointId, at(2 * SECOND))];
    // 410 disables the endpoint and fails the rest. (A claim of one takes the oldest due delivery.)
    await record(await claim(old, at(4 * SECOND), { limit: 1 }), { ...FAIL, statusCode: 410, gone: true }, at(4 * SECOND));
    for (const id of [old, ...recent]) expect((await deliveryState(id)).status).toBe('failed');

    await expect(recoverWebhookDeliveries({ em: em(), tenant: tenant(), endpointId, since: T0, now: at(DAY) })).rejects.toMatchObject({ code: 'conflict' });
    await expect(enableWebhookEndpoint({ em: em(), tenant: tenantOfUser(await makeUser()), endpointId, now: at(DAY) })).rejects.toMatchObject({ code: 'not_found' });
    await enableWebhookEndpoint({ em: em(), tenant: tenant(), endpointId, now: at(DAY) });
    expect(await endpointState(endpointId)).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0, breaker_until: null });
    const wakeUps = await recoverWebhookDeliveries({ em: em(), tenant: tenant(), endpointId, since: T0, now: at(DAY) });
    expect(wakeUps.map((w) => w.deliveryId).sort()).toEqual([...recent].sort());
    for (const id of recent) expect(await deliveryState(id)).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: at(DAY) });
    expect((await deliveryState(old)).status).toBe('failed');
    expect((await deliveryState(ok)).status).toBe('succeeded');
  });
});

describe('end to end through a loopback receiver', () => {
  it('a receiver that is down and comes back gets the message, signed, with the same webhook-id each time', async () => {
    const secret = createWebhookSecret();
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let failuresLeft = 2;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failuresLeft-- > 0) res.writeHead(503, { 'retry-after': '0' }).end('maintenance');
        else res.writeHead(200).end('thanks');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/porchlight`;
      await makeEndpoint({ url, secret });
      const start = new Date();
      const { wakeUps } = await recordWebhookMessage({ em: em(), userId, type: 'lead.deleted', data: { leadId: randomUUID() }, now: start, schedule: [0, 0, 0] });
      const deliveryId = wakeUps.find(() => true)!.deliveryId;
      expect(wakeUps).toHaveLength(1);

      // What the worker's dispatcher does: claim, sign this attempt, send through the guard, record.
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const now = new Date();
        const c = await claim(deliveryId, now);
        const body = JSON.stringify(c.payload);
        const headers = createWebhookHeaders({ id: c.messageId, timestamp: now, body, secrets: c.secrets });
        const result = await sendWebhook({ url: c.url, headers: { ...headers }, body, allowedHosts: ['127.0.0.1'] });
        const o = await recordWebhookAttempt({ em: em(), claim: c, result, now: new Date(), schedule: [0, 0, 0], random: noJitter });
        outcomes.push(o.outcome);
        if (o.outcome !== 'retry_scheduled') break;
      }
      expect(outcomes).toEqual(['retry_scheduled', 'retry_scheduled', 'succeeded']);
      expect(received).toHaveLength(3);
      expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
      for (const r of received) {
        expect(new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).toMatchObject({ type: 'lead.deleted' });
      }
      const attempts = await attemptsOf(deliveryId);
      expect(attempts.map((a) => [a.status_code, a.response_excerpt])).toEqual([[503, 'maintenance'], [503, 'maintenance'], [200, 'thanks']]);
      expect((await deliveryState(deliveryId)).status).toBe('succeeded');
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
});
