// Scale-out: two API processes and two worker processes (the real entry points) against one
// Postgres database and one Redis, under a mixed load sent to both APIs at once — the same
// inquiry submitted to both, the same person inquiring through both, page views replayed to
// both, reminders created through either, a session made on one API used on the other.
// Counted afterwards: no duplicate inquiries, leads or events; every lead's score equals a
// from-scratch rescore; each reminder fired once; each delivery delivered by one worker at a time
// (its attempts never overlap, and with a receiver that always answers 204, exactly once), and
// both workers did part of the work.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookLeaseMs } from '#core/webhooks/claim-webhook-deliveries.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { type NodeProcess, spawnNode, stopAll, waitForLog } from '#test/process.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { expectConverged } from './convergence.ts';
import { FAULT_WEBHOOK_TIMEOUT_MS } from './fault-rig.ts';

const ORIGIN = 'https://scale.example';
/** The rig's generous timeout: a 2 s one could time out an attempt on a loaded machine, and this test wants one attempt per delivery. */
const WEBHOOK_TIMEOUT_MS = FAULT_WEBHOOK_TIMEOUT_MS;
/** The load: inquiries (each sent to both APIs), page views per lead (each replayed to both), reminders. */
const SCALE_OUT_LOAD = { leads: 16, eventsPerLead: 3, reminders: 8 } as const;
const nextIp = ipSource(88);

let db: TestServer;
let receiver: TestReceiver;
const apis: Array<{ proc: NodeProcess; url: string }> = [];
const workers: NodeProcess[] = [];

beforeAll(async () => {
  // The test server supplies the database, the queue prefix and SQL for assertions; the load goes to the two API processes.
  db = await startTestServer();
  receiver = await startTestReceiver();
  const env = {
    NODE_ENV: 'test', DATABASE_URL: db.config.DATABASE_URL, REDIS_URL: db.config.REDIS_URL, QUEUE_PREFIX: db.config.QUEUE_PREFIX, LOG_LEVEL: 'info',
    TRUST_PROXY: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS), WEBHOOK_RETRY_SCHEDULE: '0,1,1,1,1',
    WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '2000', SWEEP_INTERVAL_MS: '2000',
  };
  for (let i = 0; i < 2; i++) {
    const proc = spawnNode('api/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1' });
    const { port } = await waitForLog(proc, 'api listening');
    apis.push({ proc, url: `http://127.0.0.1:${port}` });
  }
  for (let i = 0; i < 2; i++) workers.push(spawnNode('worker/main.ts', env));
  await Promise.all(workers.map((w) => waitForLog(w, 'worker started')));
}, 120_000);

afterAll(async () => {
  await stopAll([...apis.map((a) => a.proc), ...workers]);
  await receiver?.close();
  await db?.close();
});

/** How many `webhooks.deliver` jobs a worker process finished (its job log lines). */
const deliveriesBy = (proc: NodeProcess) => proc.lines.filter((l) => l.includes('"job":"webhooks.deliver"') && l.includes('"msg":"job done"')).length;

describe('two APIs and two workers on one Postgres and one Redis', () => {
  it('mixed load on both APIs: no duplicates, scores converge, reminders fire once, each delivery claimed by one worker at a time', { timeout: 240_000 }, async () => {
    const [a, b] = apis;
    // Sign up on one API, work through the other: sessions live in Postgres, no stickiness needed.
    const onA = new ApiClient(a.url);
    const { userId } = await onA.signUp();
    const onB = new ApiClient(b.url);
    onB.cookie = onA.cookie;
    onB.csrfToken = onA.csrfToken;
    const site = (await onB.post('/v1/sites', { name: 'Scale Realty', allowedOrigins: [ORIGIN] })).body;
    expect(site.publicKey).toMatch(/^pk_/);
    expect((await onA.post('/v1/webhook-endpoints', { url: receiver.url })).status).toBe(201);

    const { leads, eventsPerLead, reminders } = SCALE_OUT_LOAD;
    const ingest = (url: string, path: string, body: unknown) => sendIngest(`${url}${path}`, body, { defaultOrigin: ORIGIN, nextIp });
    const reminderIds: string[] = [];
    // Leads in waves of 8 at once; each wave's requests go to both APIs concurrently.
    for (let wave = 0; wave < leads; wave += 8) {
      await Promise.all(Array.from({ length: Math.min(8, leads - wave) }, async (_, k) => {
        const i = wave + k;
        const visitor = `v_scale_${i}`;
        const email = `scale-${i}@example.com`;
        // The same submission to both APIs (a retried beacon), and a second submission by the same person.
        const inquiry = { site: site.publicKey, id: randomUUID(), visitor, name: `Scale ${i}`, email, message: 'Still available?', consent: true, hp: '' };
        const answers = await Promise.all([ingest(a.url, '/v1/inquiries', inquiry), ingest(b.url, '/v1/inquiries', inquiry)]);
        expect(answers.map((r) => r.status)).toEqual([202, 202]);
        const again = { ...inquiry, id: randomUUID(), visitor: `${visitor}_phone`, message: 'Can we see it Saturday?' };
        expect((await ingest(i % 2 ? a.url : b.url, '/v1/inquiries', again)).status).toBe(202);
        // Page views, each batch replayed to both APIs.
        const events = Array.from({ length: eventsPerLead }, (_, n) => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/l/${n}`, listing: `l-${n}`, ts: Date.now() }));
        const replays = await Promise.all([ingest(a.url, '/v1/collect', { site: site.publicKey, visitor, events }), ingest(b.url, '/v1/collect', { site: site.publicKey, visitor, events })]);
        expect(replays.map((r) => r.status)).toEqual([202, 202]);
        if (i < reminders) {
          const client = i % 2 ? onA : onB;
          const [lead] = await db.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 and email = $2', [userId, email]);
          const res = await client.post(`/v1/leads/${lead.lead_id}/reminders`, { reminderDate: new Date(Date.now() + 1000 + i * 50).toISOString(), reminderMessage: `Call ${i}` });
          expect(res.status).toBe(201);
          reminderIds.push(res.body.reminderId);
        }
      }));
    }

    // No duplicates: one lead per person, one inquiry per submission, one event per event id.
    const [rows] = await db.sql<Record<string, number>>(
      `select (select count(*)::int from leads where user_id = $1) as leads,
              (select count(distinct email)::int from leads where user_id = $1) as emails,
              (select count(*)::int from inquiries i join leads l using (lead_id) where l.user_id = $1) as inquiries`,
      [userId],
    );
    expect(rows).toEqual({ leads, emails: leads, inquiries: 2 * leads });

    await expectConverged({ server: db, receiver, userId, leads, eventsPerLead: { total: leads * eventsPerLead }, reminderIds, inquiriesPerLead: 2, timeoutMs: webhookLeaseMs(WEBHOOK_TIMEOUT_MS) + 60_000 });

    // One worker at a time per delivery: attempts of one delivery never overlap in time, and with a
    // receiver that always answered, each delivery took one attempt and arrived once.
    const overlaps = await db.sql(
      `select x.delivery_id from webhook_attempts x join webhook_attempts y on x.delivery_id = y.delivery_id and x.attempt_id < y.attempt_id
       where tstzrange(x.attempted_at, x.attempted_at + make_interval(secs => x.duration_ms / 1000.0)) && tstzrange(y.attempted_at, y.attempted_at + make_interval(secs => y.duration_ms / 1000.0))`,
    );
    expect(overlaps).toEqual([]);
    const [{ deliveries, attempts, messages }] = await db.sql<{ deliveries: number; attempts: number; messages: number }>(
      'select (select count(*)::int from webhook_deliveries) as deliveries, (select count(*)::int from webhook_attempts) as attempts, (select count(*)::int from webhook_messages) as messages',
    );
    // One endpoint: a delivery per message (lead.created, 2 × inquiry.created, reminder.due, and the rest).
    expect(deliveries).toBe(messages);
    expect(deliveries).toBeGreaterThanOrEqual(3 * leads + reminders);
    expect(attempts).toBe(deliveries);
    const ids = receiver.received.map((w) => w.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(deliveries);
    // Both workers took part.
    const byWorker = workers.map(deliveriesBy);
    expect(Math.min(...byWorker), `delivery jobs per worker: ${byWorker}`).toBeGreaterThan(0);
    for (const p of [...apis.map((x) => x.proc), ...workers]) expect(p.child.exitCode).toBeNull();
  });
});
