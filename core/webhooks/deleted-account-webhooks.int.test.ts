// A deleted account's webhook endpoints send nothing, even one a request in flight at the deletion
// enabled again after the deletion disabled it (a PATCH {enabled:true} or a POST that waited for the
// deletion's lock): the claim fails such an endpoint's due deliveries instead of sending them, and a
// message recorded for the account meanwhile gets no delivery. Real Postgres, Redis, a BullMQ
// worker and a real HTTP receiver on 127.0.0.1; a live account's endpoint in the same run shows the
// worker does deliver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { recordWebhookMessage } from '#core/webhooks/record-webhook-message.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeRealtor } from '#test/factories.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { deliverWebhookHandler } from '#worker/handlers/deliver-webhook.handler.ts';

let server: TestServer;
let worker: TestWorker;
const receivers: TestReceiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_RETRY_SCHEDULE: '0,1,1' });
  // Deliveries only: no purge erases the deleted accounts' messages under the test.
  worker = await startTestWorker(server, { handlers: { deliverWebhook: deliverWebhookHandler }, concurrency: { webhooks: 4 } });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await worker?.close();
  await server?.close();
});

/** A realtor with an endpoint at its own receiver. */
async function subscribed() {
  const r = await makeRealtor(server);
  const receiver = await startTestReceiver();
  receivers.push(receiver);
  const res = await r.client.post('/v1/webhook-endpoints', { url: receiver.url });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { r, receiver, endpointId: res.body.endpointId as string };
}

/** A pending, due delivery of a lead.updated-like message to `endpointId`, written by SQL (as recorded before the purge), woken now. */
async function pendingDelivery(userId: string, endpointId: string): Promise<string> {
  const messageId = `msg_${crypto.randomUUID().replaceAll('-', '')}`;
  await server.sql(`insert into webhook_messages (message_id, user_id, lead_id, event_type, payload, created_at)
    values ($1, $2, null, 'webhook.test', '{"type":"webhook.test","data":{}}'::jsonb, now())`, [messageId, userId]);
  const [{ delivery_id: deliveryId }] = await server.sql<{ delivery_id: string }>(`insert into webhook_deliveries
    (delivery_id, message_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at)
    values (gen_random_uuid(), $1, $2, 'pending', 0, now(), now(), now()) returning delivery_id`, [messageId, endpointId]);
  await enqueueAfterCommit(server.queues, [createWakeup('deliverWebhook', { deliveryId, dueAt: Date.now() })], server.runtime.logger);
  return deliveryId;
}

const statusOf = async (deliveryId: string) => (await server.sql<{ status: string }>('select status from webhook_deliveries where delivery_id = $1', [deliveryId]))[0]?.status;

describe('webhooks of a deleted account', () => {
  it('an endpoint enabled again after the deletion (a request in flight) is sent nothing: its pending delivery fails', async () => {
    const deleted = await subscribed();
    const live = await subscribed();
    expect((await deleted.r.client.request('DELETE', '/v1/account', { json: { password: deleted.r.password } })).status).toBe(202);
    // The PATCH {enabled:true} that passed auth before the deletion committed, then re-read the row.
    await server.sql(`update webhook_endpoints set enabled = true, disabled_reason = null, disabled_at = null where endpoint_id = $1`, [deleted.endpointId]);

    const gone = await pendingDelivery(deleted.r.userId, deleted.endpointId);
    const sent = await pendingDelivery(live.r.userId, live.endpointId);
    // The worker is running: the live account's delivery arrives…
    await live.receiver.waitFor((all) => all.length === 1, WAIT.timeout);
    await expect.poll(() => statusOf(sent), WAIT).toBe('succeeded');
    // …and the deleted account's is failed by the claim, never sent.
    await expect.poll(() => statusOf(gone), WAIT).toBe('failed');
    expect(deleted.receiver.received).toEqual([]);
    expect(await server.sql('select 1 from webhook_attempts where delivery_id = $1', [gone])).toEqual([]);
  });

  it('a message recorded for a deleted account gets no delivery, even to an endpoint enabled again', async () => {
    const deleted = await subscribed();
    expect((await deleted.r.client.request('DELETE', '/v1/account', { json: { password: deleted.r.password } })).status).toBe(202);
    await server.sql(`update webhook_endpoints set enabled = true, disabled_reason = null, disabled_at = null where endpoint_id = $1`, [deleted.endpointId]);
    const em = server.orm.em.fork();
    const recorded = await em.transactional((tem) => recordWebhookMessage({
      em: tem, userId: deleted.r.userId, type: 'webhook.test', data: { endpointId: deleted.endpointId, message: 'Test event from Porchlight' }, now: new Date(), schedule: [0],
    }));
    expect(recorded.wakeUps).toEqual([]);
    expect(await server.sql('select 1 from webhook_deliveries where endpoint_id = $1 and status = $2', [deleted.endpointId, 'pending'])).toEqual([]);
  });
});
