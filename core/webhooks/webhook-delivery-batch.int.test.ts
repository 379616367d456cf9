// The batched claim and record (what each worker's dispatcher runs) on a real Postgres with an
// injected clock: racing claimers never share a delivery, the per-endpoint bound holds across
// them, a backlog on one endpoint does not fill a batch, and a batch of answers logs every
// attempt and applies each delivery's own outcome. (webhook-delivery.int.test.ts walks the state
// machine itself through the same claim.)
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '#core/config.ts';
import { useTestOrm } from '#test/db.ts';
import { makeUser, makeWebhookEndpoint } from '#test/factories.ts';
import { type ClaimedWebhookDelivery, claimDueWebhookDeliveries } from './claim-webhook-deliveries.ts';
import { recordWebhookAttempts } from './record-webhook-attempts.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';
import type { SendWebhookResult } from './send-webhook.ts';
import { createWebhookSecret } from './sign-webhook.ts';

const SECOND = 1000;
const SCHEDULE = [0, 10, 20, 40, 80];
const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const noJitter = () => 0.5;

const t = useTestOrm({ ormPoolMax: 8 });
let config: Config;
let userId: string;
const em = (): EntityManager => t.orm.em.fork();

beforeAll(() => {
  config = { ...t.config, WEBHOOK_RETRY_SCHEDULE: SCHEDULE };
});
beforeEach(async () => {
  userId = (await makeUser(t)).userId;
  // Every test starts with nothing pending: a claim sees only what the test wrote.
  await sql`update webhook_deliveries set status = 'failed' where status = 'pending'`.execute(em().getKysely());
});

async function makeEndpoint(): Promise<string> {
  return (await makeWebhookEndpoint(t, { userId, url: 'https://crm.example.com/hooks', secret: createWebhookSecret() })).endpointId;
}

async function makeDeliveries(endpointId: string, n: number, now = T0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { wakeUps } = await recordWebhookMessage({ em: em(), userId, type: 'webhook.test', data: { endpointId, message: `m${i}` }, now, schedule: SCHEDULE, endpointIds: [endpointId] });
    ids.push(wakeUps[0].deliveryId);
  }
  return ids;
}

function claimDue(now: Date, limit: number, maxInFlight = 100, leaseMs = 45 * SECOND) {
  return claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit, maxInFlight, leaseMs });
}

async function attemptRows(deliveryIds: string[]) {
  const r = await sql<{ delivery_id: string; status_code: number | null; error: string | null }>`
    select delivery_id, status_code, error from webhook_attempts where delivery_id = any(${deliveryIds}::uuid[])`.execute(em().getKysely());
  return r.rows;
}

async function states(deliveryIds: string[]) {
  const r = await sql<{ delivery_id: string; status: string; attempt_count: number; next_attempt_at: string | null; leased_until: string | null }>`
    select delivery_id, status, attempt_count, next_attempt_at, leased_until from webhook_deliveries where delivery_id = any(${deliveryIds}::uuid[])`.execute(em().getKysely());
  return new Map(r.rows.map((row) => [row.delivery_id, { ...row, next_attempt_at: row.next_attempt_at && new Date(row.next_attempt_at) }]));
}

const OK: SendWebhookResult = { ok: true, statusCode: 204, durationMs: 12, responseExcerpt: '', error: null, retryAfterMs: null, gone: false, refused: false };
const FAIL: SendWebhookResult = { ok: false, statusCode: 500, durationMs: 17, responseExcerpt: 'boom', error: 'receiver answered 500', retryAfterMs: null, gone: false, refused: false };

function recordAll(attempts: { claim: ClaimedWebhookDelivery; result: SendWebhookResult }[], now: Date, breakerThreshold = 100) {
  return recordWebhookAttempts({ em: em(), attempts, now, config, breakerThreshold, random: noJitter });
}

describe('batch claim', () => {
  it('never gives one delivery to two racing workers, and every due delivery is claimed once', async () => {
    const endpoints = [await makeEndpoint(), await makeEndpoint(), await makeEndpoint()];
    const ids = (await Promise.all(endpoints.map((e) => makeDeliveries(e, 20)))).flat();
    const seen: string[] = [];
    // Six "workers" claiming in rounds until nothing is left.
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => claimDue(T0, 7)));
      const got = results.flatMap((r) => r.claimed.map((c) => c.deliveryId));
      seen.push(...got);
      if (!got.length) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...ids].sort());
    for (const s of (await states(ids)).values()) expect(s).toMatchObject({ status: 'pending', attempt_count: 1, leased_until: expect.anything() });
  });

  it('keeps each endpoint within its in-flight bound across racing workers, and leaves the others their share', async () => {
    const busy = await makeEndpoint();
    const quiet = await makeEndpoint();
    const busyIds = await makeDeliveries(busy, 12);
    const quietIds = await makeDeliveries(quiet, 2, at(SECOND)); // due later than all of busy's
    const results = await Promise.all([1, 2, 3, 4].map(() => claimDue(at(2 * SECOND), 50, 3)));
    const claimed = results.flatMap((r) => r.claimed);
    expect(claimed.filter((c) => c.endpointId === busy)).toHaveLength(3);
    expect(claimed.filter((c) => c.endpointId === quiet).map((c) => c.deliveryId).sort()).toEqual([...quietIds].sort());
    // Nothing more while the three are in flight…
    expect((await claimDue(at(2 * SECOND), 50, 3)).claimed).toEqual([]);
    // …one answer recorded frees one slot.
    const first = claimed.find((c) => c.endpointId === busy)!;
    await recordAll([{ claim: first, result: OK }], at(3 * SECOND));
    const next = await claimDue(at(3 * SECOND), 50, 3);
    expect(next.claimed).toHaveLength(1);
    expect(next.claimed[0].endpointId).toBe(busy);
    expect(busyIds).toContain(next.claimed[0].deliveryId);
  });

  it('takes deliveries round-robin across endpoints, so a backlog on one does not fill the batch', async () => {
    const backlog = await makeEndpoint();
    const other = await makeEndpoint();
    await makeDeliveries(backlog, 30);
    await makeDeliveries(other, 5, at(SECOND));
    const { claimed } = await claimDue(at(2 * SECOND), 10);
    expect(claimed.filter((c) => c.endpointId === backlog)).toHaveLength(5);
    expect(claimed.filter((c) => c.endpointId === other)).toHaveLength(5);
  });

  it('behind a backlog of retries, counts only the live leases and fails only the spent one', async () => {
    // The per-endpoint questions go through the leased index (migration 20261130040000): 3,000
    // deliveries waiting for a retry must neither count as in flight nor be failed as spent.
    const endpointId = await makeEndpoint();
    const [live1, live2, spent, due] = await makeDeliveries(endpointId, 4);
    const db = em().getKysely();
    await sql`insert into webhook_messages (message_id, user_id, event_type, payload, created_at)
      select 'msg_backlog_' || g, ${userId}, 'webhook.test', '{}'::jsonb, ${T0} from generate_series(1, 3000) g`.execute(db);
    await sql`insert into webhook_deliveries (delivery_id, message_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at)
      select gen_random_uuid(), 'msg_backlog_' || g, ${endpointId}, 'pending', ${SCHEDULE.length}, ${at(3600 * SECOND)}, ${T0}, ${T0} from generate_series(1, 3000) g`.execute(db);
    // Two live leases, one lease that expired on the last attempt (its worker died), one due.
    await sql`update webhook_deliveries set attempt_count = 1, leased_until = ${at(30 * SECOND)}, next_attempt_at = ${at(30 * SECOND)}, lease_token = gen_random_uuid()
      where delivery_id in (${live1}, ${live2})`.execute(db);
    await sql`update webhook_deliveries set attempt_count = ${SCHEDULE.length}, last_attempt_at = ${T0}, leased_until = ${at(5 * SECOND)}, next_attempt_at = ${at(5 * SECOND)}, lease_token = gen_random_uuid()
      where delivery_id = ${spent}`.execute(db);
    const r = await claimDueWebhookDeliveries({ em: em(), now: at(10 * SECOND), dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 50, maxInFlight: 3, leaseMs: 45 * SECOND, maxAttempts: SCHEDULE.length });
    expect(r.claimed.map((c) => c.deliveryId)).toEqual([due]); // 3 allowed − 2 live = 1
    expect(r.failed).toBe(1);
    expect((await states([spent])).get(spent)).toMatchObject({ status: 'failed', leased_until: null });
    expect(await attemptRows([spent])).toEqual([expect.objectContaining({ status_code: null, error: expect.stringMatching(/last attempt, so the delivery failed$/) })]);
    const left = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpointId} and status = 'pending' and leased_until is null`.execute(db);
    expect(left.rows[0].n).toBe(3000);
  });

  it('defers deliveries behind an open breaker without using their budget, then sends one probe', async () => {
    const endpointId = await makeEndpoint();
    const ids = await makeDeliveries(endpointId, 3);
    await sql`update webhook_endpoints set breaker_until = ${at(10 * SECOND)}, consecutive_failures = 3 where endpoint_id = ${endpointId}`.execute(em().getKysely());
    const held = await claimDue(at(SECOND), 10);
    expect(held.claimed).toEqual([]);
    expect(held.wakeUps).toHaveLength(1);
    expect(held.wakeUps[0].at).toEqual(at(10 * SECOND));
    for (const s of (await states(ids)).values()) expect(s).toMatchObject({ attempt_count: 0, next_attempt_at: at(10 * SECOND) });

    const probe = await claimDue(at(10 * SECOND), 10);
    expect(probe.claimed).toHaveLength(1);
    expect(probe.claimed[0]).toMatchObject({ isProbe: true, attemptNumber: 1 });
    expect((await claimDue(at(11 * SECOND), 10)).claimed).toEqual([]); // the others wait for the probe
    // The probe succeeds: the breaker closes and the others are claimable at once.
    const recorded = await recordAll([{ claim: probe.claimed[0], result: OK }], at(11 * SECOND));
    expect(recorded.outcomes[0].outcome).toBe('succeeded');
    expect(recorded.wakeUps.map((w) => w.deliveryId).sort()).toEqual(ids.filter((id) => id !== probe.claimed[0].deliveryId).sort());
    expect((await claimDue(at(11 * SECOND), 10)).claimed).toHaveLength(2);
  });

  it('fails the due deliveries of a disabled endpoint without an attempt', async () => {
    const endpointId = await makeEndpoint();
    const ids = await makeDeliveries(endpointId, 2);
    await sql`update webhook_endpoints set enabled = false where endpoint_id = ${endpointId}`.execute(em().getKysely());
    const r = await claimDue(T0, 10);
    expect(r).toMatchObject({ claimed: [], failed: 2 });
    for (const s of (await states(ids)).values()) expect(s.status).toBe('failed');
    expect(await attemptRows(ids)).toEqual([]);
  });

  it('claims a delivery whose lease expired again, logs the lost attempt and keeps its webhook-id', async () => {
    const [id] = await makeDeliveries(await makeEndpoint(), 1);
    const first = (await claimDue(T0, 10, 100, 45 * SECOND)).claimed[0];
    expect((await claimDue(at(44 * SECOND), 10)).claimed).toEqual([]);
    const second = (await claimDue(at(45 * SECOND), 10)).claimed[0];
    expect(second).toMatchObject({ deliveryId: id, attemptNumber: 2, messageId: first.messageId });
    expect(await attemptRows([id])).toEqual([{ delivery_id: id, status_code: null, error: expect.stringMatching(/^no result recorded: the worker stopped/) }]);
  });
});

describe('batch record', () => {
  it('logs every attempt of the batch and applies each delivery its own outcome', async () => {
    const healthy = await makeEndpoint();
    const flaky = await makeEndpoint();
    await makeDeliveries(healthy, 5);
    await makeDeliveries(flaky, 3);
    const { claimed } = await claimDue(T0, 20);
    expect(claimed).toHaveLength(8);
    const h = claimed.filter((c) => c.endpointId === healthy);
    const f = claimed.filter((c) => c.endpointId === flaky);
    // One of healthy's leases was taken over meanwhile (its worker presumed dead): logged, not settled.
    await sql`update webhook_deliveries set lease_token = ${randomUUID()} where delivery_id = ${h[4].deliveryId}`.execute(em().getKysely());
    const batch = [
      ...h.map((claim) => ({ claim, result: OK })),
      { claim: f[0], result: FAIL },
      { claim: f[1], result: OK },
      { claim: f[2], result: { ...FAIL, statusCode: 429, retryAfterMs: 90 * SECOND } },
    ];
    const r = await recordAll(batch, at(SECOND));
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'stale', 'retry_scheduled', 'succeeded', 'retry_scheduled']);

    const attempts = await attemptRows(claimed.map((c) => c.deliveryId));
    expect(attempts).toHaveLength(8);
    const s = await states(claimed.map((c) => c.deliveryId));
    for (const c of h.slice(0, 4)) expect(s.get(c.deliveryId)).toMatchObject({ status: 'succeeded', next_attempt_at: null, leased_until: null });
    expect(s.get(h[4].deliveryId)).toMatchObject({ status: 'pending' });
    expect(s.get(f[0].deliveryId)).toMatchObject({ status: 'pending', leased_until: null, next_attempt_at: at(11 * SECOND) });
    expect(s.get(f[1].deliveryId)).toMatchObject({ status: 'succeeded' });
    expect(s.get(f[2].deliveryId)).toMatchObject({ status: 'pending', next_attempt_at: at(91 * SECOND) });
    expect(r.wakeUps).toEqual([{ deliveryId: f[0].deliveryId, at: at(11 * SECOND) }, { deliveryId: f[2].deliveryId, at: at(91 * SECOND) }]);

    const ep = await sql<{ endpoint_id: string; consecutive_failures: number; last_success_at: string | null }>`
      select endpoint_id, consecutive_failures, last_success_at from webhook_endpoints where endpoint_id in (${healthy}, ${flaky})`.execute(em().getKysely());
    const byId = new Map(ep.rows.map((e) => [e.endpoint_id, e]));
    expect(byId.get(healthy)).toMatchObject({ consecutive_failures: 0 });
    expect(new Date(byId.get(healthy)!.last_success_at!)).toEqual(at(SECOND));
    // flaky: fail, success, fail — applied in arrival order: the streak is one failure.
    expect(byId.get(flaky)).toMatchObject({ consecutive_failures: 1 });
  });

  it('disables an endpoint that answers 410 within a batch and announces it to its owner', async () => {
    const endpointId = await makeEndpoint();
    await makeDeliveries(endpointId, 2);
    const { claimed } = await claimDue(T0, 10);
    const r = await recordAll([{ claim: claimed[0], result: { ...FAIL, statusCode: 410, gone: true } }, { claim: claimed[1], result: OK }], at(SECOND));
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['endpoint_disabled', 'succeeded']);
    expect(r.wakeups.some((w) => w.job === 'sendNotification')).toBe(true);
    expect(await attemptRows(claimed.map((c) => c.deliveryId))).toHaveLength(2);
  });
});
