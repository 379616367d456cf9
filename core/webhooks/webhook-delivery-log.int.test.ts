// The delivery log as the API lists it: `attemptCount` is the current budget's, which a resend
// starts again at 0, while the log keeps every attempt; `loggedAttemptCount` counts those, so a
// label beside the attempts table can say how many it lists. Real Postgres (a template clone for
// this file), an injected clock.
import type { EntityManager } from '@mikro-orm/postgresql';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser, makeWebhookEndpoint } from '#test/factories.ts';
import { tenantOfUser } from '../accounts/tenant.ts';
import { claimDueWebhookDeliveries } from './claim-webhook-deliveries.ts';
import { recordWebhookAttempt } from './record-webhook-attempt.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';
import { resendWebhookDelivery } from './resend-webhook-delivery.ts';
import type { SendWebhookResult } from './send-webhook.ts';
import { createWebhookSecret } from './sign-webhook.ts';
import { getWebhookDelivery, listWebhookDeliveries } from './webhook-delivery-log.ts';

const SCHEDULE = [0, 10, 20, 40, 80];
const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const FAIL: SendWebhookResult = { ok: false, statusCode: 500, durationMs: 5, responseExcerpt: 'down', error: null, retryAfterMs: null, gone: false, refused: false };
const OK: SendWebhookResult = { ok: true, statusCode: 200, durationMs: 5, responseExcerpt: 'ok', error: null, retryAfterMs: null, gone: false, refused: false };

const t = useTestOrm({ ormPoolMax: 2 });
const em = (): EntityManager => t.orm.em.fork();
let userId: string;
let endpointId: string;

beforeEach(async () => {
  userId = (await makeUser(t)).userId;
  ({ endpointId } = await makeWebhookEndpoint(t, { userId, url: 'https://crm.example.com/hooks', secret: createWebhookSecret() }));
});

/** Claims the one due delivery at `now` and records `result` for it. */
async function attempt(now: Date, result: SendWebhookResult) {
  const { claimed } = await claimDueWebhookDeliveries({ em: em(), now, dataKey: t.config.DATA_ENCRYPTION_KEY, limit: 10, leaseMs: 45_000, maxAttempts: SCHEDULE.length });
  expect(claimed).toHaveLength(1);
  await recordWebhookAttempt({ em: em(), claim: claimed[0], result, now, schedule: SCHEDULE });
}

describe('the delivery log counts every logged attempt', () => {
  it('after two failed attempts, a resend and a success: attemptCount 1, loggedAttemptCount 3, as many as the attempts listed', async () => {
    const { wakeUps } = await recordWebhookMessage({
      em: em(), userId, type: 'webhook.test', data: { endpointId, message: 'hello' }, now: T0, schedule: SCHEDULE, endpointIds: [endpointId],
    });
    const deliveryId = wakeUps[0].deliveryId;
    const list = () => listWebhookDeliveries({ em: em(), tenant: tenantOfUser(userId), endpointId, limit: 50 });
    expect((await list()).items).toEqual([expect.objectContaining({ deliveryId, attemptCount: 0, loggedAttemptCount: 0 })]);

    await attempt(T0, FAIL);
    await attempt(at(12), FAIL); // the first retry is due at 10 s ± 10 % (jitter)
    await resendWebhookDelivery({ em: em(), tenant: tenantOfUser(userId), deliveryId, now: at(15) });
    await attempt(at(15), OK);

    expect((await list()).items).toEqual([expect.objectContaining({ deliveryId, status: 'succeeded', attemptCount: 1, loggedAttemptCount: 3 })]);
    const detail = await getWebhookDelivery({ em: em(), tenant: tenantOfUser(userId), deliveryId });
    expect(detail.attempts).toHaveLength(3);
    expect(detail.loggedAttemptCount).toBe(3);
  });
});
