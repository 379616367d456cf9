// Activity logging over real HTTP and Postgres: log, list in keyset pages, edit and delete one's
// own entries; the lead's contact times; the first contact completing the "call within 1 hour"
// reminder; recorded changes (status, reminders) that are not editable; bad input and another
// account's ids.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeActivity, makeInquiry, makeLead, makeReminder } from '#test/factories.ts';
import { type HttpResult, readAllPages } from '#test/http.ts';
import { type RecordingClient, useLeadsApi } from '#test/leads-api.ts';
import { HOUR_MS, MINUTE_MS } from '#core/shared/time.ts';

const api = useLeadsApi();

async function activityRows(leadId: string) {
  return api.server.sql<Record<string, any>>('select * from lead_activities where lead_id = $1 order by occurred_at, created_at', [leadId]);
}

async function contactTimes(leadId: string) {
  const [row] = await api.server.sql<{ first: string | null; last: string | null }>(
    `select to_char(first_contacted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as first,
            to_char(last_contacted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last from leads where lead_id = $1`,
    [leadId],
  );
  return row;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('activities', () => {
  let agent: RecordingClient;
  let userId: string;
  let username: string;

  beforeAll(async () => {
    ({ client: agent, userId, username } = await api.makeRealtor());
  });

  it('POST logs a call (201) by the signed-in realtor and sets the lead’s first and last contact', async () => {
    const { leadId } = await makeLead(api.server, { userId, name: 'Dana Reyes' });
    const at = ago(10 * MINUTE_MS);
    const res = await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'left_voicemail', body: '  Asked about 12 Oak St  ', occurredAt: at });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      leadId, type: 'call', outcome: 'left_voicemail', body: 'Asked about 12 Oak St', occurredAt: at, actor: { userId, username }, editable: true, meta: null,
    });
    expect(Object.keys(res.body).sort()).toEqual(['activityId', 'actor', 'body', 'createdAt', 'editable', 'leadId', 'meta', 'occurredAt', 'outcome', 'type', 'updatedAt']);
    expect(await contactTimes(leadId)).toEqual({ first: at, last: at });
    const lead = (await agent.get(`/v1/leads/${leadId}`)).body;
    expect(lead).toMatchObject({ firstContactedAt: at, lastContactedAt: at });

    // A later text moves only the last contact; a note is not a contact; occurredAt defaults to now.
    const text = await agent.post(`/v1/leads/${leadId}/activities`, { type: 'text', outcome: 'sent' });
    expect(text.status).toBe(201);
    expect(Date.now() - new Date(text.body.occurredAt).getTime()).toBeLessThan(5 * MINUTE_MS);
    expect((await agent.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: 'Prefers mornings' })).status).toBe(201);
    const times = await contactTimes(leadId);
    expect(times.first).toBe(at);
    expect(times.last).toBe(text.body.occurredAt);
    // A showing scheduled next week is logged but is not a contact yet.
    const showing = await agent.post(`/v1/leads/${leadId}/activities`, { type: 'showing', outcome: 'scheduled', occurredAt: new Date(Date.now() + 7 * 24 * HOUR_MS).toISOString() });
    expect(showing.status).toBe(201);
    expect((await contactTimes(leadId)).last).toBe(text.body.occurredAt);
  });

  it('lists a lead’s activities latest first in keyset pages that never repeat or skip, with recorded changes', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const T = '2026-03-01T12:00:00.654321Z';
    for (let i = 0; i < 9; i++) await makeActivity(api.server, { leadId, userId, type: i % 2 ? 'call' : 'note', body: `n${i}`, occurredAt: i < 4 ? T : ago(i * HOUR_MS) });
    await makeActivity(api.server, { leadId, userId, actorUserId: null, type: 'reminder_created', meta: { reminderId: crypto.randomUUID(), message: 'Call' } });
    const other = await makeLead(api.server, { userId });
    await makeActivity(api.server, { leadId: other.leadId, userId, type: 'call' });
    const expected = (await api.server.sql<{ id: string }>(
      'select activity_id::text as id from lead_activities where lead_id = $1 order by occurred_at desc, activity_id desc', [leadId],
    )).map((r) => r.id);
    expect(expected).toHaveLength(10);
    for (const limit of [1, 3, 10, 100]) {
      const seen = (await readAllPages<{ activityId: string }>(agent, `/v1/leads/${leadId}/activities`, limit)).map((i) => i.activityId);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    const items = (await agent.get(`/v1/leads/${leadId}/activities`)).body.items;
    const system = items.find((i: { type: string }) => i.type === 'reminder_created');
    expect(system).toMatchObject({ actor: null, editable: false, meta: { message: 'Call' } });
    expect((await agent.get(`/v1/leads/${leadId}/activities?cursor=bm9wZQ`)).status).toBe(400);
    expect((await agent.get(`/v1/leads/${leadId}/activities?limit=0`)).status).toBe(400);
  });

  it('logging the first contact completes the open “call within 1 hour” reminder, recorded on the timeline', async () => {
    const { leadId } = await makeLead(api.server, { userId, scoreBand: 'hot', score: 80 });
    const { reminderId } = await makeReminder(api.server, {
      leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'due', message: 'Call within 1 hour — lead turned hot', reminderDate: ago(5 * MINUTE_MS), firedAt: ago(5 * MINUTE_MS),
    });
    const { reminderId: manual } = await makeReminder(api.server, { leadId, userId, message: 'Send the brochure' });
    // A note is not a contact: the reminder stays open.
    await agent.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: 'Looked them up' });
    expect((await agent.get(`/v1/reminders?leadId=${leadId}&status=due`)).body.items.map((r: { reminderId: string }) => r.reminderId)).toEqual([reminderId]);

    const res = await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'talked' });
    expect(res.status).toBe(201);
    const [hot] = await api.server.sql<Record<string, any>>('select status, completed_at from follow_up_reminders where reminder_id = $1', [reminderId]);
    expect(hot.status).toBe('done');
    expect(hot.completed_at).not.toBeNull();
    const [kept] = await api.server.sql<Record<string, any>>('select status from follow_up_reminders where reminder_id = $1', [manual]);
    expect(kept.status).toBe('pending');
    const completed = (await activityRows(leadId)).filter((r) => r.type === 'reminder_completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ actor_user_id: userId, meta: { reminderId, rule: 'lead_hot', reason: 'contact_logged' } });
    // The lead's next follow-up is now the manual reminder.
    const lead = (await agent.get(`/v1/leads/${leadId}`)).body;
    const [manualRow] = await api.server.sql<{ d: string }>(`select to_char(reminder_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as d from follow_up_reminders where reminder_id = $1`, [manual]);
    expect(lead.nextFollowUpAt).toBe(manualRow.d);
  });

  it('a later contact completes a hot reminder created before it, but not one created after a backdated call', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    await agent.post(`/v1/leads/${leadId}/activities`, { type: 'email', outcome: 'sent', occurredAt: ago(3 * 24 * HOUR_MS) });
    const { reminderId } = await makeReminder(api.server, { leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'pending', createdAt: ago(HOUR_MS) });
    // Backdated to yesterday, before the lead turned hot: not an answer.
    await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'talked', occurredAt: ago(24 * HOUR_MS) });
    expect((await api.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status).toBe('pending');
    await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'no_answer' });
    expect((await api.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status).toBe('done');
  });

  it('a call dated seconds ahead (a fast clock) is taken as now: it is the first contact and completes the hot reminder', async () => {
    const { leadId } = await makeLead(api.server, { userId, scoreBand: 'hot', score: 80 });
    const { reminderId } = await makeReminder(api.server, { leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'pending', createdAt: ago(10 * MINUTE_MS), reminderDate: new Date(Date.now() + 50 * MINUTE_MS) });
    const ahead = new Date(Date.now() + 3000).toISOString();
    const res = await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'talked', occurredAt: ahead });
    const answeredAt = Date.now();
    expect(res.status).toBe(201);
    expect(new Date(res.body.occurredAt).getTime()).toBeLessThanOrEqual(answeredAt);
    expect(res.body.occurredAt < ahead).toBe(true);
    expect(await contactTimes(leadId)).toEqual({ first: res.body.occurredAt, last: res.body.occurredAt });
    expect((await api.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status).toBe('done');

    // The same through an edit: a note corrected into a text sent "now" by a fast clock.
    const { leadId: other } = await makeLead(api.server, { userId });
    const note = (await agent.post(`/v1/leads/${other}/activities`, { type: 'note', body: 'Texted them' })).body;
    const edited = await agent.patch(`/v1/activities/${note.activityId}`, { type: 'text', outcome: 'sent', occurredAt: new Date(Date.now() + 3000).toISOString() });
    expect(edited.status).toBe(200);
    expect(new Date(edited.body.occurredAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect(await contactTimes(other)).toEqual({ first: edited.body.occurredAt, last: edited.body.occurredAt });

    // A showing may lie ahead: it keeps its time and is not a contact yet.
    const { leadId: third } = await makeLead(api.server, { userId });
    const soon = new Date(Date.now() + 3000).toISOString();
    expect((await agent.post(`/v1/leads/${third}/activities`, { type: 'showing', outcome: 'scheduled', occurredAt: soon })).body.occurredAt).toBe(soon);
    expect(await contactTimes(third)).toEqual({ first: null, last: null });
  });

  it('an edit that makes the first contact (a showing held, a note that was a call) completes the automatic reminders', async () => {
    const autoReminder = (leadId: string, autoRule: 'lead_hot' | 'inquiry_unanswered') =>
      makeReminder(api.server, { leadId, userId, kind: 'auto', autoRule, status: 'pending', createdAt: ago(2 * HOUR_MS), reminderDate: new Date(Date.now() + HOUR_MS) });
    const statusOf = async (reminderId: string) => (await api.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status;

    const { leadId } = await makeLead(api.server, { userId, scoreBand: 'hot', score: 80 });
    const { reminderId: hot } = await autoReminder(leadId, 'lead_hot');
    const { reminderId: unanswered } = await autoReminder(leadId, 'inquiry_unanswered');
    const showing = (await agent.post(`/v1/leads/${leadId}/activities`, { type: 'showing', outcome: 'scheduled', occurredAt: new Date(Date.now() + 24 * HOUR_MS).toISOString() })).body;
    expect([await statusOf(hot), await statusOf(unanswered)]).toEqual(['pending', 'pending']);
    const held = ago(MINUTE_MS);
    expect((await agent.patch(`/v1/activities/${showing.activityId}`, { outcome: 'completed', occurredAt: held })).status).toBe(200);
    expect((await contactTimes(leadId)).first).toBe(held);
    expect([await statusOf(hot), await statusOf(unanswered)]).toEqual(['done', 'done']);
    const completed = (await activityRows(leadId)).filter((r) => r.type === 'reminder_completed');
    expect(completed.map((r) => r.meta.reminderId).sort()).toEqual([hot, unanswered].sort());
    expect(completed.every((r) => r.actor_user_id === userId && r.meta.reason === 'contact_logged')).toBe(true);

    const { leadId: noted } = await makeLead(api.server, { userId });
    const { reminderId: waiting } = await autoReminder(noted, 'inquiry_unanswered');
    const note = (await agent.post(`/v1/leads/${noted}/activities`, { type: 'note', body: 'Spoke on the phone' })).body;
    expect(await statusOf(waiting)).toBe('pending');
    expect((await agent.patch(`/v1/activities/${note.activityId}`, { type: 'call', outcome: 'talked' })).status).toBe(200);
    expect(await statusOf(waiting)).toBe('done');
    // Reopened by the realtor, it stays open through a later edit of that call.
    expect((await agent.post(`/v1/reminders/${waiting}/reopen`)).status).toBe(200);
    expect((await agent.patch(`/v1/activities/${note.activityId}`, { body: 'Spoke on the phone, call again Friday' })).status).toBe(200);
    expect(await statusOf(waiting)).toBe('pending');
  });

  it('PATCH corrects one’s own entry and DELETE removes it; the lead’s contact times follow', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const early = ago(2 * HOUR_MS);
    const late = ago(30 * MINUTE_MS);
    const first = (await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'no_answer', occurredAt: early })).body;
    const second = (await agent.post(`/v1/leads/${leadId}/activities`, { type: 'text', outcome: 'sent', occurredAt: late })).body;
    expect(await contactTimes(leadId)).toEqual({ first: early, last: late });

    const patched = await agent.patch(`/v1/activities/${second.activityId}`, { type: 'note', outcome: null, body: 'Actually just a note' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ activityId: second.activityId, type: 'note', outcome: null, body: 'Actually just a note', occurredAt: late, editable: true });
    expect(await contactTimes(leadId)).toEqual({ first: early, last: early });

    const moved = ago(HOUR_MS);
    expect((await agent.patch(`/v1/activities/${first.activityId}`, { occurredAt: moved })).body.occurredAt).toBe(moved);
    expect(await contactTimes(leadId)).toEqual({ first: moved, last: moved });

    expect((await agent.delete(`/v1/activities/${first.activityId}`)).status).toBe(204);
    expect(await contactTimes(leadId)).toEqual({ first: null, last: null });
    expect((await activityRows(leadId)).map((r) => r.activity_id)).toEqual([second.activityId]);
    expect((await agent.delete(`/v1/activities/${first.activityId}`)).status).toBe(404);
  });

  it('the lead list and detail carry last/first contact, the next follow-up and the speed to lead', async () => {
    const { leadId } = await makeLead(api.server, { userId, name: 'Speedy', score: 99 });
    const inquiryAt = new Date(Date.now() - 2 * HOUR_MS);
    await makeInquiry(api.server, { leadId, createdAt: inquiryAt });
    await makeInquiry(api.server, { leadId, createdAt: new Date(Date.now() - HOUR_MS) });
    const soon = new Date(Date.now() + HOUR_MS);
    await makeReminder(api.server, { leadId, userId, reminderDate: new Date(Date.now() + 5 * HOUR_MS) });
    await makeReminder(api.server, { leadId, userId, reminderDate: soon });
    await makeReminder(api.server, { leadId, userId, reminderDate: new Date(Date.now() - 3 * HOUR_MS), status: 'done' });
    const calledAt = new Date(inquiryAt.getTime() + 90_000).toISOString();
    await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'talked', occurredAt: calledAt });
    const expected = { firstContactedAt: calledAt, lastContactedAt: calledAt, nextFollowUpAt: soon.toISOString(), speedToLeadSeconds: 90 };
    expect((await agent.get(`/v1/leads/${leadId}`)).body).toMatchObject(expected);
    const listed = (await agent.get('/v1/leads?limit=100')).body.items.find((l: { leadId: string }) => l.leadId === leadId);
    expect(listed).toMatchObject(expected);
    // A lead never contacted: nulls.
    const { leadId: quiet } = await makeLead(api.server, { userId });
    await makeInquiry(api.server, { leadId: quiet });
    expect((await agent.get(`/v1/leads/${quiet}`)).body).toMatchObject({ firstContactedAt: null, lastContactedAt: null, nextFollowUpAt: null, speedToLeadSeconds: null });
  });

  it('status changes and reminder actions are recorded on the lead with who did them', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    expect((await agent.patch(`/v1/leads/${leadId}`, { status: 'contacted' })).status).toBe(200);
    expect((await agent.patch(`/v1/leads/${leadId}`, { name: 'Same status' })).status).toBe(200);
    const created = await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() + HOUR_MS).toISOString(), reminderMessage: 'Send comps' });
    const reminderId = created.body.reminderId;
    expect((await agent.post(`/v1/reminders/${reminderId}/snooze`, { for: '1h' })).status).toBe(200);
    expect((await agent.post(`/v1/reminders/${reminderId}/complete`)).status).toBe(200);
    const other = (await agent.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() + HOUR_MS).toISOString(), reminderMessage: 'Drop it' })).body;
    expect((await agent.post(`/v1/reminders/${other.reminderId}/dismiss`)).status).toBe(200);
    const rows = await activityRows(leadId);
    expect(rows.map((r) => [r.type, r.actor_user_id])).toEqual([
      ['status_change', userId], ['reminder_created', userId], ['reminder_snoozed', userId], ['reminder_completed', userId], ['reminder_created', userId], ['reminder_dismissed', userId],
    ]);
    expect(rows[0].meta).toEqual({ from: 'new', to: 'contacted' });
    expect(rows[1].meta).toMatchObject({ reminderId, message: 'Send comps' });
    expect(rows[2].meta).toMatchObject({ reminderId, until: expect.any(String) });
    const listed = (await agent.get(`/v1/leads/${leadId}/activities`)).body.items;
    expect(listed.every((a: { editable: boolean; actor: { username: string } }) => !a.editable && a.actor.username === username)).toBe(true);
  });

  it('recorded changes are not editable (409), another person’s entry is 403, and nothing changes', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const { activityId: system } = await makeActivity(api.server, { leadId, userId, actorUserId: null, type: 'status_change', meta: { from: 'new', to: 'contacted' } });
    const colleague = await api.makeRealtor();
    // Another agent of the same account (a brokerage, later): the row is the account's, the entry theirs.
    const { activityId: theirs } = await makeActivity(api.server, { leadId, userId, actorUserId: colleague.userId, type: 'call', outcome: 'talked' });
    const before = await activityRows(leadId);
    for (const [id, status, code] of [[system, 409, 'conflict'], [theirs, 403, 'forbidden']] as const) {
      const patch = await agent.patch(`/v1/activities/${id}`, { body: 'mine now' });
      expect(patch.status).toBe(status);
      expect(patch.body.error.code).toBe(code);
      expect((await agent.delete(`/v1/activities/${id}`)).status).toBe(status);
    }
    expect(await activityRows(leadId)).toEqual(before);
  });

  it('bad input is a 400 that writes nothing', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const future = new Date(Date.now() + 2 * HOUR_MS).toISOString();
    for (const body of [
      {}, { type: 'stage_change' }, { type: 'status_change' }, { type: 'fax' }, { type: 'note' }, { type: 'note', body: '   ' },
      { type: 'call', outcome: 'Left a Voicemail!' }, { type: 'call', outcome: 'x'.repeat(41) }, { type: 'call', body: 'x'.repeat(5001) },
      { type: 'call', body: 'nul\u0000' }, { type: 'call', body: '\ud800' }, { type: 'call', occurredAt: 'yesterday' },
      { type: 'call', occurredAt: '2026-12-01T09:00:00' }, { type: 'call', occurredAt: future }, { type: 'showing', occurredAt: '2099-01-01T00:00:00Z' },
      { type: 'call', occurredAt: '1990-01-01T00:00:00Z' }, { type: 'call', actor: userId }, { type: 'call', meta: { x: 1 } }, [],
    ]) {
      const res = await agent.post(`/v1/leads/${leadId}/activities`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await activityRows(leadId)).toHaveLength(0);
    expect(await contactTimes(leadId)).toEqual({ first: null, last: null });

    const logged = (await agent.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: 'Keep' })).body;
    for (const body of [{}, { type: 'meeting_change' }, { body: null }, { body: '' }, { occurredAt: 'soon' }, { type: 'call', occurredAt: future }, { editable: false }]) {
      const res = await agent.patch(`/v1/activities/${logged.activityId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await activityRows(leadId)).map((r) => [r.type, r.body])).toEqual([['note', 'Keep']]);
  });

  it('another account’s lead or activity is a 404 for every verb, and nothing changes', async () => {
    const other = await api.makeRealtor();
    const { leadId } = await makeLead(api.server, { userId: other.userId });
    const { activityId } = await makeActivity(api.server, { leadId, userId: other.userId, type: 'call' });
    const before = await activityRows(leadId);
    const attempts: HttpResult[] = [
      await agent.post(`/v1/leads/${leadId}/activities`, { type: 'call' }),
      await agent.get(`/v1/leads/${leadId}/activities`),
      await agent.patch(`/v1/activities/${activityId}`, { body: 'mine now' }),
      await agent.delete(`/v1/activities/${activityId}`),
      await agent.post(`/v1/leads/${crypto.randomUUID()}/activities`, { type: 'call' }),
      await agent.patch(`/v1/activities/${crypto.randomUUID()}`, { body: 'x' }),
      await agent.delete('/v1/activities/not-a-uuid'),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await activityRows(leadId)).toEqual(before);
    expect(await contactTimes(leadId)).toEqual({ first: null, last: null });
    // And the owner still sees theirs.
    expect((await other.client.get(`/v1/leads/${leadId}/activities`)).body.items).toHaveLength(1);
  });

  it('without credentials every verb is a 401 and nothing is written', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    const anonymous = api.createClient();
    expect((await anonymous.post(`/v1/leads/${leadId}/activities`, { type: 'call' })).status).toBe(401);
    expect((await anonymous.get(`/v1/leads/${leadId}/activities`)).status).toBe(401);
    expect(await activityRows(leadId)).toHaveLength(0);
  });
  it('the routes are in the OpenAPI document with their schemas', async () => {
    const doc = (await agent.get('/v1/openapi.json')).body;
    expect(doc.paths['/v1/leads/{id}/activities'].post.requestBody.content['application/json'].schema.properties.type.enum).toEqual(['call', 'text', 'email', 'note', 'meeting', 'showing']);
    expect(Object.keys(doc.paths['/v1/leads/{id}/activities'])).toEqual(['post', 'get']);
    expect(Object.keys(doc.paths['/v1/activities/{activityId}'])).toEqual(['patch', 'delete']);
    expect(doc.paths['/v1/leads/{id}'].get.responses['200'].content['application/json'].schema.properties).toHaveProperty('speedToLeadSeconds');
  });
});
