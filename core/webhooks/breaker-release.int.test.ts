// A closing breaker releases everything that waited behind it, however much that is. The release
// used to make only the first 1,000 held deliveries due; the rest kept the due time the breaker
// had pushed them to (up to the schedule's longest cool-down, 10 hours) and nothing else ever moved
// them: the sweeper only wakes rows that are already due. A receiver back after an outage that
// held more than 1,000 messages (two bulk stage moves of 500 leads) got the rest hours later.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser, makeWebhookEndpoint } from '#test/factories.ts';
import { claimDueWebhookDeliveries } from './claim-webhook-deliveries.ts';
import { findDueWebhookDeliveries } from './find-due-webhook-deliveries.ts';
import { recordWebhookAttempt } from './record-webhook-attempt.ts';
import { recordWebhookMessages } from './record-webhook-message.ts';
import type { SendWebhookResult } from './send-webhook.ts';
import { createWebhookSecret } from './sign-webhook.ts';
import { sendWebhookTestEvent, updateWebhookEndpoint } from './webhook-endpoints.ts';
import { tenantOfUser } from '../accounts/tenant.ts';

const SECOND = 1000;
const SCHEDULE = [0, 10, 20, 40, 80];
const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HELD = 1200;
const OK: SendWebhookResult = { ok: true, statusCode: 200, durationMs: 5, responseExcerpt: 'ok', error: null, retryAfterMs: null, gone: false, refused: false };
const FAIL: SendWebhookResult = { ok: false, statusCode: 503, durationMs: 5, responseExcerpt: 'down', error: 'receiver answered 503', retryAfterMs: null, gone: false, refused: false };

const t = useTestOrm({ ormPoolMax: 2 });
const em = (): EntityManager => t.orm.em.fork();
let userId: string;

beforeAll(async () => {
  userId = (await makeUser(t)).userId;
});

/** An endpoint whose breaker opened at T0 (10 s cool-down) with HELD deliveries deferred behind it. */
async function endpointWithHeldBacklog(): Promise<string> {
  const { endpointId } = await makeWebhookEndpoint(t, { userId, url: 'https://crm.example.com/hooks', secret: createWebhookSecret() });
  const claim = (now: Date) => claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 10, maxAttempts: SCHEDULE.length });
  await recordWebhookMessages({ em: em(), userId, type: 'webhook.test', messages: [{ leadId: null, data: { endpointId, message: 'first' } }], now: T0, schedule: SCHEDULE, endpointIds: [endpointId] });
  const [first] = (await claim(T0)).claimed;
  const opened = await recordWebhookAttempt({ em: em(), claim: first, result: FAIL, now: T0, schedule: SCHEDULE, breakerThreshold: 1, random: () => 0.5 });
  expect(opened.breakerUntil).toEqual(at(10 * SECOND));
  // The outage goes on: many messages arrive and the claim defers them all to the breaker's end.
  await recordWebhookMessages({
    em: em(), userId, type: 'webhook.test', now: at(SECOND), schedule: SCHEDULE, endpointIds: [endpointId],
    messages: Array.from({ length: HELD }, (_, i) => ({ leadId: null, data: { endpointId, message: `m${i}` } })),
  });
  expect((await claim(at(SECOND))).claimed).toEqual([]);
  // Hold them far out, as a long cool-down (a later step of the schedule) would.
  await sql`update webhook_deliveries set next_attempt_at = ${at(10 * 3600 * SECOND)} where endpoint_id = ${endpointId} and status = 'pending'`.execute(em().getKysely());
  await sql`update webhook_endpoints set breaker_until = ${at(10 * 3600 * SECOND)} where endpoint_id = ${endpointId}`.execute(em().getKysely());
  return endpointId;
}

async function notDueAt(endpointId: string, now: Date): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries
    where endpoint_id = ${endpointId} and status = 'pending' and next_attempt_at > ${now}`.execute(em().getKysely());
  return r.rows[0].n;
}

describe('a closing breaker', () => {
  it('a successful probe closes it and every held delivery is due at once, beyond the first thousand too', async () => {
    const endpointId = await endpointWithHeldBacklog();
    // The realtor sends a test event: with no probe in flight it is the probe, now, not in 10 hours.
    const now = at(20 * SECOND);
    const test = await sendWebhookTestEvent({ em: em(), tenant: tenantOfUser(userId), endpointId, now, config: { ...t.config, WEBHOOK_RETRY_SCHEDULE: SCHEDULE } });
    const probe = (await claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 10, maxAttempts: SCHEDULE.length })).claimed;
    expect(probe.map((c) => [c.deliveryId, c.isProbe])).toEqual([[test.deliveryId, true]]);
    const closed = await recordWebhookAttempt({ em: em(), claim: probe[0], result: OK, now: at(21 * SECOND), schedule: SCHEDULE });
    expect(closed.outcome).toBe('succeeded');
    expect(closed.wakeUps.length).toBeGreaterThan(0);
    expect(await notDueAt(endpointId, at(21 * SECOND))).toBe(0);
    expect(await findDueWebhookDeliveries({ em: em(), now: at(21 * SECOND), limit: 5000 })).toHaveLength(HELD + 1);
  });

  it('a new URL closes it and every held delivery is due at once, beyond the first thousand too', async () => {
    const endpointId = await endpointWithHeldBacklog();
    const now = at(20 * SECOND);
    const { wakeups } = await updateWebhookEndpoint({
      em: em(), tenant: tenantOfUser(userId), endpointId, input: { url: 'https://fixed.example.com/hooks' }, now,
      config: { ...t.config, WEBHOOK_ALLOWED_HOSTS: ['fixed.example.com'], WEBHOOK_RETRY_SCHEDULE: SCHEDULE },
    });
    expect(wakeups.length).toBeGreaterThan(0);
    expect(await notDueAt(endpointId, now)).toBe(0);
  });
});
