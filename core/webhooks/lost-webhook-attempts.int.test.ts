// A worker that claims a delivery and dies mid-attempt leaves a lease that ends with no answer
// recorded. Whichever path clears that lease logs the attempt ("no result recorded"), so the
// delivery log keeps every attempt that may have reached the receiver (docs/webhooks.md: "Every
// attempt is kept"). The re-claim always did; a resend, disabling the endpoint (by the realtor or
// a password reset) and the claim failing a disabled endpoint's or a deleted account's due
// deliveries cleared the lease and the attempt vanished from the log. Real Postgres (a template
// clone for this file), an injected clock; the log is read as the API serves it.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser, makeWebhookEndpoint } from '#test/factories.ts';
import { revokePreVerificationAccess } from '../accounts/revoke-pre-verification-access.ts';
import { tenantOfUser } from '../accounts/tenant.ts';
import { claimDueWebhookDeliveries } from './claim-webhook-deliveries.ts';
import { recordWebhookAttempt } from './record-webhook-attempt.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';
import { resendWebhookDelivery } from './resend-webhook-delivery.ts';
import type { SendWebhookResult } from './send-webhook.ts';
import { createWebhookSecret } from './sign-webhook.ts';
import { getWebhookDelivery } from './webhook-delivery-log.ts';
import { updateWebhookEndpoint } from './webhook-endpoints.ts';

const SECOND = 1000;
const LEASE_MS = 45 * SECOND;
const SCHEDULE = [0, 10, 20, 40, 80];
const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** After the dead worker's lease ended. */
const LATER = at(60 * SECOND);
const OK: SendWebhookResult = { ok: true, statusCode: 200, durationMs: 5, responseExcerpt: 'ok', error: null, retryAfterMs: null, gone: false, refused: false };

const t = useTestOrm({ ormPoolMax: 2 });
const em = (): EntityManager => t.orm.em.fork();
let userId: string;
let endpointId: string;
const tenant = () => tenantOfUser(userId);

beforeEach(async () => {
  userId = (await makeUser(t)).userId;
  ({ endpointId } = await makeWebhookEndpoint(t, { userId, url: 'https://crm.example.com/hooks', secret: createWebhookSecret() }));
});

function claim(now: Date) {
  return claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 10, leaseMs: LEASE_MS, maxAttempts: SCHEDULE.length });
}

/** A delivery a worker claimed at T0 and died sending: its lease ends at T0 + 45 s, nothing recorded. */
async function lostDelivery(): Promise<string> {
  const { wakeUps } = await recordWebhookMessage({
    em: em(), userId, type: 'webhook.test', data: { endpointId, message: 'hello' }, now: T0, schedule: SCHEDULE, endpointIds: [endpointId],
  });
  const deliveryId = wakeUps[0].deliveryId;
  expect((await claim(T0)).claimed.map((c) => c.deliveryId)).toEqual([deliveryId]);
  return deliveryId;
}

function deliveryLog(deliveryId: string) {
  return getWebhookDelivery({ em: em(), tenant: tenant(), deliveryId });
}

/** The one attempt the dead worker made: started at its claim, no answer when its lease ended. */
const lostAttempt = (error: RegExp) => ({
  attemptedAt: T0.toISOString(), statusCode: null, durationMs: LEASE_MS, responseExcerpt: null, error: expect.stringMatching(error),
});

describe('an attempt whose worker died is logged whatever clears its lease', () => {
  it('a resend logs it before the fresh budget, and the re-claim does not log it twice', async () => {
    const deliveryId = await lostDelivery();
    await resendWebhookDelivery({ em: em(), tenant: tenant(), deliveryId, now: LATER });
    const resent = await deliveryLog(deliveryId);
    expect(resent).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(resent.attempts).toEqual([expect.objectContaining(lostAttempt(/^no result recorded: .*sending again$/))]);

    const [again] = (await claim(LATER)).claimed;
    expect(again).toMatchObject({ deliveryId, attemptNumber: 1 });
    await recordWebhookAttempt({ em: em(), claim: again, result: OK, now: LATER, schedule: SCHEDULE });
    const done = await deliveryLog(deliveryId);
    expect(done).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect(done.attempts).toEqual([
      expect.objectContaining(lostAttempt(/^no result recorded/)),
      expect.objectContaining({ attemptedAt: LATER.toISOString(), statusCode: 200, error: null }),
    ]);
  });

  it('the realtor disabling the endpoint logs it as it fails the delivery', async () => {
    const deliveryId = await lostDelivery();
    await updateWebhookEndpoint({ em: em(), tenant: tenant(), endpointId, input: { enabled: false }, now: LATER, config: t.config });
    const log = await deliveryLog(deliveryId);
    expect(log).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(log.attempts).toEqual([expect.objectContaining(lostAttempt(/^no result recorded: .*the endpoint is disabled, so the delivery failed$/))]);
  });

  it('a password reset that confirms the address logs it as it disables the endpoint', async () => {
    const deliveryId = await lostDelivery();
    await em().transactional((tem) => revokePreVerificationAccess({ em: tem, userId, now: LATER }));
    const log = await deliveryLog(deliveryId);
    expect(log).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(log.attempts).toEqual([expect.objectContaining(lostAttempt(/^no result recorded: .*the endpoint is disabled/))]);
  });

  it('the claim logs it as it fails the due deliveries of an endpoint disabled while the attempt was in flight', async () => {
    const deliveryId = await lostDelivery();
    // Disabled while the lease was live: that delivery is left to its worker, which never records.
    await updateWebhookEndpoint({ em: em(), tenant: tenant(), endpointId, input: { enabled: false }, now: at(10 * SECOND), config: t.config });
    expect((await deliveryLog(deliveryId)).status).toBe('pending');
    expect(await claim(LATER)).toMatchObject({ claimed: [], failed: 1 });
    const log = await deliveryLog(deliveryId);
    expect(log).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(log.attempts).toEqual([expect.objectContaining(lostAttempt(/^no result recorded: .*the endpoint is disabled/))]);
  });

  it("the claim logs it as it fails the due deliveries of a deleted account's endpoint", async () => {
    const deliveryId = await lostDelivery();
    // Deleted while the attempt was in flight, the endpoint still enabled (a request in flight at the deletion).
    await sql`update users set deleted_at = ${at(10 * SECOND)} where user_id = ${userId}`.execute(em().getKysely());
    expect(await claim(LATER)).toMatchObject({ claimed: [], failed: 1 });
    const log = await deliveryLog(deliveryId);
    expect(log).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(log.attempts).toEqual([expect.objectContaining(lostAttempt(/^no result recorded: .*the endpoint is disabled/))]);
  });

  it('an answer recorded after the lease ended is logged once, also when it disables the endpoint', async () => {
    const deliveryId = await lostDelivery();
    // Not dead after all, only slow: its 410 arrives after the lease ended, before any re-claim.
    const [late] = await sql<{ lease_token: string }>`select lease_token from webhook_deliveries where delivery_id = ${deliveryId}`.execute(em().getKysely()).then((r) => r.rows);
    await recordWebhookAttempt({
      em: em(), now: LATER, schedule: SCHEDULE,
      claim: { deliveryId, leaseToken: late.lease_token, attemptedAt: T0, isProbe: false },
      result: { ...OK, ok: false, statusCode: 410, gone: true, error: 'receiver answered 410' },
    });
    const log = await deliveryLog(deliveryId);
    expect(log).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(log.attempts).toEqual([expect.objectContaining({ attemptedAt: T0.toISOString(), statusCode: 410 })]);
  });
});
