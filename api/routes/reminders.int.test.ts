// Follow-up reminders over real HTTP, Postgres and Redis: create (and its delayed job), the four
// lists in keyset pages, reschedule, snooze and its undo (with the real worker), a fired reminder
// moved to a past time (with the real worker: not fired twice), complete, dismiss, delete, the
// settings, bad input, another account's ids and a reminder added while its lead is deleted.
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toWallTime } from '#core/email/local-time.ts';
import { JOBS } from '#core/jobs/jobs.ts';
import { makeLead, makeReminder, makeWebhookEndpoint } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { HANDLERS } from '#worker/handlers/index.ts';
import { type HttpResult, readAllPages } from '#test/http.ts';
import { type RecordingClient, sendWhileLeadIsDeleted, useLeadsApi } from '#test/leads-api.ts';
import { HOUR_MS, MINUTE_MS } from '#core/shared/time.ts';

const api = useLeadsApi();

function jobIdOf(reminderId: string, reminderDate: string): string {
  return JOBS.fireReminder.jobId({ reminderId, dueAt: new Date(reminderDate).getTime() });
}

async function reminderRows(leadId: string) {
  return api.server.sql<Record<string, any>>('select * from follow_up_reminders where lead_id = $1 order by created_at', [leadId]);
}

describe('reminders', () => {
  let agent: RecordingClient;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
  });

  it('POST creates a pending reminder (201) with its job delayed until its time', async () => {
    const { leadId } = await makeLead(api.server, { userId, name: 'Dana Reyes' });
    const at = new Date(Date.now() + 2 * HOUR_MS).toISOString();
    const res = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: '  Call about 12 Oak St  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      leadId, leadName: 'Dana Reyes', reminderDate: at, reminderMessage: 'Call about 12 Oak St', kind: 'manual', autoRule: null,
      status: 'pending', overdue: false, firedAt: null, completedAt: null,
    });
    const [row] = await reminderRows(leadId);
    expect(row).toMatchObject({ reminder_id: res.body.reminderId, user_id: userId, status: 'pending', kind: 'manual' });
    const job = await api.server.queues.reminders.getJob(jobIdOf(res.body.reminderId, at));
    expect(job?.name).toBe('reminders.fire');
    expect(job?.data).toEqual({ reminderId: res.body.reminderId, dueAt: new Date(at).getTime() });
    expect(job!.opts.delay).toBeGreaterThan(2 * HOUR_MS - MINUTE_MS);
    expect(await job!.getState()).toBe('delayed');
  });

  it('bad input is a 400 and writes nothing; an unknown or foreign lead is a 404', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const soon = new Date(Date.now() + HOUR_MS).toISOString();
    for (const body of [
      {}, { reminderDate: soon }, { reminderMessage: 'Call' }, { reminderDate: 'tomorrow', reminderMessage: 'Call' },
      { reminderDate: '2026-12-01T09:00:00', reminderMessage: 'Call' }, // no zone
      { reminderDate: soon, reminderMessage: '   ' }, { reminderDate: soon, reminderMessage: 'x'.repeat(2001) },
      { reminderDate: soon, reminderMessage: 'nul\u0000' }, { reminderDate: soon, reminderMessage: 'Call', kind: 'auto' },
      { reminderDate: '2099-01-01T00:00:00Z', reminderMessage: 'Call' }, // beyond five years
      // Before 1970: year 0000 (and 0001 at +01:00) would be stored as a BC date.
      { reminderDate: '0000-06-01T00:00:00Z', reminderMessage: 'Call' }, { reminderDate: '0001-01-01T00:00:00+01:00', reminderMessage: 'Call' },
    ]) {
      const res = await agent.post(`/v1/leads/${leadId}/reminders`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await reminderRows(leadId)).toHaveLength(0);
    const other = await api.makeRealtor();
    const { leadId: foreignLead } = await makeLead(api.server, { userId: other.userId });
    expect((await agent.post(`/v1/leads/${foreignLead}/reminders`, { reminderDate: soon, reminderMessage: 'Call' })).status).toBe(404);
    expect((await agent.post(`/v1/leads/${crypto.randomUUID()}/reminders`, { reminderDate: soon, reminderMessage: 'Call' })).status).toBe(404);
    expect(await reminderRows(foreignLead)).toHaveLength(0);
    expect((await agent.get(`/v1/reminders?leadId=${foreignLead}`)).status).toBe(404);
    expect((await agent.get(`/v1/reminders?lead=${foreignLead}`)).status).toBe(404);
    expect((await agent.get('/v1/reminders?lead=nope')).body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'lead', message: 'Not a lead id' }] });
    expect((await agent.get(`/v1/reminders?lead=${leadId}&leadId=${foreignLead}`)).body.error).toMatchObject({
      code: 'validation_failed', details: [{ path: 'leadId', message: 'Give lead or its old name leadId, not two different leads' }],
    });
    expect((await agent.get('/v1/reminders?status=late')).status).toBe(400);
    expect((await agent.get('/v1/reminders?cursor=bm9wZQ')).status).toBe(400);
  });

  it('another account’s reminder is a 404 for every verb, and nothing changes', async () => {
    const other = await api.makeRealtor();
    const { leadId } = await makeLead(api.server, { userId: other.userId });
    const { reminderId } = await makeReminder(api.server, { leadId, userId: other.userId, status: 'due', firedAt: new Date() });
    const before = await reminderRows(leadId);
    const attempts: Array<Promise<HttpResult>> = [
      agent.patch(`/v1/reminders/${reminderId}`, { reminderMessage: 'mine now' }),
      agent.post(`/v1/reminders/${reminderId}/complete`, {}),
      agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '1h' }),
      agent.post(`/v1/reminders/${reminderId}/dismiss`, {}),
      agent.post(`/v1/reminders/${reminderId}/unsnooze`, { until: new Date(Date.now() + HOUR_MS).toISOString() }),
      agent.delete(`/v1/reminders/${reminderId}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await agent.get('/v1/reminders')).body.items.map((r: any) => r.reminderId)).not.toContain(reminderId);
    expect(await reminderRows(leadId)).toEqual(before);
    expect((await other.client.get('/v1/reminders?status=due')).body.items.map((r: any) => r.reminderId)).toEqual([reminderId]);
  });

  it('lists due (overdue flagged), overdue, upcoming and done, each in keyset pages', async () => {
    const realtor = await api.makeRealtor();
    const { leadId } = await makeLead(api.server, { userId: realtor.userId, name: 'Pat' });
    const now = Date.now();
    const seed = (minutesFromNow: number, status: 'pending' | 'due' | 'done' | 'dismissed', closedMinutesAgo?: number) =>
      makeReminder(api.server, {
        leadId, userId: realtor.userId, status, reminderDate: new Date(now + minutesFromNow * MINUTE_MS), message: `${status} ${minutesFromNow}`,
        firedAt: status === 'pending' ? null : new Date(now + minutesFromNow * MINUTE_MS),
        completedAt: closedMinutesAgo === undefined ? null : new Date(now - closedMinutesAgo * MINUTE_MS),
      });
    const ids = {
      dueNow: (await seed(-5, 'due')).reminderId,
      dueOverdue: (await seed(-180, 'due')).reminderId,
      dueOverdue2: (await seed(-120, 'due')).reminderId,
      soon: (await seed(30, 'pending')).reminderId,
      later: (await seed(600, 'pending')).reminderId,
      doneRecent: (await seed(-300, 'done', 1)).reminderId,
      dismissedOlder: (await seed(-400, 'dismissed', 60)).reminderId,
    };
    const all = (status: string, limit: number) => readAllPages(realtor.client, `/v1/reminders?status=${status}`, limit);
    for (const limit of [1, 2, 50]) {
      const due = await all('due', limit);
      expect(due.map((r) => r.reminderId)).toEqual([ids.dueOverdue, ids.dueOverdue2, ids.dueNow]);
      expect(due.map((r) => r.overdue)).toEqual([true, true, false]);
      expect((await all('overdue', limit)).map((r) => r.reminderId)).toEqual([ids.dueOverdue, ids.dueOverdue2]);
      expect((await all('upcoming', limit)).map((r) => r.reminderId)).toEqual([ids.soon, ids.later]);
      const done = await all('done', limit);
      expect(done.map((r) => [r.reminderId, r.status])).toEqual([[ids.doneRecent, 'done'], [ids.dismissedOlder, 'dismissed']]);
    }
    expect(await realtor.client.get('/v1/reminders/summary')).toMatchObject({ status: 200, body: { due: 3, overdue: 2 } });
    // `lead`, as DESIGN.md names it; `leadId` (the name it first shipped with) still works.
    const { leadId: otherLead } = await makeLead(api.server, { userId: realtor.userId, name: 'Sam' });
    await makeReminder(api.server, { leadId: otherLead, userId: realtor.userId, reminderDate: new Date(now + 30 * MINUTE_MS) });
    for (const query of [`lead=${leadId}`, `leadId=${leadId}`, `lead=${leadId}&leadId=${leadId.toUpperCase()}`]) {
      const byLead = await realtor.client.get(`/v1/reminders?${query}&status=upcoming`);
      expect(byLead.status, query).toBe(200);
      expect(byLead.body.items.map((r: any) => r.leadName), query).toEqual(['Pat', 'Pat']);
    }
    expect((await realtor.client.get(`/v1/reminders?lead=${leadId}`)).body.items.every((r: any) => r.leadId === leadId)).toBe(true);
  });

  it('the OpenAPI document names the filters as documented: lead for reminders, site for listings, the old names deprecated', async () => {
    const doc = (await agent.get('/v1/openapi.json')).body;
    // [on the Parameter Object, where OpenAPI 3 clients look; in its schema]
    const params = (path: string) => Object.fromEntries(doc.paths[path].get.parameters.map((p: any) => [p.name, [p.deprecated === true, p.schema.deprecated === true]]));
    expect(params('/v1/reminders')).toMatchObject({ status: [false, false], lead: [false, false], leadId: [true, true] });
    expect(params('/v1/listings')).toMatchObject({ site: [false, false], siteId: [true, true], from: [false, false] });
    // No other parameter of the document is marked.
    const marked = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, operations]) => Object.entries<any>(operations)
      .flatMap(([method, op]) => op.parameters.filter((p: any) => 'deprecated' in p).map((p: any) => `${method.toUpperCase()} ${path} ${p.name}: ${p.deprecated}`)));
    expect(marked.sort()).toEqual(['GET /v1/listings siteId: true', 'GET /v1/reminders leadId: true']);
  });

  it('PATCH with a new date reschedules: pending again with a new job, the old job left harmless', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const first = new Date(Date.now() + 3 * HOUR_MS).toISOString();
    const created = (await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: first, reminderMessage: 'Call' })).body;
    const second = new Date(Date.now() + 5 * HOUR_MS).toISOString();
    const res = await agent.patch(`/v1/reminders/${created.reminderId}`, { reminderDate: second, reminderMessage: 'Call back' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ reminderDate: second, reminderMessage: 'Call back', status: 'pending' });
    const job = await api.server.queues.reminders.getJob(jobIdOf(created.reminderId, second));
    expect(await job?.getState()).toBe('delayed');
    // The old one is still there (it will find the reminder not yet due and do nothing).
    expect(await api.server.queues.reminders.getJob(jobIdOf(created.reminderId, first))).toBeDefined();
    // Message only: no new job, same date.
    const relabel = await agent.patch(`/v1/reminders/${created.reminderId}`, { reminderMessage: 'Text instead' });
    expect(relabel.body).toMatchObject({ reminderDate: second, reminderMessage: 'Text instead', status: 'pending' });
    expect((await agent.patch(`/v1/reminders/${created.reminderId}`, {})).status).toBe(400);
    // A done reminder given a new date is reopened.
    await agent.post(`/v1/reminders/${created.reminderId}/complete`, {});
    const again = await agent.patch(`/v1/reminders/${created.reminderId}`, { reminderDate: first });
    expect(again.body).toMatchObject({ status: 'pending', completedAt: null, firedAt: null, reminderDate: first });
  });

  it('a new date is on the lead’s timeline (also a snooze given back), with the message it then has; a relabel or the same date is not', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const firedAt = new Date(Date.now() - 20 * MINUTE_MS);
    const { reminderId } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt, reminderDate: firedAt, message: 'Call about the appraisal' });
    // A snooze, then a PATCH back to the date it had (an API client's way; the admin's Undo is …/unsnooze).
    await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '1h' });
    expect((await agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: firedAt.toISOString() })).body).toMatchObject({ status: 'pending', reminderDate: firedAt.toISOString() });
    const later = new Date(Date.now() + 2 * HOUR_MS).toISOString();
    await agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: later, reminderMessage: 'Text about the appraisal' });
    await agent.patch(`/v1/reminders/${reminderId}`, { reminderMessage: 'Text Jordan about the appraisal' });
    await agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: later });

    const items = (await agent.get(`/v1/leads/${leadId}/timeline?limit=50`)).body.items as Array<Record<string, any>>;
    const rows = items.filter((i) => i.kind === 'activity').reverse().map((i) => [i.activityType, i.meta.message, i.meta.reminderDate ?? null]);
    expect(rows).toEqual([
      ['reminder_snoozed', 'Call about the appraisal', null],
      ['reminder_rescheduled', 'Call about the appraisal', firedAt.toISOString()],
      ['reminder_rescheduled', 'Text about the appraisal', later],
    ]);
    expect(items.find((i) => i.activityType === 'reminder_rescheduled')).toMatchObject({ actor: { userId }, editable: false, meta: { reminderId } });
  });

  it('reopening a closed automatic reminder whose rule has written a new open one is a 409 that changes nothing', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    // The lead turned hot (R1), was dismissed, turned hot again (R2, open).
    const { reminderId: closed } = await makeReminder(api.server, { leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'dismissed', completedAt: new Date() });
    const { reminderId: open } = await makeReminder(api.server, { leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'pending' });
    const before = await reminderRows(leadId);
    const res = await agent.patch(`/v1/reminders/${closed}`, { reminderDate: new Date(Date.now() + HOUR_MS).toISOString() });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already has an open automatic reminder/) });
    expect(await reminderRows(leadId)).toEqual(before);
    // Its message can still change, and the open one can be rescheduled.
    expect((await agent.patch(`/v1/reminders/${closed}`, { reminderMessage: 'Old hot lead' })).status).toBe(200);
    expect((await agent.patch(`/v1/reminders/${open}`, { reminderDate: new Date(Date.now() + 2 * HOUR_MS).toISOString() })).status).toBe(200);
  });

  it('snooze: 15 minutes, an hour, tomorrow 9:00 in the realtor’s zone, or until a time; never a closed one', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const { reminderId } = await makeReminder(api.server, { leadId, userId, status: 'due', reminderDate: new Date(Date.now() - MINUTE_MS), firedAt: new Date() });
    const near = (iso: string, expected: number) => expect(Math.abs(new Date(iso).getTime() - expected)).toBeLessThan(5_000);

    const fifteen = await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '15m' });
    expect(fifteen.body).toMatchObject({ status: 'pending', firedAt: null });
    near(fifteen.body.reminderDate, Date.now() + 15 * MINUTE_MS);
    expect(await (await api.server.queues.reminders.getJob(jobIdOf(reminderId, fifteen.body.reminderDate)))?.getState()).toBe('delayed');
    near((await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '1h' })).body.reminderDate, Date.now() + HOUR_MS);

    // The realtor lives in Tokyo (their notification preferences): 9:00 tomorrow there.
    await agent.get('/v1/reminders'); // (any request; the preferences row is created on first use)
    await api.server.sql(
      `insert into notification_preferences (user_id, unsubscribe_token, time_zone) values ($1, $2, 'Asia/Tokyo')
       on conflict (user_id) do update set time_zone = 'Asia/Tokyo'`,
      [userId, crypto.randomUUID().replaceAll('-', '')],
    );
    const before = new Date();
    const tomorrow = await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: 'tomorrow' });
    const wall = toWallTime(new Date(tomorrow.body.reminderDate), 'Asia/Tokyo');
    const today = toWallTime(before, 'Asia/Tokyo');
    expect([wall.hour, wall.minute]).toEqual([9, 0]);
    expect(Date.UTC(wall.year, wall.month - 1, wall.day) - Date.UTC(today.year, today.month - 1, today.day)).toBe(24 * HOUR_MS);

    const until = new Date(Date.now() + 3 * 24 * HOUR_MS).toISOString();
    expect((await agent.post(`/v1/reminders/${reminderId}/snooze`, { until })).body.reminderDate).toBe(until);
    // Each refusal names the key and what it takes (a union of two shapes answered a bare "Invalid input" at path "").
    const refusals: Array<[object, string, RegExp]> = [
      [{}, '', /^Give either for \(15m, 1h, tomorrow\) or until/], [{ for: '2h' }, 'for', /^Use one of 15m, 1h, tomorrow$/],
      [{ until: new Date(Date.now() - MINUTE_MS).toISOString() }, 'until', /^Choose a time in the future$/], [{ for: '1h', until }, '', /not both$/],
      [{ until: 'soon' }, 'until', /^Use an ISO 8601 date and time/], [{ for: '1h', later: true }, '', /^Unrecognized key/],
    ];
    for (const [body, path, message] of refusals) {
      const res = await agent.post(`/v1/reminders/${reminderId}/snooze`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details, JSON.stringify(body)).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    expect((await reminderRows(leadId))[0].reminder_date.toISOString()).toBe(until);

    await agent.post(`/v1/reminders/${reminderId}/dismiss`, {});
    const closed = await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '15m' });
    expect(closed.status).toBe(409);
    expect((await reminderRows(leadId))[0].status).toBe('dismissed');
  });

  it('a snooze preset never brings a reminder forward: one due later than the preset keeps its time', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const ahead = new Date(Date.now() + 5 * 24 * HOUR_MS);
    const { reminderId } = await makeReminder(api.server, { leadId, userId, status: 'pending', reminderDate: ahead });
    for (const preset of ['15m', '1h', 'tomorrow']) {
      const res = await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: preset });
      expect(res.body, preset).toMatchObject({ status: 'pending', reminderDate: ahead.toISOString() });
    }
    expect((await reminderRows(leadId))[0].reminder_date.toISOString()).toBe(ahead.toISOString());
    // Nothing changed, so nothing is on the lead's timeline.
    expect((await agent.get(`/v1/leads/${leadId}/timeline?limit=50`)).body.items.filter((i: { activityType?: string }) => i.activityType === 'reminder_snoozed')).toEqual([]);
    // Due in 10 minutes: an hour from now is later, so it moves there.
    const soon = await makeReminder(api.server, { leadId, userId, status: 'pending', reminderDate: new Date(Date.now() + 10 * MINUTE_MS) });
    const hour = await agent.post(`/v1/reminders/${soon.reminderId}/snooze`, { for: '1h' });
    expect(Math.abs(new Date(hour.body.reminderDate).getTime() - (Date.now() + HOUR_MS))).toBeLessThan(5_000);
  });

  it('complete and dismiss close an open reminder; repeating is harmless, the other close a 409; DELETE removes it', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const { reminderId } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt: new Date() });
    const done = await agent.post(`/v1/reminders/${reminderId}/complete`, {});
    expect(done.body).toMatchObject({ status: 'done' });
    expect(done.body.completedAt).not.toBeNull();
    expect((await agent.post(`/v1/reminders/${reminderId}/complete`, {})).body).toEqual(done.body);
    expect((await agent.post(`/v1/reminders/${reminderId}/dismiss`, {})).status).toBe(409);
    const { reminderId: other } = await makeReminder(api.server, { leadId, userId });
    expect((await agent.post(`/v1/reminders/${other}/dismiss`, {})).body).toMatchObject({ status: 'dismissed' });
    expect((await agent.delete(`/v1/reminders/${reminderId}`)).status).toBe(204);
    expect((await agent.delete(`/v1/reminders/${reminderId}`)).status).toBe(404);
    expect((await reminderRows(leadId)).map((r) => r.reminder_id)).toEqual([other]);
  });

  it('reopen undoes a dismissal: due again when it had fired (no new job), pending with its job when its time is ahead; a foreign one a 404', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const firedAt = new Date(Date.now() - HOUR_MS);
    const { reminderId: fired } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt, reminderDate: firedAt });
    expect((await agent.post(`/v1/reminders/${fired}/dismiss`, {})).body).toMatchObject({ status: 'dismissed' });
    const reopened = await agent.post(`/v1/reminders/${fired}/reopen`, {});
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ reminderId: fired, status: 'due', completedAt: null, firedAt: firedAt.toISOString() });
    expect((await reminderRows(leadId))[0]).toMatchObject({ status: 'due', completed_at: null });
    expect(await api.server.queues.reminders.getJob(jobIdOf(fired, firedAt.toISOString()))).toBeUndefined(); // not fired twice
    expect((await agent.post(`/v1/reminders/${fired}/reopen`, {})).body).toEqual(reopened.body); // open: unchanged

    const ahead = new Date(Date.now() + 2 * HOUR_MS).toISOString();
    const { body: upcoming } = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: ahead, reminderMessage: 'Call back' });
    await agent.post(`/v1/reminders/${upcoming.reminderId}/dismiss`, {});
    await api.server.queues.reminders.remove(jobIdOf(upcoming.reminderId, ahead)); // as if its job had run and found it closed
    expect((await agent.post(`/v1/reminders/${upcoming.reminderId}/reopen`, {})).body).toMatchObject({ status: 'pending', reminderDate: ahead, completedAt: null });
    expect(await (await api.server.queues.reminders.getJob(jobIdOf(upcoming.reminderId, ahead)))?.getState()).toBe('delayed');

    const { client: other } = await api.makeRealtor();
    await agent.post(`/v1/reminders/${fired}/dismiss`, {});
    const activitiesBefore = await api.server.sql('select activity_id from lead_activities where lead_id = $1', [leadId]);
    expect((await other.post(`/v1/reminders/${fired}/reopen`, {})).status).toBe(404);
    expect((await reminderRows(leadId)).find((r) => r.reminder_id === fired)?.status).toBe('dismissed');
    expect(await api.server.sql('select activity_id from lead_activities where lead_id = $1', [leadId])).toHaveLength(activitiesBefore.length);
  });

  it('reopen undoes a completion (the admin’s Undo after Done): back to due with its time, or pending with its job', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const firedAt = new Date(Date.now() - 30 * MINUTE_MS);
    const { reminderId: fired } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt, reminderDate: firedAt });
    expect((await agent.post(`/v1/reminders/${fired}/complete`, {})).body).toMatchObject({ status: 'done' });
    const reopened = await agent.post(`/v1/reminders/${fired}/reopen`, {});
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'due', reminderDate: firedAt.toISOString(), firedAt: firedAt.toISOString(), completedAt: null });
    expect(await api.server.queues.reminders.getJob(jobIdOf(fired, firedAt.toISOString()))).toBeUndefined(); // not fired twice

    const ahead = new Date(Date.now() + 3 * HOUR_MS).toISOString();
    const { body: upcoming } = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: ahead, reminderMessage: 'Send the disclosures' });
    await agent.post(`/v1/reminders/${upcoming.reminderId}/complete`, {});
    await api.server.queues.reminders.remove(jobIdOf(upcoming.reminderId, ahead));
    expect((await agent.post(`/v1/reminders/${upcoming.reminderId}/reopen`, {})).body).toMatchObject({ status: 'pending', reminderDate: ahead, completedAt: null });
    expect(await (await api.server.queues.reminders.getJob(jobIdOf(upcoming.reminderId, ahead)))?.getState()).toBe('delayed');
    expect((await reminderRows(leadId)).map((r) => [r.status, r.completed_at])).toEqual([['due', null], ['pending', null]]);
  });

  it('a reopened reminder is on the lead’s timeline after its close, by whoever reopened it; an open one records nothing', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const username = (await agent.get('/v1/auth/me')).body.user.username;
    const at = new Date(Date.now() - 10 * MINUTE_MS);
    const { reminderId: a } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt: at, reminderDate: at, message: 'Call Jordan about the offer' });
    const { reminderId: b } = await makeReminder(api.server, { leadId, userId, status: 'due', firedAt: at, reminderDate: at, message: 'Send the comparables' });
    await agent.post(`/v1/reminders/${a}/dismiss`, {});
    await agent.post(`/v1/reminders/${a}/reopen`, {});
    await agent.post(`/v1/reminders/${b}/complete`, {});
    await agent.post(`/v1/reminders/${b}/reopen`, {});
    await agent.post(`/v1/reminders/${b}/reopen`, {}); // open already: nothing to record

    const items = (await agent.get(`/v1/leads/${leadId}/timeline?limit=50`)).body.items as Array<Record<string, any>>;
    const rows = items.filter((i) => i.kind === 'activity').reverse().map((i) => [i.activityType, i.meta.reminderId, i.meta.message, i.meta.from ?? null]);
    expect(rows).toEqual([
      ['reminder_dismissed', a, 'Call Jordan about the offer', null],
      ['reminder_reopened', a, 'Call Jordan about the offer', 'dismissed'],
      ['reminder_completed', b, 'Send the comparables', null],
      ['reminder_reopened', b, 'Send the comparables', 'done'],
    ]);
    expect(items.find((i) => i.activityType === 'reminder_reopened')).toMatchObject({ actor: { userId, username }, editable: false });
  });

  it('settings: defaults until saved, replaced by PUT, bad values a 400 that saves nothing', async () => {
    const realtor = await api.makeRealtor();
    const defaults = { hotLeadEnabled: true, hotLeadDelayMinutes: 60, inquiryUnansweredEnabled: true, inquiryUnansweredHours: 24 };
    expect((await realtor.client.get('/v1/reminder-settings')).body).toEqual(defaults);
    const mine = { hotLeadEnabled: true, hotLeadDelayMinutes: 15, inquiryUnansweredEnabled: false, inquiryUnansweredHours: 48 };
    expect((await realtor.client.put('/v1/reminder-settings', mine)).body).toEqual(mine);
    for (const body of [{}, { ...mine, hotLeadDelayMinutes: 0 }, { ...mine, hotLeadDelayMinutes: 1.5 }, { ...mine, inquiryUnansweredHours: 1000 }, { ...mine, extra: 1 }]) {
      expect((await realtor.client.put('/v1/reminder-settings', body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await realtor.client.get('/v1/reminder-settings')).body).toEqual(mine);
    expect((await agent.get('/v1/reminder-settings')).body).toEqual(defaults);
  });
});

/**
 * A worker that runs `reminders.fire` for the describe block that calls it, and a realtor whose CRM
 * endpoint makes every `reminder.due` a delivery row; with what the tests observe through them.
 */
function useFiringWorker(name: string) {
  let worker: TestWorker;
  const ctx = {
    agent: undefined as unknown as RecordingClient,
    userId: '',
    /** Every finished `reminders.fire` job: its id, reminder and outcome. */
    fires: [] as Array<{ jobId: string; reminderId: string; outcome: string }>,
  };
  beforeAll(async () => {
    worker = await startTestWorker(api.server, { name, handlers: { fireReminder: HANDLERS.fireReminder } });
    for (const w of worker.runtime.workers) {
      w.on('completed', (job: Job, result: any) => {
        if (job.name === 'reminders.fire') ctx.fires.push({ jobId: job.id!, reminderId: job.data.reminderId, outcome: result?.outcome });
      });
    }
    ({ client: ctx.agent, userId: ctx.userId } = await api.makeRealtor());
    // The realtor's CRM: every reminder.due is a delivery row for it.
    await makeWebhookEndpoint(api.server, { userId: ctx.userId, url: 'http://127.0.0.1:9/crm-hook' });
  });
  afterAll(async () => {
    await worker?.close();
  });
  return {
    ctx,
    row: async (reminderId: string) =>
      (await api.server.sql<Record<string, any>>('select status, reminder_date, fired_at, completed_at from follow_up_reminders where reminder_id = $1', [reminderId]))[0],
    dueDeliveries: async (reminderId: string) =>
      (await api.server.sql<{ n: number }>(
        `select count(*)::int as n from webhook_messages m join webhook_deliveries d on d.message_id = m.message_id
         where m.event_type = 'reminder.due' and m.payload::text like '%' || $1 || '%'`,
        [reminderId],
      ))[0].n,
    timeline: async (leadId: string) =>
      ((await ctx.agent.get(`/v1/leads/${leadId}/timeline?limit=50`)).body.items as Array<Record<string, any>>)
        .filter((i) => i.kind === 'activity').reverse().map((i) => [i.activityType, i.meta.reminderDate ?? i.meta.until ?? null, i.meta.undid ?? null]),
    awaitJob: (jobId: string) =>
      vi.waitFor(() => {
        const done = ctx.fires.find((f) => f.jobId === jobId);
        expect(done, `job ${jobId} finished`).toBeDefined();
        return done!;
      }, WAIT),
  };
}

describe('undoing a snooze (POST /v1/reminders/:id/unsnooze), with the real worker firing reminders', () => {
  const { ctx, row, dueDeliveries, timeline, awaitJob } = useFiringWorker('unsnooze-worker');
  const { fires } = ctx;
  let agent: RecordingClient;
  let userId: string;
  beforeAll(() => {
    ({ agent, userId } = ctx);
  });

  it('a due reminder (fired, its reminder.due delivered) snoozed then unsnoozed is due again with the same fired_at and time, and never fires again', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const at = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000).toISOString();
    const { body: created } = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: 'Call about the appraisal' });
    expect((await awaitJob(jobIdOf(created.reminderId, at))).outcome).toBe('fired');
    const fired = await row(created.reminderId);
    expect(fired).toMatchObject({ status: 'due', reminder_date: new Date(at), completed_at: null });
    expect(fired.fired_at).toBeInstanceOf(Date);
    expect(await dueDeliveries(created.reminderId)).toBe(1);

    const snoozed = await agent.post(`/v1/reminders/${created.reminderId}/snooze`, { for: '1h' });
    expect(snoozed.body).toMatchObject({ status: 'pending', firedAt: null });
    const undone = await agent.post(`/v1/reminders/${created.reminderId}/unsnooze`, { until: snoozed.body.reminderDate });
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    expect(undone.body).toMatchObject({ status: 'due', reminderDate: at, firedAt: fired.fired_at.toISOString(), completedAt: null });
    expect(await row(created.reminderId)).toEqual(fired);
    // No job for its old time (what a PATCH back to it would send, firing it again at once)…
    expect(await api.server.queues.reminders.getJob(jobIdOf(created.reminderId, at))).toBeUndefined();
    // …and the snooze's job, run now, finds it due already and does nothing.
    const snoozeJob = await api.server.queues.reminders.getJob(jobIdOf(created.reminderId, snoozed.body.reminderDate));
    await snoozeJob!.promote();
    expect((await awaitJob(snoozeJob!.id!)).outcome).toBe('skipped');
    expect(fires.filter((f) => f.reminderId === created.reminderId).map((f) => f.outcome)).toEqual(['fired', 'skipped']);
    expect(await row(created.reminderId)).toEqual(fired);
    expect(await dueDeliveries(created.reminderId)).toBe(1);

    expect(await timeline(leadId)).toEqual([
      ['reminder_created', at, null], ['reminder_snoozed', snoozed.body.reminderDate, null], ['reminder_rescheduled', at, 'snooze'],
    ]);
    // Undone once: again is a 409 that changes nothing.
    const again = await agent.post(`/v1/reminders/${created.reminderId}/unsnooze`, { until: snoozed.body.reminderDate });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', message: 'This snooze is undone already' });
    expect(await row(created.reminderId)).toEqual(fired);
    expect(await timeline(leadId)).toHaveLength(3);
  });

  it('a pending reminder snoozed then unsnoozed is pending at its old time, with its job', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const at = new Date(Date.now() + 3 * HOUR_MS).toISOString();
    const { body: created } = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: 'Send the disclosures' });
    const snoozed = await agent.post(`/v1/reminders/${created.reminderId}/snooze`, { for: 'tomorrow' });
    // As if its job had run at its time and found it snoozed: the undo must send a new one.
    await api.server.queues.reminders.remove(jobIdOf(created.reminderId, at));
    const undone = await agent.post(`/v1/reminders/${created.reminderId}/unsnooze`, { until: snoozed.body.reminderDate });
    expect(undone.body).toMatchObject({ status: 'pending', reminderDate: at, firedAt: null, completedAt: null });
    expect(await row(created.reminderId)).toEqual({ status: 'pending', reminder_date: new Date(at), fired_at: null, completed_at: null });
    expect(await (await api.server.queues.reminders.getJob(jobIdOf(created.reminderId, at)))?.getState()).toBe('delayed');
    expect(await timeline(leadId)).toEqual([
      ['reminder_created', at, null], ['reminder_snoozed', snoozed.body.reminderDate, null], ['reminder_rescheduled', at, 'snooze'],
    ]);
  });

  it('only undoes a snooze nothing has changed since: completed, moved or snoozed again is a 409 that changes nothing; bad input a 400; a foreign one a 404', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const firedAt = new Date(Date.now() - 20 * MINUTE_MS);
    const make = async (message: string) => (await makeReminder(api.server, { leadId, userId, status: 'due', firedAt, reminderDate: firedAt, message })).reminderId;
    const snooze = async (id: string, body: object = { for: '1h' }) => (await agent.post(`/v1/reminders/${id}/snooze`, body)).body.reminderDate as string;
    const refused = async (id: string, until: string, message: RegExp, client = agent) => {
      const before = [await row(id), await api.server.sql('select activity_id from lead_activities where lead_id = $1 order by activity_id', [leadId])];
      const res = await client.post(`/v1/reminders/${id}/unsnooze`, { until });
      expect([before, await row(id), await api.server.sql('select activity_id from lead_activities where lead_id = $1 order by activity_id', [leadId])].slice(1)).toEqual(before);
      return { status: res.status, message: res.body.error?.message, matches: message.test(res.body.error?.message ?? '') };
    };

    const completed = await make('Completed since');
    const completedUntil = await snooze(completed);
    await agent.post(`/v1/reminders/${completed}/complete`, {});
    expect(await refused(completed, completedUntil, /^This reminder is done since it was snoozed/)).toMatchObject({ status: 409, matches: true });
    // Reopened since (pending at the snoozed time again): still a change since the snooze.
    await agent.post(`/v1/reminders/${completed}/reopen`, {});
    expect((await row(completed)).status).toBe('pending');
    expect(await refused(completed, completedUntil, /has changed since it was snoozed/)).toMatchObject({ status: 409, matches: true });

    const moved = await make('Moved since');
    const movedUntil = await snooze(moved);
    await agent.patch(`/v1/reminders/${moved}`, { reminderDate: new Date(Date.now() + 5 * HOUR_MS).toISOString() });
    expect(await refused(moved, movedUntil, /has changed since it was snoozed/)).toMatchObject({ status: 409, matches: true });

    const twice = await make('Snoozed twice');
    const first = await snooze(twice);
    const second = await snooze(twice, { until: new Date(Date.now() + 2 * HOUR_MS).toISOString() });
    expect(await refused(twice, first, /snoozed again since/)).toMatchObject({ status: 409, matches: true });
    // The latest snooze is undone back to what it found: the first snooze's time.
    expect((await agent.post(`/v1/reminders/${twice}/unsnooze`, { until: second })).body).toMatchObject({ status: 'pending', reminderDate: first, firedAt: null });

    const never = await make('Never snoozed');
    expect(await refused(never, new Date(Date.now() + HOUR_MS).toISOString(), /has changed since it was snoozed/)).toMatchObject({ status: 409, matches: true });

    const mine = await make('Mine');
    const until = await snooze(mine);
    for (const body of [{}, { until: 'soon' }, { until, extra: 1 }]) {
      const res = await agent.post(`/v1/reminders/${mine}/unsnooze`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const other = await api.makeRealtor();
    expect(await refused(mine, until, /^Reminder/, other.client)).toMatchObject({ status: 404 });
    expect((await agent.post(`/v1/reminders/${crypto.randomUUID()}/unsnooze`, { until })).status).toBe(404);
    expect((await agent.post(`/v1/reminders/${mine}/unsnooze`, { until })).body).toMatchObject({ status: 'due', reminderDate: firedAt.toISOString(), firedAt: firedAt.toISOString() });
  });
});

describe('moving a reminder (PATCH /v1/reminders/:id), with the real worker firing reminders', () => {
  const { ctx, row, dueDeliveries, timeline, awaitJob } = useFiringWorker('patch-worker');
  const dueAlerts = async (reminderId: string) =>
    (await api.server.sql<{ n: number }>(`select count(*)::int as n from notifications where kind = 'reminder_due' and reminder_id = $1`, [reminderId]))[0].n;
  /** The `reminders.fire` jobs that finished for a reminder, as [job id, outcome]. */
  const firesOf = (reminderId: string) => ctx.fires.filter((f) => f.reminderId === reminderId).map((f) => [f.jobId, f.outcome]);
  /** A reminder made through the API a second ahead, fired by its job: due, its reminder.due and alert recorded once. */
  const makeFired = async (leadId: string, message: string) => {
    const at = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000).toISOString();
    const { body } = await ctx.agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: at, reminderMessage: message });
    expect((await awaitJob(jobIdOf(body.reminderId, at))).outcome).toBe('fired');
    expect([await dueDeliveries(body.reminderId), await dueAlerts(body.reminderId)]).toEqual([1, 1]);
    return { reminderId: body.reminderId as string, at, fired: await row(body.reminderId) };
  };

  it('a due reminder moved to another past time stays due with its fired_at and announces nothing again; moved ahead, it fires again then', async () => {
    const { leadId } = await makeLead(api.server, { userId: ctx.userId });
    const { reminderId, at, fired } = await makeFired(leadId, 'Call about the appraisal');
    // The call was due half an hour earlier than the realtor first wrote.
    const earlier = new Date(new Date(at).getTime() - 30 * MINUTE_MS).toISOString();
    const moved = await ctx.agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: earlier });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ status: 'due', reminderDate: earlier, firedAt: fired.fired_at.toISOString(), completedAt: null });
    expect(await row(reminderId)).toEqual({ ...fired, reminder_date: new Date(earlier) });
    expect(await api.server.queues.reminders.getJob(jobIdOf(reminderId, earlier))).toBeUndefined();
    expect((await ctx.agent.get('/v1/reminders?status=due')).body.items.map((r: any) => r.reminderId)).toContain(reminderId);

    // Moved ahead, it is armed again: pending with a job, and at that time it fires (and announces) again.
    const ahead = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000).toISOString();
    expect((await ctx.agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: ahead })).body).toMatchObject({ status: 'pending', reminderDate: ahead, firedAt: null });
    expect((await awaitJob(jobIdOf(reminderId, ahead))).outcome).toBe('fired');
    // One reminder.due (webhook delivery and email alert) per time it fell due: none for the move to the past.
    expect(firesOf(reminderId)).toEqual([[jobIdOf(reminderId, at), 'fired'], [jobIdOf(reminderId, ahead), 'fired']]);
    expect([await dueDeliveries(reminderId), await dueAlerts(reminderId)]).toEqual([2, 2]);
    expect((await row(reminderId)).status).toBe('due');
    expect(await timeline(leadId)).toEqual([['reminder_created', at, null], ['reminder_rescheduled', earlier, null], ['reminder_rescheduled', ahead, null]]);
  });

  it('a closed reminder moved to a past time is open again: due without a second reminder.due if it had fired, fired at once if it never had; a pending one fires at once', async () => {
    const { leadId } = await makeLead(api.server, { userId: ctx.userId });
    const [done, dismissed] = await Promise.all([makeFired(leadId, 'Send the comparables'), makeFired(leadId, 'Call Jordan back')]);
    await ctx.agent.post(`/v1/reminders/${done.reminderId}/complete`, {});
    await ctx.agent.post(`/v1/reminders/${dismissed.reminderId}/dismiss`, {});
    const past = new Date(Date.now() - 10 * MINUTE_MS).toISOString();
    for (const { reminderId, fired } of [done, dismissed]) {
      const res = await ctx.agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: past });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ status: 'due', reminderDate: past, firedAt: fired.fired_at.toISOString(), completedAt: null });
      expect(await api.server.queues.reminders.getJob(jobIdOf(reminderId, past))).toBeUndefined();
    }

    // Never fired: dismissed before its time, and one still pending. Each falls due at once, announced once.
    const ahead = new Date(Date.now() + 3 * HOUR_MS).toISOString();
    const closedEarly = (await ctx.agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: ahead, reminderMessage: 'Book the inspection' })).body.reminderId as string;
    await ctx.agent.post(`/v1/reminders/${closedEarly}/dismiss`, {});
    const pending = (await ctx.agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: ahead, reminderMessage: 'Ask about financing' })).body.reminderId as string;
    for (const reminderId of [closedEarly, pending]) {
      expect((await ctx.agent.patch(`/v1/reminders/${reminderId}`, { reminderDate: past })).body).toMatchObject({ reminderDate: past, firedAt: null, completedAt: null });
    }
    for (const reminderId of [closedEarly, pending]) {
      expect((await awaitJob(jobIdOf(reminderId, past))).outcome).toBe('fired');
      expect([await dueDeliveries(reminderId), await dueAlerts(reminderId)]).toEqual([1, 1]);
      expect((await row(reminderId)).status).toBe('due');
    }

    // The two that had fired were never fired again: one job each, the one at their first time.
    for (const { reminderId, at, fired } of [done, dismissed]) {
      expect(firesOf(reminderId)).toEqual([[jobIdOf(reminderId, at), 'fired']]);
      expect([await dueDeliveries(reminderId), await dueAlerts(reminderId)]).toEqual([1, 1]);
      expect(await row(reminderId)).toEqual({ ...fired, reminder_date: new Date(past) });
    }
    const rescheduled = (await timeline(leadId)).filter(([type]) => type === 'reminder_rescheduled');
    expect(rescheduled).toEqual(Array(4).fill(['reminder_rescheduled', past, null]));
  });
});

describe('a reminder added while its lead is deleted', () => {
  it('is a 404 that writes nothing, never a 500', async () => {
    const at = new Date(Date.now() + HOUR_MS).toISOString();
    const { leadId, deleted, added } = await sendWhileLeadIsDeleted(api, (client, id) => client.post(`/v1/leads/${id}/reminders`, { reminderDate: at, reminderMessage: 'Call back' }));
    expect(deleted.status).toBe(204);
    expect(added.status, JSON.stringify(added.body)).toBe(404);
    expect(added.body.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/Lead/) });
    expect(await reminderRows(leadId)).toEqual([]);
    expect(await api.server.sql('select 1 from lead_activities where lead_id = $1', [leadId])).toEqual([]);
  });
});
