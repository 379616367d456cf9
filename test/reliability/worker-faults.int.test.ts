// The worker process (`node worker/main.ts`, as `npm run worker` runs it) under faults, in the
// middle of a run of page views, inquiries, reminders, webhook deliveries and email alerts.
// Each test counts what went in and what came out:
// - SIGKILLed mid-run, while a webhook request is in flight, and restarted → every lead's stored
//   score equals a from-scratch rescore, every reminder due fired once, every webhook delivery
//   delivered (and received), no due email left unsent;
// - Redis flushed mid-run (FLUSHALL on a throwaway redis-server) → the job schedulers are
//   registered again, the sweeper restores every lost job from Postgres, and the same holds
//   (kill-and-flush.int.test.ts combines both faults, with emails at a real SMTP server);
// - Redis stopped for a few seconds mid-run and started again empty → ingest and the API kept
//   answering (202, without waiting on Redis), the worker waited, then caught up on everything.
// (test/redis-outage.int.test.ts covers the API side of a Redis outage in detail: logins, limits, a frozen Redis.)
// BullMQ's lock and stalled-check intervals and the sweep interval are shortened through config
// so this takes seconds, not minutes; a webhook in flight at the kill still waits out its lease.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { findLog, waitForLog } from '#test/process.ts';
import type { ThrowawayRedis } from '#test/redis-server.ts';
import type { TestReceiver } from '#test/webhook-receiver.ts';
import { expectConverged } from './convergence.ts';
import { FAULT_WEBHOOK_LEASE_MS, type FaultRig, startFaultRig } from './fault-rig.ts';

const ORIGIN = 'https://faults.example';
/** Long enough for a delivery whose worker was killed mid-send to be leased again, plus the rest. */
const CONVERGE = { ...WAIT, timeout: FAULT_WEBHOOK_LEASE_MS + 45_000, interval: 250 };
const nextIp = ipSource(77);

let rig: FaultRig;
let redis: ThrowawayRedis;
let server: TestServer;
let receiver: TestReceiver;

const spawnWorker = () => rig.spawnWorker();

beforeAll(async () => {
  rig = await startFaultRig();
  ({ redis, server, receiver } = rig);
});
afterAll(async () => {
  await rig?.close();
});

interface Agent {
  client: ApiClient;
  userId: string;
  siteKey: string;
}

async function makeAgent(): Promise<Agent> {
  const client = new ApiClient(server.url);
  const { userId } = await client.signUp();
  const site = (await client.post('/v1/sites', { name: 'Faults Realty', allowedOrigins: [ORIGIN] })).body;
  expect((await client.post('/v1/webhook-endpoints', { url: receiver.url })).status).toBe(201);
  return { client, userId, siteKey: site.publicKey };
}

/** `leads` inquiries (each a new lead) with page views on their visitors, and a reminder due soon on every other lead. */
async function runWorkload(agent: Agent, tag: string, leads: number): Promise<{ reminderIds: string[] }> {
  const reminderIds: string[] = [];
  for (let i = 0; i < leads; i++) {
    const visitor = `v_${tag}_${i}`;
    const email = `${tag}-${i}@example.com`;
    const inquiry = { site: agent.siteKey, id: randomUUID(), visitor, name: `Lead ${tag} ${i}`, email, message: 'Is it still available?', consent: true, hp: '' };
    expect((await sendIngest(`${server.url}/v1/inquiries`, inquiry, { defaultOrigin: ORIGIN, nextIp })).status).toBe(202);
    const events = Array.from({ length: 1 + (i % 4) }, (_, k) => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/l-${k}`, listing: `l-${k}`, ts: Date.now() }));
    expect((await sendIngest(`${server.url}/v1/collect`, { site: agent.siteKey, visitor, events }, { defaultOrigin: ORIGIN, nextIp })).status).toBe(202);
    if (i % 2 === 0) {
      const [lead] = await server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 and email = $2', [agent.userId, email]);
      const due = new Date(Date.now() + 1500 + i * 100).toISOString();
      const res = await agent.client.post(`/v1/leads/${lead.lead_id}/reminders`, { reminderDate: due, reminderMessage: `Call ${tag} ${i}` });
      expect(res.status).toBe(201);
      reminderIds.push(res.body.reminderId);
    }
  }
  return { reminderIds };
}

describe('the worker process under faults', () => {
  it('SIGKILLed mid-run and restarted: scores exact, reminders fired once, every delivery delivered', { timeout: 180_000 }, async () => {
    const agent = await makeAgent();
    const first = spawnWorker();
    await waitForLog(first, 'worker started');
    const LEADS = 16;
    // The kill lands mid-delivery, at a point the test picks (not a progress count a fast worker
    // can outrun): the receiver answers two webhooks and holds the third open, and the worker dies
    // during that request — usually with the workload still being sent.
    receiver.answers.push({ status: 204 }, { status: 204 }, 'hang');
    const held = receiver.nextHeld();
    const work = runWorkload(agent, 'kill', LEADS);
    const heldWebhook = await held;
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    receiver.release();
    const [atKill] = await server.sql<{ unfinished: number }>(
      `select (select count(*)::int from leads where user_id = $1 and (needs_rescore or score_breakdown is null))
            + (select count(*)::int from webhook_deliveries d join webhook_messages m using (message_id) where m.user_id = $1 and d.status <> 'succeeded') as unfinished`,
      [agent.userId],
    );
    const { reminderIds } = await work;
    expect(atKill.unfinished).toBeGreaterThan(0); // the kill did land mid-run

    const second = spawnWorker();
    await waitForLog(second, 'worker started');
    await expectConverged({ server, receiver, userId: agent.userId, leads: LEADS, eventsPerLead: (i) => 1 + (i % 4), reminderIds, timeoutMs: CONVERGE.timeout });
    // The webhook cut off by the kill: its lost attempt is logged, and it went out again with the same webhook-id.
    const attempts = await server.sql<{ status_code: number | null; error: string | null }>(
      'select a.status_code, a.error from webhook_attempts a join webhook_deliveries d using (delivery_id) where d.message_id = $1 order by a.attempted_at', [heldWebhook.id],
    );
    expect(attempts).toEqual([{ status_code: null, error: expect.stringMatching(/^no result recorded: the worker stopped during the attempt/) }, { status_code: 204, error: null }]);
    expect(receiver.received.filter((w) => w.id === heldWebhook.id).length).toBeGreaterThanOrEqual(2);
  });

  it('Redis flushed mid-run: the schedulers come back and the sweeper restores every lost job from Postgres', { timeout: 180_000 }, async () => {
    const worker = rig.procs.find((p) => p.child.exitCode === null && p.child.signalCode === null) ?? spawnWorker();
    await waitForLog(worker, 'worker started');
    const agent = await makeAgent();
    const LEADS = 12;
    const { reminderIds } = await runWorkload(agent, 'flush', LEADS);
    // The reminders' delayed jobs, the debounced scoring jobs, the deliveries and the schedulers: all gone.
    await server.redis.flushall();
    await expectConverged({ server, receiver, userId: agent.userId, leads: LEADS, eventsPerLead: (i) => 1 + (i % 4), reminderIds, timeoutMs: CONVERGE.timeout });
    expect(findLog(worker, 'job scheduler missing (Redis flushed or replaced?); registering it again')).toBeDefined();
    expect(await server.queues.maintenance.getJobScheduler('maintenance.sweep')).toBeTruthy();
  });
  it('Redis stopped for a few seconds mid-run: ingest answers 202 throughout, the worker waits and then catches up', { timeout: 180_000 }, async () => {
    const worker = rig.procs.find((p) => p.child.exitCode === null && p.child.signalCode === null) ?? spawnWorker();
    await waitForLog(worker, 'worker started');
    const agent = await makeAgent();
    const first = await runWorkload(agent, 'outage-a', 4);
    await redis.stop();
    // During the outage: inquiries, page views and reminders are still accepted (committed to Postgres).
    const during = await runWorkload(agent, 'outage-b', 6);
    await redis.start();
    await expectConverged({ server, receiver, userId: agent.userId, leads: 10, eventsPerLead: { total: (1 + 2 + 3 + 4) + (1 + 2 + 3 + 4 + 1 + 2) }, reminderIds: [...first.reminderIds, ...during.reminderIds], timeoutMs: CONVERGE.timeout });
    expect(worker.child.exitCode).toBeNull();
  });
});
