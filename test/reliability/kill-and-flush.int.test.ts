// The outbound guarantee under both faults at once, on the real worker process (`node
// worker/main.ts`) with a real webhook receiver and a real SMTP server: the worker is SIGKILLed
// while a webhook request is in flight; while it is down, reminders (some already due, some due
// in seconds), webhook deliveries and email alerts pile up in Postgres, their wake-ups in Redis;
// then Redis is flushed (FLUSHALL on a throwaway redis-server) and a new worker starts. Only
// Postgres and the sweeper know what is due. Afterwards every reminder fired once, every delivery
// has exactly one successful attempt in its log (the one cut off by the kill also has its lost
// attempt) and every webhook-id reached the receiver at least once, and every email has exactly
// one attempt in its log and arrived at the SMTP server exactly once.
// Schedules are compressed through config (retry schedules, BullMQ lock and stalled-check
// intervals, SWEEP_INTERVAL_MS); the delivery cut off by the kill still waits out its lease
// (FAULT_WEBHOOK_LEASE_MS: 5 s + a 5 s margin), so this takes about half a minute.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { waitForLog } from '#test/process.ts';
import { startTestSmtpServer, type TestSmtpServer } from '#test/smtp.ts';
import type { TestReceiver } from '#test/webhook-receiver.ts';
import { expectConverged } from './convergence.ts';
import { FAULT_WEBHOOK_LEASE_MS, type FaultRig, startFaultRig } from './fault-rig.ts';

const ORIGIN = 'https://kill-flush.example';
/** The lease of the delivery cut off by the kill, plus time for the rest. */
const CONVERGE_MS = FAULT_WEBHOOK_LEASE_MS + 45_000;
const LEADS = 6;
const nextIp = ipSource(79);

let rig: FaultRig;
let server: TestServer;
let receiver: TestReceiver;
let smtp: TestSmtpServer;

const spawnWorker = () => rig.spawnWorker({ SMTP_URL: smtp.url });

beforeAll(async () => {
  rig = await startFaultRig();
  ({ server, receiver } = rig);
  smtp = await startTestSmtpServer();
});
afterAll(async () => {
  await rig?.close();
  await smtp?.close();
});

async function pendingWork(userId: string, reminderIds: string[]) {
  const [state] = await server.sql<{ reminders: number; deliveries: number; emails: number }>(
    `select (select count(*)::int from follow_up_reminders where reminder_id = any($2::uuid[]) and status = 'pending') as reminders,
            (select count(*)::int from webhook_deliveries d join webhook_messages m using (message_id) where m.user_id = $1 and d.status <> 'succeeded') as deliveries,
            (select count(*)::int from notifications where user_id = $1 and status = 'pending') as emails`,
    [userId, reminderIds],
  );
  return state;
}

describe('worker killed mid-delivery, then Redis flushed with work pending', () => {
  it('after the restart every reminder fires once, every delivery and every email succeeds once in the log (webhooks at least once on the wire)', { timeout: 180_000 }, async () => {
    const client = new ApiClient(server.url);
    const { userId, email } = await client.signUp();
    const siteKey = (await client.post('/v1/sites', { name: 'Kill Flush Realty', allowedOrigins: [ORIGIN] })).body.publicKey;
    const endpoint = await client.post('/v1/webhook-endpoints', { url: receiver.url });
    expect(endpoint.status).toBe(201);

    const first = spawnWorker();
    await waitForLog(first, 'worker started');
    // Only the held webhook may be in flight at the kill: the sign-up email goes out first (an
    // email cut off mid-send would wait out its 90 s lease and may arrive twice).
    await vi.waitFor(async () => expect((await pendingWork(userId, [])).emails).toBe(0), { timeout: 15_000, interval: 100 });
    // Alerts go only to a confirmed address.
    await server.sql('update users set email_verified_at = now() where user_id = $1', [userId]);

    // The receiver holds the test ping open; the worker is killed while that request is in flight.
    receiver.answers.push('hang');
    const held = receiver.nextHeld();
    const ping = await client.post(`/v1/webhook-endpoints/${endpoint.body.endpointId}/test`);
    expect(ping.status).toBe(202);
    const heldWebhook = await held;
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    receiver.release();
    expect(heldWebhook.id).toBe(ping.body.messageId);

    // While no worker runs: inquiries (each a lead.created and an inquiry.created delivery and a
    // new-inquiry email), a page view each, and a reminder on each lead — half already due, half
    // due in a few seconds.
    const reminderIds: string[] = [];
    for (let i = 0; i < LEADS; i++) {
      const visitor = `v_kf_${i}`;
      const leadEmail = `kf-${i}-${randomUUID().slice(0, 6)}@example.com`;
      const inquiry = { site: siteKey, id: randomUUID(), visitor, name: `Lead KF ${i}`, email: leadEmail, message: 'Is it still available?', consent: true, hp: '' };
      expect((await sendIngest(`${server.url}/v1/inquiries`, inquiry, { defaultOrigin: ORIGIN, nextIp })).status).toBe(202);
      const events = [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/l-${i}`, listing: `l-${i}`, ts: Date.now() }];
      expect((await sendIngest(`${server.url}/v1/collect`, { site: siteKey, visitor, events }, { defaultOrigin: ORIGIN, nextIp })).status).toBe(202);
      const [lead] = await server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 and email = $2', [userId, leadEmail]);
      const due = new Date(i % 2 === 0 ? Date.now() - 60_000 : Date.now() + 2_000 + i * 100).toISOString();
      const res = await client.post(`/v1/leads/${lead.lead_id}/reminders`, { reminderDate: due, reminderMessage: `Call KF ${i}` });
      expect(res.status).toBe(201);
      reminderIds.push(res.body.reminderId);
    }

    // All three kinds are pending in Postgres, and their wake-ups are in Redis — until the flush.
    expect(await pendingWork(userId, reminderIds)).toEqual({ reminders: LEADS, deliveries: 2 * LEADS + 1, emails: LEADS });
    expect(await server.redis.dbsize()).toBeGreaterThan(0);
    await server.redis.flushall();
    // The API syncs its rate-limit and quota counters to Redis on a timer, so those may be back
    // at once; no queue key (job, schedule, delay set) may be.
    const queueKeys = (await server.redis.keys('*')).filter((k) => !/:(rl|quota|quota-reached):/.test(k));
    expect(queueKeys).toEqual([]);

    const second = spawnWorker();
    await waitForLog(second, 'worker started');
    await expectConverged({ server, receiver, userId, leads: LEADS, eventsPerLead: () => 1, reminderIds, timeoutMs: CONVERGE_MS });

    // Webhooks: one successful attempt per delivery in the log; the ping also logs the attempt the
    // kill cut off. On the wire at least once: the ping twice, with the same webhook-id.
    const deliveries = await server.sql<{ message_id: string; attempts: Array<{ status_code: number | null; error: string | null }> }>(
      `select m.message_id, json_agg(json_build_object('status_code', a.status_code, 'error', a.error) order by a.attempted_at) as attempts
       from webhook_deliveries d join webhook_messages m using (message_id) left join webhook_attempts a using (delivery_id)
       where m.user_id = $1 group by m.message_id`,
      [userId],
    );
    expect(deliveries).toHaveLength(2 * LEADS + 1 + reminderIds.length);
    for (const d of deliveries) {
      const expected = d.message_id === heldWebhook.id
        ? [{ status_code: null, error: expect.stringMatching(/^no result recorded: the worker stopped during the attempt/) }, { status_code: 204, error: null }]
        : [{ status_code: 204, error: null }];
      expect(d.attempts, d.message_id).toEqual(expected);
    }
    expect(receiver.received.filter((w) => w.id === heldWebhook.id).length).toBeGreaterThanOrEqual(2);

    // Emails: each sent with exactly one attempt in the log, and exactly one message at the SMTP
    // server per notification (matched by Message-ID), nothing else to this realtor.
    const notifications = await server.sql<{ kind: string; status: string; attempts: Array<{ ok: boolean; transport: string; message_id: string }> }>(
      `select n.kind, n.status, json_agg(json_build_object('ok', a.ok, 'transport', a.transport, 'message_id', a.message_id)) filter (where a.attempt_id is not null) as attempts
       from notifications n left join notification_attempts a using (notification_id)
       where n.user_id = $1 group by n.notification_id`,
      [userId],
    );
    const kinds = notifications.map((n) => n.kind);
    expect(kinds.filter((k) => k === 'new_inquiry')).toHaveLength(LEADS);
    expect(kinds.filter((k) => k === 'reminder_due')).toHaveLength(reminderIds.length);
    const toRealtor = smtp.messages.filter((m) => m.envelope.to.includes(email));
    for (const n of notifications) {
      expect({ kind: n.kind, status: n.status, attempts: n.attempts?.map(({ ok, transport }) => ({ ok, transport })) }).toEqual({ kind: n.kind, status: 'sent', attempts: [{ ok: true, transport: 'smtp' }] });
      expect(toRealtor.filter((m) => m.header('message-id') === n.attempts[0].message_id), n.kind).toHaveLength(1);
    }
    expect(toRealtor).toHaveLength(notifications.length);
  });
});
