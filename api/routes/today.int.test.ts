// GET /v1/today over real HTTP and Postgres: its four sections (due reminders, leads not yet
// contacted, leads that turned hot since the last visit, today's showings) read in the realtor's
// time zone, what a "visit" is, another realtor seeing none of it; and GET /v1/lead-counts.
import { beforeAll, describe, expect, it } from 'vitest';
import { fromWallTime, toWallTime } from '#core/email/local-time.ts';
import { HOUR_MS, MINUTE_MS } from '#core/shared/time.ts';
import { createBearerClient, makeActivity, makeApiKey, makeLead, makeReminder, makeWebhookMessage } from '#test/factories.ts';
import { type RecordingClient, useLeadsApi } from '#test/leads-api.ts';

// UTC+14: its calendar day differs from UTC's for ten hours of every day, so a day read in UTC shows.
const TIME_ZONE = 'Pacific/Kiritimati';
const api = useLeadsApi();

/** The realtor's current calendar day in TIME_ZONE as [start, end). */
function localDay(now = new Date()): { start: Date; end: Date; date: string } {
  const w = toWallTime(now, TIME_ZONE);
  return {
    start: fromWallTime({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }, TIME_ZONE),
    end: fromWallTime({ year: w.year, month: w.month, day: w.day + 1, hour: 0, minute: 0 }, TIME_ZONE),
    date: `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`,
  };
}

const ids = (items: Array<{ leadId?: string; reminderId?: string; activityId?: string }>) => items.map((i) => i.reminderId ?? i.activityId ?? i.leadId);

describe('GET /v1/today', () => {
  let agent: RecordingClient;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    expect((await agent.patch('/v1/notification-preferences', { timeZone: TIME_ZONE })).status).toBe(200);
  });

  it('lists the four sections, each read in the realtor’s time zone', async () => {
    const now = Date.now();
    const day = localDay(new Date(now));
    // Not yet contacted: two leads waiting 3 h and 1 h; one already contacted.
    const { leadId: oldest } = await makeLead(api.server, { userId, name: 'Waiting Longest', phone: '+14155550134', createdAt: new Date(now - 3 * HOUR_MS) });
    const { leadId: newer } = await makeLead(api.server, { userId, name: 'Waiting Less', createdAt: new Date(now - HOUR_MS) });
    const { leadId: contacted } = await makeLead(api.server, { userId, name: 'Already Called', createdAt: new Date(now - 5 * HOUR_MS) });
    await api.server.sql('update leads set first_contacted_at = now(), last_contacted_at = now() where lead_id = $1', [contacted]);

    // Reminders: fired and overdue, pending but past its time, the last second of today — in; tomorrow, done — out.
    const { reminderId: fired } = await makeReminder(api.server, { userId, leadId: oldest, reminderDate: new Date(now - 2 * HOUR_MS), status: 'due', firedAt: new Date(now - 2 * HOUR_MS), message: 'Call back' });
    const { reminderId: pendingPast } = await makeReminder(api.server, { userId, leadId: newer, reminderDate: new Date(now - 5 * MINUTE_MS), status: 'pending' });
    const { reminderId: lastSecond } = await makeReminder(api.server, { userId, leadId: newer, reminderDate: new Date(day.end.getTime() - 1000), status: 'pending' });
    await makeReminder(api.server, { userId, leadId: newer, reminderDate: day.end, status: 'pending', message: 'Tomorrow' });
    await makeReminder(api.server, { userId, leadId: newer, reminderDate: new Date(now - HOUR_MS), status: 'done', completedAt: new Date(now) });

    // Turned hot: still hot (in), cooled down since (out), crossed two days ago (out).
    const { leadId: hot } = await makeLead(api.server, { userId, name: 'Hot Now', scoreBand: 'hot', score: 72 });
    await makeWebhookMessage(api.server, { userId, leadId: hot, eventType: 'lead.hot', payload: { leadId: hot } });
    const { leadId: cooled } = await makeLead(api.server, { userId, name: 'Cooled', scoreBand: 'warm', score: 40 });
    await makeWebhookMessage(api.server, { userId, leadId: cooled, eventType: 'lead.hot', payload: { leadId: cooled } });
    const { leadId: longAgo } = await makeLead(api.server, { userId, name: 'Hot Long Ago', scoreBand: 'hot', score: 80 });
    const { messageId } = await makeWebhookMessage(api.server, { userId, leadId: longAgo, eventType: 'lead.hot', payload: { leadId: longAgo } });
    await api.server.sql(`update webhook_messages set created_at = now() - interval '2 days' where message_id = $1`, [messageId]);

    // Showings: the first second of the local day (in); the second before it and local midnight tonight (out); a call (out).
    const { activityId: first } = await makeActivity(api.server, { userId, leadId: hot, type: 'showing', occurredAt: day.start, body: '12 Oak St' });
    const { activityId: later } = await makeActivity(api.server, { userId, leadId: oldest, type: 'showing', occurredAt: new Date(day.end.getTime() - 1000) });
    await makeActivity(api.server, { userId, leadId: hot, type: 'showing', occurredAt: new Date(day.start.getTime() - 1000) });
    await makeActivity(api.server, { userId, leadId: hot, type: 'showing', occurredAt: day.end });
    await makeActivity(api.server, { userId, leadId: hot, type: 'call', occurredAt: new Date(now) });

    const res = await agent.get('/v1/today');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ date: day.date, timeZone: TIME_ZONE });
    expect(ids(res.body.dueReminders)).toEqual([fired, pendingPast, lastSecond]);
    expect(res.body.dueReminders[0]).toMatchObject({ leadId: oldest, leadName: 'Waiting Longest', leadPhone: '+14155550134', status: 'due', reminderMessage: 'Call back' });

    const uncontacted = res.body.uncontacted.filter((l: { leadId: string }) => [oldest, newer, contacted].includes(l.leadId));
    expect(ids(uncontacted)).toEqual([oldest, newer]);
    expect(uncontacted[0].waitingSeconds).toBeGreaterThanOrEqual(3 * 3600);
    expect(uncontacted[0].waitingSeconds).toBeLessThan(3 * 3600 + 600);
    expect(res.body.uncontactedCount).toBe(res.body.uncontacted.length);

    expect(ids(res.body.hotSinceLastVisit)).toEqual([hot]);
    expect(res.body.hotSinceLastVisit[0]).toMatchObject({ name: 'Hot Now', scoreBand: 'hot', score: 72, turnedHotAt: expect.any(String) });

    expect(ids(res.body.showingsToday)).toEqual([first, later]);
    expect(res.body.showingsToday[0]).toMatchObject({ type: 'showing', body: '12 Oak St', occurredAt: day.start.toISOString(), lead: { leadId: hot, name: 'Hot Now' } });
  });

  it('takes a lead out of “not contacted yet” once its status moves on from new, as the unanswered-inquiry reminder counts it', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const now = Date.now();
    const { leadId: untouched } = await makeLead(api.server, { userId: uid, name: 'Untouched', createdAt: new Date(now - 3 * HOUR_MS) });
    const { leadId: markedContacted } = await makeLead(api.server, { userId: uid, name: 'Marked Contacted', createdAt: new Date(now - 2 * HOUR_MS) });
    const { leadId: markedLost } = await makeLead(api.server, { userId: uid, name: 'Marked Lost', createdAt: new Date(now - HOUR_MS) });
    const { leadId: renamed } = await makeLead(api.server, { userId: uid, name: 'Edited Name Only', createdAt: new Date(now - HOUR_MS / 2) });

    const before = (await client.get('/v1/today')).body;
    expect(ids(before.uncontacted)).toEqual([untouched, markedContacted, markedLost, renamed]);

    expect((await client.patch(`/v1/leads/${markedContacted}`, { status: 'contacted' })).status).toBe(200);
    expect((await client.patch(`/v1/leads/${markedLost}`, { status: 'lost' })).status).toBe(200);
    expect((await client.patch(`/v1/leads/${renamed}`, { name: 'Edited Name' })).status).toBe(200); // no status change: still waiting

    const after = (await client.get('/v1/today')).body;
    expect(ids(after.uncontacted)).toEqual([untouched, renamed]);
    expect(after.uncontactedCount).toBe(2);
  });

  it('takes a lead out of “not contacted yet” once it is moved past the first stage, and never lists one entered as a past client', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const now = Date.now();
    const stages = (await client.get('/v1/pipeline-stages')).body.items as Array<{ stageId: string; key: string }>;
    const stage = (key: string) => stages.find((s) => s.key === key)!.stageId;
    const { leadId: untouched } = await makeLead(api.server, { userId: uid, name: 'Untouched', createdAt: new Date(now - 4 * HOUR_MS) });
    const { leadId: booked } = await makeLead(api.server, { userId: uid, name: 'Appointment Set', createdAt: new Date(now - 3 * HOUR_MS) });
    const { leadId: closed } = await makeLead(api.server, { userId: uid, name: 'Closed Won', createdAt: new Date(now - 2 * HOUR_MS) });

    expect((await client.put(`/v1/leads/${booked}/stage`, { stageId: stage('appointment_set') })).status).toBe(200);
    expect((await client.put(`/v1/leads/${closed}/stage`, { stageId: stage('closed') })).status).toBe(200);
    // Entered by hand as a past client: no status change is recorded, but it waits for no first call.
    const pastClient = await client.post('/v1/leads', { name: 'Past Client', status: 'client' });
    expect(pastClient.status).toBe(201);

    const today = (await client.get('/v1/today')).body;
    expect(ids(today.uncontacted)).toEqual([untouched]);
    expect(today.uncontactedCount).toBe(1);
  });

  it('keeps “since your last visit” through one visit and moves it when a new visit starts', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const { leadId } = await makeLead(api.server, { userId: uid, scoreBand: 'hot', score: 65 });
    const { messageId } = await makeWebhookMessage(api.server, { userId: uid, leadId, eventType: 'lead.hot', payload: { leadId } });

    const first = (await client.get('/v1/today')).body;
    const since = Date.parse(first.hotSince);
    expect(Date.now() - since).toBeGreaterThan(23 * HOUR_MS); // a first visit looks back a day
    expect(ids(first.hotSinceLastVisit)).toEqual([leadId]);
    // A reload minutes later is the same visit: the lead is still new to this visit.
    const again = (await client.get('/v1/today')).body;
    expect(again.hotSince).toBe(first.hotSince);
    expect(ids(again.hotSinceLastVisit)).toEqual([leadId]);

    // Two hours away: the next opening is a new visit, which starts where the last one ended.
    const [{ seen }] = await api.server.sql<{ seen: string }>(
      `update today_visits set last_seen_at = now() - interval '2 hours' where user_id = $1 returning to_char(last_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as seen`, [uid],
    );
    await api.server.sql(`update webhook_messages set created_at = now() - interval '3 hours' where message_id = $1`, [messageId]);
    const next = (await client.get('/v1/today')).body;
    expect(next.hotSince).toBe(seen);
    expect(next.hotSinceLastVisit).toEqual([]);
  });

  it('answers an API key as it answers the session, without recording a visit', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const { leadId } = await makeLead(api.server, { userId: uid, name: 'By Key' });
    const bearer = createBearerClient(api.server, await makeApiKey({ client }));
    const res = await bearer.get('/v1/today');
    expect(res.status).toBe(200);
    expect(ids(res.body.uncontacted)).toEqual([leadId]);
    expect(Date.now() - Date.parse(res.body.hotSince)).toBeGreaterThan(23 * HOUR_MS); // as a first visit would
    expect(await api.server.sql('select 1 from today_visits where user_id = $1', [uid])).toHaveLength(0);
  });

  it('a poll with an API key or a link from another site does not move “since your last visit”', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const visit = (await client.get('/v1/today')).body;
    // Two hours later the realtor has not opened Today: an integration polls, a link is followed.
    await api.server.sql(`update today_visits set last_seen_at = now() - interval '2 hours' where user_id = $1`, [uid]);
    const [{ seen }] = await api.server.sql<{ seen: string }>(`select to_char(last_seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as seen from today_visits where user_id = $1`, [uid]);
    const bearer = createBearerClient(api.server, await makeApiKey({ client }));
    expect((await bearer.get('/v1/today')).body.hotSince).toBe(seen); // what the next visit would start from
    expect((await client.request('GET', '/v1/today', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })).body.hotSince).toBe(seen);
    const [row] = await api.server.sql<{ hot_since: string }>(`select to_char(hot_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as hot_since from today_visits where user_id = $1`, [uid]);
    expect(row.hot_since).toBe(visit.hotSince); // unchanged
    // The realtor's own opening starts the new visit where the last one ended.
    expect((await client.request('GET', '/v1/today', { headers: { 'sec-fetch-site': 'same-origin' } })).body.hotSince).toBe(seen);
  });

  it('shows another realtor none of it; answers 401 without a session', async () => {
    const { client: other } = await api.makeRealtor();
    const res = await other.get('/v1/today');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dueReminders: [], uncontacted: [], uncontactedCount: 0, hotSinceLastVisit: [], showingsToday: [], timeZone: 'America/New_York' });
    expect((await api.createClient().get('/v1/today')).status).toBe(401);
  });
});

describe('GET /v1/auth/me: the time zone', () => {
  it('carries the person’s time zone, the one Today counts days in, and the default without reading it into a settings row', async () => {
    const { client, userId } = await api.makeRealtor();
    const me = await client.get('/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.timeZone).toBe('America/New_York');
    expect(await api.server.sql('select count(*)::int as n from notification_preferences where user_id = $1', [userId])).toEqual([{ n: 0 }]);

    expect((await client.patch('/v1/notification-preferences', { timeZone: TIME_ZONE })).status).toBe(200);
    expect((await client.get('/v1/auth/me')).body.timeZone).toBe(TIME_ZONE);
    expect((await client.get('/v1/today')).body.timeZone).toBe(TIME_ZONE);
  });
});

describe('GET /v1/lead-counts', () => {
  it('counts the realtor’s own leads by band', async () => {
    const { client, userId } = await api.makeRealtor();
    const { client: other, userId: otherId } = await api.makeRealtor();
    for (const scoreBand of ['hot', 'warm', 'warm', 'cold'] as const) await makeLead(api.server, { userId, scoreBand });
    await makeLead(api.server, { userId: otherId, scoreBand: 'hot' });
    expect((await client.get('/v1/lead-counts')).body).toEqual({ total: 4, byBand: { hot: 1, warm: 2, cold: 1 } });
    expect((await other.get('/v1/lead-counts')).body).toEqual({ total: 1, byBand: { hot: 1, warm: 0, cold: 0 } });
    expect((await api.createClient().get('/v1/lead-counts')).status).toBe(401);
  });
});
