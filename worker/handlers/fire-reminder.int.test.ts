// Reminders falling due through the real worker (BullMQ on Redis, Postgres): at their time, at a
// rescheduled time, through the sweeper when their job is lost, once under races; the automatic
// rules (hot crossing, unanswered inquiry) with the realtor's settings; and what a bulk rescore
// may trigger.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueue } from '#core/jobs/queues.ts';
import { JOBS } from '#core/jobs/jobs.ts';
import { fireReminder } from '#core/reminders/fire-reminder.ts';
import { recordAutoReminder } from '#core/reminders/record-auto-reminder.ts';
import { parseScoringRules } from '#core/scoring/scoring-rules.ts';
import { scoreLead, scoreLeads } from '#core/scoring/score-lead.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeActivity, makeEvents, makeInquiry, makeLead, makeRealtor, makeReminder, type Realtor } from '#test/factories.ts';
import { CHROME_UA } from '#test/ingest.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { HOUR_MS, MINUTE_MS } from '#core/shared/time.ts';

const ORIGIN = 'https://homes.example';

let server: TestServer;
let worker: TestWorker;
let realtor: Realtor;
let siteId: string;
let siteKey: string;
/** Every finished `reminders.fire` job: its reminder and outcome. */
const fires: Array<{ jobId: string; reminderId: string; outcome: string }> = [];
const failures: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  worker = await startTestWorker(server, { name: 'reminders-worker' });
  for (const w of worker.runtime.workers) {
    w.on('completed', (job: Job, result: any) => {
      if (job.name === 'reminders.fire') fires.push({ jobId: job.id!, reminderId: job.data.reminderId, outcome: result?.outcome });
    });
    w.on('failed', (job: Job | undefined, err: Error) => failures.push(`${job?.name} ${job?.id}: ${err.message}`));
  }
  realtor = await makeRealtor(server, { verified: true });
  const site = (await realtor.client.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteId = site.siteId;
  siteKey = site.publicKey;
});
afterAll(async () => {
  expect(failures).toEqual([]);
  await worker?.close();
  await server?.close();
});

const fork = () => server.orm.em.fork() as EntityManager;

async function reminder(reminderId: string) {
  const [row] = await server.sql<Record<string, any>>('select * from follow_up_reminders where reminder_id = $1', [reminderId]);
  return row;
}

async function runSweep(tag: string): Promise<void> {
  const jobId = `sweep-${tag}`;
  await enqueue(server.queues, 'sweep', {}, { jobId });
  await vi.waitFor(async () => expect((await server.queues.maintenance.getJob(jobId))?.finishedOn, `sweep ${tag}`).toBeTruthy(), WAIT);
}

const firedFor = (reminderId: string) => fires.filter((f) => f.reminderId === reminderId && f.outcome === 'fired');
/** BullMQ reports `completed` after the handler's transaction commits, so the row can be due before the event arrives. */
const awaitFired = (reminderId: string) =>
  vi.waitFor(() => expect(firedFor(reminderId).length, `the fire job of ${reminderId} reported`).toBeGreaterThan(0), WAIT);

describe('a reminder falling due', () => {
  it('becomes due at its time through its delayed job, in the admin lists without anyone asking', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId, name: 'Soon' });
    const at = new Date(Date.now() + 1500).toISOString();
    const created = (await realtor.client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: 'Call' })).body;
    expect((await reminder(created.reminderId)).status).toBe('pending');
    const due = await vi.waitFor(async () => {
      const row = await reminder(created.reminderId);
      expect(row.status, 'the reminder due').toBe('due');
      return row;
    }, WAIT);
    expect(due.fired_at.getTime()).toBeGreaterThanOrEqual(new Date(at).getTime());
    await awaitFired(created.reminderId);
    expect(firedFor(created.reminderId)).toHaveLength(1);
    const list = await realtor.client.get('/v1/reminders?status=due');
    expect(list.body.items.map((r: any) => r.reminderId)).toContain(created.reminderId);
    expect((await realtor.client.get('/v1/reminders/summary')).body.due).toBeGreaterThanOrEqual(1);
  });

  it('a rescheduled reminder fires at its new time: the old job neither swallows the new one nor fires early', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    // Earlier → later: the old job runs first and must leave it pending.
    const soon = new Date(Date.now() + 800).toISOString();
    const a = (await realtor.client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: soon, reminderMessage: 'A' })).body;
    const later = new Date(Date.now() + HOUR_MS).toISOString();
    await realtor.client.patch(`/v1/reminders/${a.reminderId}`, { reminderDate: later });
    const oldJobId = JOBS.fireReminder.jobId({ reminderId: a.reminderId, dueAt: new Date(soon).getTime() });
    await vi.waitFor(() => expect(fires.find((f) => f.jobId === oldJobId), 'the old job ran').toBeTruthy(), WAIT);
    expect(fires.find((f) => f.jobId === oldJobId)!.outcome).toBe('skipped');
    expect((await reminder(a.reminderId)).status).toBe('pending');

    // Later → earlier: the new job fires it, the old one stays delayed and will find it due.
    const b = (await realtor.client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: later, reminderMessage: 'B' })).body;
    await realtor.client.patch(`/v1/reminders/${b.reminderId}`, { reminderDate: new Date(Date.now() + 800).toISOString() });
    await vi.waitFor(async () => expect((await reminder(b.reminderId)).status, 'B due at its new time').toBe('due'), WAIT);
    await awaitFired(b.reminderId);
    expect(firedFor(b.reminderId)).toHaveLength(1);
  });

  it('a snoozed reminder falls due again', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    const { reminderId } = await makeReminder(server, { leadId, userId: realtor.userId, status: 'due', firedAt: new Date(), reminderDate: new Date(Date.now() - HOUR_MS) });
    const until = new Date(Date.now() + 800).toISOString();
    expect((await realtor.client.post(`/v1/reminders/${reminderId}/snooze`, { until })).body.status).toBe('pending');
    await vi.waitFor(async () => expect((await reminder(reminderId)).status, 'due after the snooze').toBe('due'), WAIT);
    expect((await reminder(reminderId)).fired_at.getTime()).toBeGreaterThanOrEqual(new Date(until).getTime());
  });
});

describe('the sweeper and races', () => {
  it('fires, once, a pending reminder whose job is lost (Redis flushed or never reached)', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    // Created through the API, then its job removed from Redis, then its time passes.
    const at = new Date(Date.now() + HOUR_MS).toISOString();
    const created = (await realtor.client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: 'Lost' })).body;
    const jobId = JOBS.fireReminder.jobId({ reminderId: created.reminderId, dueAt: new Date(at).getTime() });
    await (await server.queues.reminders.getJob(jobId))!.remove();
    const past = new Date(Date.now() - MINUTE_MS);
    await server.sql('update follow_up_reminders set reminder_date = $2 where reminder_id = $1', [created.reminderId, past]);
    // And one that never had a job at all.
    const { reminderId: never } = await makeReminder(server, { leadId, userId: realtor.userId, reminderDate: new Date(Date.now() - 10 * MINUTE_MS) });

    await runSweep('lost-1');
    await vi.waitFor(async () => expect((await reminder(created.reminderId)).status === 'due' && (await reminder(never)).status === 'due', 'both swept reminders due').toBeTruthy(), WAIT);
    await Promise.all([awaitFired(created.reminderId), awaitFired(never)]);
    await runSweep('lost-2');
    await runSweep('lost-3');
    expect(firedFor(created.reminderId)).toHaveLength(1);
    expect(firedFor(never)).toHaveLength(1);
  });

  it('ten racing fires of one reminder: one claims it, the others do nothing', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    const { reminderId } = await makeReminder(server, { leadId, userId: realtor.userId, reminderDate: new Date(Date.now() - MINUTE_MS) });
    const results = await Promise.all(Array.from({ length: 10 }, () => fireReminder({ em: fork(), reminderId, now: new Date(), config: server.config })));
    expect(results.map((r) => r.outcome).sort()).toEqual(['fired', ...Array(9).fill('skipped')]);
    const row = await reminder(reminderId);
    expect(row.status).toBe('due');
    // A job arriving after that (the sweeper's, a duplicate) changes nothing.
    expect((await fireReminder({ em: fork(), reminderId, now: new Date(), config: server.config })).outcome).toBe('skipped');
    expect((await reminder(reminderId)).fired_at).toEqual(row.fired_at);
  });

  it('a reminder whose time has not come, or that was closed or deleted, is not fired', async () => {
    const { leadId } = await makeLead(server, { userId: realtor.userId });
    const { reminderId: future } = await makeReminder(server, { leadId, userId: realtor.userId, reminderDate: new Date(Date.now() + HOUR_MS) });
    const { reminderId: done } = await makeReminder(server, { leadId, userId: realtor.userId, status: 'done', reminderDate: new Date(Date.now() - HOUR_MS) });
    for (const id of [future, done, crypto.randomUUID()]) {
      expect((await fireReminder({ em: fork(), reminderId: id, now: new Date(), config: server.config })).outcome).toBe('skipped');
    }
    expect((await reminder(future)).status).toBe('pending');
    expect((await reminder(done)).status).toBe('done');
  });
});

describe('automatic reminders', () => {
  async function hotLead(opts: { flagged?: boolean } = {}): Promise<string> {
    const { leadId } = await makeLead(server, { userId: realtor.userId, needsRescore: opts.flagged ?? true });
    const t0 = new Date();
    await makeInquiry(server, { leadId, source: 'widget', createdAt: t0 });
    // 40 inquiry + 15 showing request + 10 saved listing = 65: hot with the default bands.
    await makeEvents(server, [{ siteId, leadId, type: 'showing_request', at: t0 }, { siteId, leadId, type: 'save_listing', at: t0 }]);
    return leadId;
  }
  const autoReminders = (leadId: string, rule: string) =>
    server.sql<Record<string, any>>('select * from follow_up_reminders where lead_id = $1 and auto_rule = $2 order by created_at', [leadId, rule]);
  const putSettings = (patch: Record<string, unknown>) =>
    realtor.client.put('/v1/reminder-settings', { hotLeadEnabled: true, hotLeadDelayMinutes: 60, inquiryUnansweredEnabled: true, inquiryUnansweredHours: 24, ...patch });

  it('a hot crossing follows the settings: its delay, off means none, and never two open at once', async () => {
    await putSettings({ hotLeadDelayMinutes: 15 });
    const leadId = await hotLead();
    const now = new Date();
    const result = await scoreLead({ em: fork(), leadId, now, mode: 'activity', config: server.config });
    expect(result?.band).toBe('hot');
    const [row] = await autoReminders(leadId, 'lead_hot');
    expect(row).toMatchObject({ kind: 'auto', status: 'pending', reminder_message: 'Call within 15 minutes — lead turned hot' });
    expect(row.reminder_date.getTime()).toBe(now.getTime() + 15 * MINUTE_MS);
    expect(result?.hot).toMatchObject({ reminderId: row.reminder_id, reminderAt: row.reminder_date });
    expect(result?.hot?.wakeups.map((w) => w.jobId)).toContain(JOBS.fireReminder.jobId({ reminderId: row.reminder_id, dueAt: now.getTime() + 15 * MINUTE_MS }));

    // Cold again, then hot again while the first reminder is still open: no second one.
    await server.sql(`update leads set score_band = 'cold', score = 0, needs_rescore = true where lead_id = $1`, [leadId]);
    const again = (await scoreLead({ em: fork(), leadId, now: new Date(), mode: 'activity', config: server.config }))?.hot;
    expect(again).toMatchObject({ reminderId: null });
    expect(again?.wakeups.map((w) => w.job)).not.toContain('fireReminder');
    expect(await autoReminders(leadId, 'lead_hot')).toHaveLength(1);

    await putSettings({ hotLeadEnabled: false });
    const quiet = await hotLead();
    expect((await scoreLead({ em: fork(), leadId: quiet, now: new Date(), mode: 'activity', config: server.config }))?.band).toBe('hot');
    expect(await autoReminders(quiet, 'lead_hot')).toHaveLength(0);
    await putSettings({});
  });

  it('a bulk rescore (rules mode) creates no reminder for a threshold-only crossing, one for a lead with new activity', async () => {
    const lowered = { version: 9, config: parseScoringRules({ bands: { hot: 50, warm: 20 } }) };
    // 40 inquiry + 10 saved listing = 50: warm with the defaults, hot at a threshold of 50.
    const thresholdOnly = (await makeLead(server, { userId: realtor.userId, score: 50, scoreBand: 'warm' })).leadId;
    await makeInquiry(server, { leadId: thresholdOnly, source: 'widget' });
    await makeEvents(server, [{ siteId, leadId: thresholdOnly, type: 'save_listing' }]);
    const withActivity = await hotLead({ flagged: true });
    const results = await scoreLeads({ em: fork(), leadIds: [thresholdOnly, withActivity], now: new Date(), mode: 'rules', rules: lowered, config: server.config });
    expect(results.map((r) => r.band)).toEqual(['hot', 'hot']);
    expect(await autoReminders(thresholdOnly, 'lead_hot')).toHaveLength(0);
    expect(await autoReminders(withActivity, 'lead_hot')).toHaveLength(1);
  });

  it('a widget inquiry schedules "unanswered" once per lead; at its time it fires, unless the lead was contacted', async () => {
    const inquire = (email: string, id: string) =>
      fetch(`${server.url}/v1/inquiries`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME_UA, 'x-forwarded-for': `10.77.0.${fires.length + 1}` },
        body: JSON.stringify({ site: siteKey, id, name: 'Robin', email, message: 'Still available?', consent: true }),
      });
    const before = Date.now();
    expect((await inquire('robin@example.com', crypto.randomUUID())).status).toBeLessThan(300);
    expect((await inquire('robin@example.com', crypto.randomUUID())).status).toBeLessThan(300);
    const [{ lead_id: leadId }] = await server.sql<{ lead_id: string }>(`select lead_id from leads where email = 'robin@example.com'`);
    const rows = await autoReminders(leadId, 'inquiry_unanswered');
    expect(rows).toHaveLength(1);
    expect(rows[0].reminder_message).toBe('Inquiry unanswered for 24 hours — reply or call');
    expect(rows[0].reminder_date.getTime()).toBeGreaterThanOrEqual(before + 24 * HOUR_MS);

    // Three leads whose reminders have come due: one untouched, one moved past `new`, one with a note by hand.
    const due = async (setup: (leadId: string) => Promise<unknown>) => {
      const { leadId: id } = await makeLead(server, { userId: realtor.userId });
      const made = await fork().transactional((tem) => recordAutoReminder(tem as EntityManager, { rule: 'inquiry_unanswered', leadId: id, userId: realtor.userId, now: new Date(Date.now() - 25 * HOUR_MS) }));
      await setup(id);
      return { leadId: id, reminderId: made!.reminderId };
    };
    const untouched = await due(async () => undefined);
    const contacted = await due((id) => realtor.client.patch(`/v1/leads/${id}`, { status: 'contacted' }));
    const noted = await due((id) => realtor.client.post(`/v1/leads/${id}/inquiries`, { message: 'Called, showing booked for Saturday' }));
    const outcome = async (r: { reminderId: string }) => (await fireReminder({ em: fork(), reminderId: r.reminderId, now: new Date(), config: server.config })).outcome;
    expect(await outcome(untouched)).toBe('fired');
    expect(await outcome(contacted)).toBe('dismissed');
    expect(await outcome(noted)).toBe('dismissed');
    expect((await reminder(untouched.reminderId)).status).toBe('due');
    expect((await reminder(contacted.reminderId))).toMatchObject({ status: 'dismissed', fired_at: null, completed_at: expect.any(Date) });
    // Its rule switched off: no reminder for the next inquiry.
    await putSettings({ inquiryUnansweredEnabled: false });
    expect((await inquire('sam@example.com', crypto.randomUUID())).status).toBeLessThan(300);
    const [{ lead_id: sam }] = await server.sql<{ lead_id: string }>(`select lead_id from leads where email = 'sam@example.com'`);
    expect(await autoReminders(sam, 'inquiry_unanswered')).toHaveLength(0);
    await putSettings({});
  });

  it('a past client who inquires again is "unanswered" until someone is in touch after the reminder was written', async () => {
    const now = new Date();
    const written = new Date(now.getTime() - 25 * HOUR_MS);
    // A client for a month, called the week before they wrote again: all of it before the reminder.
    const pastClient = async () => {
      const { leadId } = await makeLead(server, { userId: realtor.userId, status: 'client' });
      await makeActivity(server, { leadId, userId: realtor.userId, type: 'status_change', meta: { from: 'new', to: 'client' }, occurredAt: new Date(now.getTime() - 30 * 24 * HOUR_MS) });
      await makeActivity(server, { leadId, userId: realtor.userId, type: 'call', occurredAt: new Date(now.getTime() - 7 * 24 * HOUR_MS) });
      await makeInquiry(server, { leadId, source: 'widget', createdAt: written });
      const made = await fork().transactional((tem) => recordAutoReminder(tem as EntityManager, { rule: 'inquiry_unanswered', leadId, userId: realtor.userId, now: written }));
      return { leadId, reminderId: made!.reminderId };
    };
    const fire = async (r: { reminderId: string }, at: Date) => (await fireReminder({ em: fork(), reminderId: r.reminderId, now: at, config: server.config })).outcome;

    const ignored = await pastClient();
    expect(await fire(ignored, now)).toBe('fired');
    expect(await reminder(ignored.reminderId)).toMatchObject({ status: 'due', fired_at: now, completed_at: null });
    expect(await server.sql('select status from notifications where kind = $1 and reminder_id = $2', ['reminder_due', ignored.reminderId])).toEqual([{ status: 'pending' }]);

    // In touch after the reminder was written: a call (logged as it happened, e.g. a showing that took place) or a status change.
    const called = await pastClient();
    await makeActivity(server, { leadId: called.leadId, userId: realtor.userId, type: 'call', occurredAt: new Date(now.getTime() - 2 * HOUR_MS) });
    const moved = await pastClient();
    expect((await realtor.client.patch(`/v1/leads/${moved.leadId}`, { status: 'qualified' })).status).toBe(200);
    const later = new Date();
    expect(await fire(called, later)).toBe('dismissed');
    expect(await fire(moved, later)).toBe('dismissed');
    expect(await reminder(called.reminderId)).toMatchObject({ status: 'dismissed', completed_at: later });
    expect(await server.sql('select 1 from notifications where reminder_id = any($1)', [[called.reminderId, moved.reminderId]])).toEqual([]);
  });
});

describe('an automatic reminder whose lead moved on', () => {
  const written = (ms: number) => new Date(Date.now() - ms);
  const autoReminder = async (rule: 'lead_hot' | 'inquiry_unanswered', leadId: string, at: Date) => {
    const made = await fork().transactional((tem) => recordAutoReminder(tem as EntityManager, { rule, leadId, userId: realtor.userId, now: at }));
    return made!.reminderId;
  };
  const fire = async (reminderId: string) => (await fireReminder({ em: fork(), reminderId, now: new Date(), config: server.config })).outcome;
  /** What announced the reminder: its `reminder.due` webhook messages and email alerts. */
  const announced = async (reminderId: string) => ({
    messages: (await server.sql<{ n: number }>(`select count(*)::int as n from webhook_messages where event_type = 'reminder.due' and payload->'data'->>'reminderId' = $1`, [reminderId]))[0].n,
    alerts: (await server.sql<{ n: number }>(`select count(*)::int as n from notifications where kind = 'reminder_due' and reminder_id = $1`, [reminderId]))[0].n,
  });
  const stageId = async (key: string) =>
    ((await realtor.client.get('/v1/pipeline-stages')).body.items as Array<{ stageId: string; key: string }>).find((s) => s.key === key)!.stageId;

  it('is closed silently when it falls due after the lead was marked lost or moved past the first stage', async () => {
    const { leadId: lost } = await makeLead(server, { userId: realtor.userId, scoreBand: 'hot', score: 70 });
    const hot = await autoReminder('lead_hot', lost, written(70 * MINUTE_MS));
    expect((await realtor.client.patch(`/v1/leads/${lost}`, { status: 'lost' })).status).toBe(200);

    const { leadId: booked } = await makeLead(server, { userId: realtor.userId });
    const unanswered = await autoReminder('inquiry_unanswered', booked, written(25 * HOUR_MS));
    expect((await realtor.client.put(`/v1/leads/${booked}/stage`, { stageId: await stageId('appointment_set') })).status).toBe(200);

    const { leadId: won } = await makeLead(server, { userId: realtor.userId, scoreBand: 'hot', score: 70 });
    const wonHot = await autoReminder('lead_hot', won, written(70 * MINUTE_MS));
    expect((await realtor.client.put(`/v1/leads/${won}/stage`, { stageId: await stageId('closed') })).status).toBe(200);

    for (const reminderId of [hot, unanswered, wonHot]) {
      expect(await fire(reminderId)).toBe('dismissed');
      expect(await reminder(reminderId)).toMatchObject({ status: 'dismissed', fired_at: null, completed_at: expect.any(Date) });
      expect(await announced(reminderId)).toEqual({ messages: 0, alerts: 0 });
    }
  });

  it('still falls due for a lead closed before it was written: a past client who writes again, a lost lead turned hot again', async () => {
    const closed = await stageId('closed');
    const { leadId: pastClient } = await makeLead(server, { userId: realtor.userId, status: 'client' });
    await server.sql('update leads set stage_id = $1 where lead_id = $2', [closed, pastClient]);
    await makeActivity(server, { leadId: pastClient, userId: realtor.userId, type: 'stage_change', meta: { fromStageId: null, toStageId: closed, fromLabel: 'New', toLabel: 'Closed' }, occurredAt: written(30 * 24 * HOUR_MS) });
    await makeActivity(server, { leadId: pastClient, userId: realtor.userId, type: 'status_change', meta: { from: 'new', to: 'client' }, occurredAt: written(30 * 24 * HOUR_MS) });
    const unanswered = await autoReminder('inquiry_unanswered', pastClient, written(25 * HOUR_MS));

    const { leadId: lostLead } = await makeLead(server, { userId: realtor.userId, status: 'lost', scoreBand: 'hot', score: 70 });
    await makeActivity(server, { leadId: lostLead, userId: realtor.userId, type: 'status_change', meta: { from: 'new', to: 'lost' }, occurredAt: written(60 * 24 * HOUR_MS) });
    const hot = await autoReminder('lead_hot', lostLead, written(70 * MINUTE_MS));

    for (const reminderId of [unanswered, hot]) {
      expect(await fire(reminderId)).toBe('fired');
      expect(await announced(reminderId)).toEqual({ messages: 1, alerts: 1 });
    }
  });

  it('closed silently, then reopened or moved to a past time by the realtor, it falls due and is announced once', async () => {
    const silenced = async () => {
      const { leadId } = await makeLead(server, { userId: realtor.userId });
      const reminderId = await autoReminder('inquiry_unanswered', leadId, written(25 * HOUR_MS));
      expect((await realtor.client.patch(`/v1/leads/${leadId}`, { status: 'contacted' })).status).toBe(200);
      expect(await fire(reminderId)).toBe('dismissed');
      return reminderId;
    };
    const reopened = await silenced();
    const res = await realtor.client.post(`/v1/reminders/${reopened}/reopen`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', firedAt: null, completedAt: null });

    const moved = await silenced();
    const patched = await realtor.client.patch(`/v1/reminders/${moved}`, { reminderDate: written(HOUR_MS).toISOString() });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'pending', firedAt: null });

    // The realtor asked for it after the status change: the worker fires it at once, and it is announced.
    for (const reminderId of [reopened, moved]) {
      await awaitFired(reminderId);
      expect(await reminder(reminderId)).toMatchObject({ status: 'due', fired_at: expect.any(Date) });
      expect(await announced(reminderId)).toEqual({ messages: 1, alerts: 1 });
    }
  });
});
