// The worker process (`node worker/main.ts`, as `npm run worker` runs it) under faults, in the
// middle of a run of page views, inquiries, reminders, webhook deliveries and email alerts.
// Each test counts what went in and what came out:
// - SIGKILLed mid-run and restarted → every lead's stored score equals a from-scratch rescore,
//   every reminder due fired once, every webhook delivery delivered (and received), no due email
//   left unsent;
// - Redis flushed mid-run (FLUSHALL on a throwaway redis-server) → the job schedulers are
//   registered again, the sweeper restores every lost job from Postgres, and the same holds.
// BullMQ's lock and stalled-check intervals and the sweep interval are shortened through config
// so this takes seconds, not minutes; a webhook in flight at the kill still waits out its lease.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeScore } from '#core/scoring/compute-score.ts';
import { loadScoringInputs } from '#core/scoring/load-scoring-inputs.ts';
import { loadScoringRules } from '#core/scoring/load-scoring-rules.ts';
import { webhookLeaseMs } from '#core/webhooks/claim-webhook-delivery.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { findLog, type NodeProcess, spawnNode, waitForLog } from '#test/process.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';

const ORIGIN = 'https://faults.example';
const WEBHOOK_TIMEOUT_MS = 1000;
/** Long enough for a delivery whose worker was killed mid-send to be leased again, plus the rest. */
const CONVERGE = { ...WAIT, timeout: webhookLeaseMs(WEBHOOK_TIMEOUT_MS) + 45_000, interval: 250 };
const nextIp = ipSource(77);

let redis: ThrowawayRedis;
let server: TestServer;
let receiver: TestReceiver;
const procs: NodeProcess[] = [];

function spawnWorker(): NodeProcess {
  const proc = spawnNode('worker/main.ts', {
    NODE_ENV: 'test', DATABASE_URL: server.config.DATABASE_URL, REDIS_URL: redis.url, QUEUE_PREFIX: server.config.QUEUE_PREFIX, LOG_LEVEL: 'info',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS), WEBHOOK_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1',
    EMAIL_RETRY_SCHEDULE: '0,1,1', WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', SWEEP_INTERVAL_MS: '1000',
  });
  procs.push(proc);
  return proc;
}

async function stopAll() {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
}

beforeAll(async () => {
  redis = await startThrowawayRedis();
  server = await startTestServer({ REDIS_URL: redis.url, TRUST_PROXY: 'true' });
  receiver = await startTestReceiver();
});
afterAll(async () => {
  await stopAll();
  await receiver?.close();
  await server?.close();
  await redis?.stop();
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

/** Waits until the agent's work has all run, then checks it ran once and scores are exact. */
async function expectConverged(agent: Agent, leads: number, reminderIds: string[]): Promise<void> {
  await vi.waitFor(async () => {
    const [state] = await server.sql<Record<string, number>>(
      `select (select count(*)::int from leads where user_id = $1 and (needs_rescore or score_breakdown is null)) as unscored,
              (select count(*)::int from follow_up_reminders where reminder_id = any($2::uuid[]) and status = 'pending') as pending_reminders,
              (select count(*)::int from webhook_deliveries d join webhook_messages m using (message_id) where m.user_id = $1 and d.status <> 'succeeded') as undelivered,
              (select count(*)::int from notifications where user_id = $1 and status = 'pending' and coalesce(next_attempt_at, send_at) <= now()) as unsent`,
      [agent.userId, reminderIds],
    );
    expect(state).toEqual({ unscored: 0, pending_reminders: 0, undelivered: 0, unsent: 0 });
  }, CONVERGE);

  // Every lead's stored score is what a from-scratch computation gives at its scoring time.
  const leadRows = await server.sql<{ lead_id: string; score: number; score_band: string; score_breakdown: any; scored_at: Date }>(
    'select lead_id, score, score_band, score_breakdown, scored_at from leads where user_id = $1', [agent.userId],
  );
  expect(leadRows).toHaveLength(leads);
  const em = server.orm.em.fork() as EntityManager;
  const { rules, version } = await loadScoringRules(em, agent.userId);
  for (const lead of leadRows) {
    const now = new Date(lead.score_breakdown.computedAt);
    const inputs = (await loadScoringInputs(em, [lead.lead_id], { now, halfLifeDays: rules.halfLifeDays })).get(lead.lead_id)!;
    const expected = computeScore({ ...inputs, rules, rulesVersion: version, now });
    expect({ score: lead.score, band: lead.score_band, breakdown: lead.score_breakdown }, lead.lead_id).toEqual({ score: expected.score, band: expected.band, breakdown: expected.breakdown });
  }
  const [{ events }] = await server.sql<{ events: number }>('select count(*)::int as events from lead_analytics a join leads l using (lead_id) where l.user_id = $1', [agent.userId]);
  expect(events).toBe(Array.from({ length: leads }, (_, i) => 1 + (i % 4)).reduce((a, b) => a + b, 0));

  // Each reminder fired once: one reminder.due message and one reminder-due email each.
  const fired = await server.sql<{ reminder_id: string; messages: number; emails: number }>(
    `select r.reminder_id,
            (select count(*)::int from webhook_messages m where m.event_type = 'reminder.due' and m.payload::text like '%' || r.reminder_id || '%') as messages,
            (select count(*)::int from notifications n where n.kind = 'reminder_due' and n.reminder_id = r.reminder_id) as emails
     from follow_up_reminders r where r.reminder_id = any($1::uuid[]) order by 1`,
    [reminderIds],
  );
  expect(fired).toEqual(reminderIds.map((id) => ({ reminder_id: id, messages: 1, emails: 1 })).sort((a, b) => a.reminder_id.localeCompare(b.reminder_id)));

  // Every message reached the receiver (at least once; a resend keeps its webhook-id), and each
  // inquiry produced exactly one lead.created and one inquiry.created.
  const messages = await server.sql<{ message_id: string; event_type: string }>('select message_id, event_type from webhook_messages where user_id = $1', [agent.userId]);
  const counts = Object.fromEntries(['lead.created', 'inquiry.created', 'reminder.due'].map((t) => [t, messages.filter((m) => m.event_type === t).length]));
  expect(counts).toEqual({ 'lead.created': leads, 'inquiry.created': leads, 'reminder.due': reminderIds.length });
  const received = new Set(receiver.received.map((w) => w.id));
  expect(messages.filter((m) => !received.has(m.message_id))).toEqual([]);
}

describe('the worker process under faults', () => {
  it('SIGKILLed mid-run and restarted: scores exact, reminders fired once, every delivery delivered', { timeout: 180_000 }, async () => {
    const agent = await makeAgent();
    const first = spawnWorker();
    await waitForLog(first, 'worker started');
    const LEADS = 16;
    const before = receiver.received.length;
    const { reminderIds } = await runWorkload(agent, 'kill', LEADS);
    // Mid-run: some webhooks out, reminders still ahead.
    await receiver.waitFor((all) => all.length >= before + 3, 30_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const [{ done }] = await server.sql<{ done: number }>("select count(*)::int as done from webhook_deliveries where status = 'succeeded'");
    expect(done).toBeLessThan(LEADS * 2 + reminderIds.length); // the kill did land mid-run

    const second = spawnWorker();
    await waitForLog(second, 'worker started');
    await expectConverged(agent, LEADS, reminderIds);
  });

  it('Redis flushed mid-run: the schedulers come back and the sweeper restores every lost job from Postgres', { timeout: 180_000 }, async () => {
    const worker = procs.find((p) => p.child.exitCode === null && p.child.signalCode === null) ?? spawnWorker();
    await waitForLog(worker, 'worker started');
    const agent = await makeAgent();
    const LEADS = 12;
    const { reminderIds } = await runWorkload(agent, 'flush', LEADS);
    // The reminders' delayed jobs, the debounced scoring jobs, the deliveries and the schedulers: all gone.
    await server.redis.flushall();
    expect(await server.redis.dbsize()).toBe(0);
    await expectConverged(agent, LEADS, reminderIds);
    expect(findLog(worker, 'job scheduler missing (Redis flushed or replaced?); registering it again')).toBeDefined();
    expect(await server.queues.maintenance.getJobScheduler('maintenance.sweep')).toBeTruthy();
  });
});
