// The real worker process (`node worker/main.ts`) SIGKILLed while a webhook request is in flight:
// the delivery's lease runs out, another worker process claims it again, logs the lost attempt
// and resends it with the same webhook-id — at least once, never lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookLeaseMs } from '#core/webhooks/claim-webhook-deliveries.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { FAST_RECOVERY_ENV, type NodeProcess, spawnNode, stopAll, waitForLog, workerEnv } from '#test/process.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';

const TIMEOUT_MS = 1000;
/** The lease is TIMEOUT_MS plus this margin (30 s in production, WEBHOOK_LEASE_MARGIN_MS). */
const LEASE_MARGIN_MS = 5000;
const LEASE_MS = webhookLeaseMs(TIMEOUT_MS, LEASE_MARGIN_MS);

let server: TestServer;
let receiver: TestReceiver;
const procs: NodeProcess[] = [];

function spawnWorker(): NodeProcess {
  const proc = spawnNode('worker/main.ts', workerEnv(server.config, {
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_LEASE_MARGIN_MS: String(LEASE_MARGIN_MS),
    // The sweeper wakes the delivery once its lease is over (30 s by default).
    SWEEP_INTERVAL_MS: '1000',
    WEBHOOK_RETRY_SCHEDULE: '0,1,1',
    ...FAST_RECOVERY_ENV,
  }));
  procs.push(proc);
  return proc;
}

beforeAll(async () => {
  server = await startTestServer();
  receiver = await startTestReceiver();
});
afterAll(async () => {
  await stopAll(procs);
  await receiver?.close();
  await server?.close();
});

describe('worker killed mid-delivery', () => {
  it('the lease expires, another worker resends with the same webhook-id and the log shows the lost attempt', { timeout: 120_000 }, async () => {
    const client = new ApiClient(server.url);
    const { userId } = await client.signUp();
    expect(userId).toBeTruthy();
    const { body: endpoint } = await client.post('/v1/webhook-endpoints', { url: receiver.url });

    const first = spawnWorker();
    await waitForLog(first, 'worker started');
    // The receiver holds the first request open: the worker is mid-send when it dies.
    receiver.answers.push('hang');
    const test = await client.post(`/v1/webhook-endpoints/${endpoint.endpointId}/test`);
    expect(test.status).toBe(202);
    const [held] = await receiver.waitFor((all) => all.length >= 1);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const second = spawnWorker();
    await waitForLog(second, 'worker started');
    const [, resent] = await receiver.waitFor((all) => all.length >= 2, LEASE_MS + 30_000);
    expect(resent.id).toBe(held.id);
    // Not before the lease ran out: the claim is the guard against a second worker sending early.
    expect(Date.now() - killedAt).toBeGreaterThan(LEASE_MS - 3_000);

    await expect.poll(async () => (await client.get(`/v1/webhook-deliveries/${test.body.deliveryId}`)).body.status, { timeout: 10_000 }).toBe('succeeded');
    const detail = (await client.get(`/v1/webhook-deliveries/${test.body.deliveryId}`)).body;
    expect(detail.attempts.map((a: any) => a.statusCode)).toEqual([null, 204]);
    expect(detail.attempts[0].error).toMatch(/^no result recorded: the worker stopped during the attempt/);
    expect(receiver.received).toHaveLength(2);
  });
});
