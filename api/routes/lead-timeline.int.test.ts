// A lead's timeline over real HTTP and Postgres: events and inquiries merged newest first, in
// keyset pages that never repeat or skip an item on shared (microsecond-exact) instants.
import { describe, expect, it } from 'vitest';
import { makeActivities, makeActivity, makeEvent, makeEvents, makeInquiries, makeInquiry, makeLead, makeListing } from '#test/factories.ts';
import { type ApiClient, readAllPages } from '#test/http.ts';
import { shiftMicroTime, useLeadsApi } from '#test/leads-api.ts';

const MINUTE_MS = 60_000;
const api = useLeadsApi();

/** The lead's events, inquiries and activities as `kind:id`, in the timeline's order: newest first; at one instant inquiries, then events, then activities; then id descending. */
async function storedTimeline(leadId: string): Promise<string[]> {
  const rows = await api.server.sql<{ kind: string; id: string; key: string }>(
    `select 'event' as kind, analytic_id::text as id, to_char(event_date at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as key from lead_analytics where lead_id = $1
     union all select 'inquiry', inquiry_id::text, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from inquiries where lead_id = $1
     union all select 'activity', activity_id::text, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from lead_activities where lead_id = $1`,
    [leadId],
  );
  const cmp = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  return rows.sort((a, b) => cmp(a.key, b.key) || cmp(a.kind, b.kind) || cmp(a.id, b.id)).map((r) => `${r.kind}:${r.id}`);
}

/** Paging through the timeline at each limit gives exactly `expected`, in order. */
async function expectPagesGive(agent: ApiClient, leadId: string, limits: number[], expected: string[]) {
  for (const limit of limits) {
    const seen = (await readAllPages<{ kind: string; id: string }>(agent, `/v1/leads/${leadId}/timeline`, limit)).map((i) => `${i.kind}:${i.id}`);
    expect(seen, `limit ${limit}`).toEqual(expected);
  }
}

describe('GET /v1/leads/:id/timeline', () => {
  it('merges events and inquiries newest first; pages never repeat or skip an item, even on shared instants', async () => {
    const { client: agent, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(agent, 'Timeline Realty');
    const { leadId } = await makeLead(api.server, { userId, siteId });
    const { leadId: otherLead } = await makeLead(api.server, { userId, siteId });
    const T = '2026-03-01T12:00:00.654321Z';
    // 30 events: 10 at exactly T; 12 inquiries: 5 at exactly T. Plus noise on another lead and an anonymous visitor.
    await makeEvents(
      api.server,
      Array.from({ length: 30 }, (_, i) => i + 1).map((g) => ({
        leadId, siteId, type: g % 2 === 0 ? 'page_view' : 'tool_interaction', value: `value ${g}`, visitorId: 'v1',
        at: g <= 10 ? T : shiftMicroTime(T, -g * MINUTE_MS), listingRef: 'oak-12', pageUrl: `https://homes.example/l/${g}`,
      })),
    );
    await makeInquiries(
      api.server,
      Array.from({ length: 12 }, (_, i) => i + 1).map((g) => ({
        leadId, message: `Inquiry ${g}`, source: 'manual' as const, createdAt: g <= 5 ? T : shiftMicroTime(T, -g * 90_000), listingRef: 'oak-12',
      })),
    );
    await makeEvent(api.server, { leadId: otherLead, type: 'page_view', siteId, at: T });
    await makeEvent(api.server, { type: 'page_view', siteId, visitorId: 'v_anon', at: T });
    await makeInquiry(api.server, { leadId: otherLead, message: 'Not yours', createdAt: T });

    const expected = await storedTimeline(leadId);
    expect(expected).toHaveLength(42);
    await expectPagesGive(agent, leadId, [1, 4, 7, 15, 42, 200], expected);

    const top = (await agent.get(`/v1/leads/${leadId}/timeline?limit=6`)).body.items;
    expect(top.slice(0, 5).every((i: { kind: string }) => i.kind === 'inquiry')).toBe(true);
    expect(top[0]).toMatchObject({ kind: 'inquiry', at: '2026-03-01T12:00:00.654Z', eventType: null, message: expect.stringMatching(/^Inquiry \d$/), source: 'manual', listingRef: 'oak-12' });
    expect(top[5]).toMatchObject({ kind: 'event', at: '2026-03-01T12:00:00.654Z', eventType: expect.any(String), eventValue: expect.stringMatching(/^value /), message: null, source: null });
    expect(Object.keys(top[5]).sort()).toEqual([
      'activityType', 'actor', 'at', 'body', 'editable', 'eventType', 'eventValue', 'id', 'kind', 'listingImageUrl', 'listingRef', 'listingTitle', 'listingUrl',
      'message', 'meta', 'outcome', 'pageUrl', 'props', 'source', 'visitorId',
    ]);

    // A lead with no history has an empty timeline.
    const empty = await agent.get(`/v1/leads/${(await makeLead(api.server, { userId })).leadId}/timeline`);
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });
  it('merges activities too, with who did them; listings by their title; props and visitor ids for visits; pages never repeat or skip', async () => {
    const { client: agent, userId, username } = await api.makeRealtor();
    const siteId = await api.makeSite(agent, 'Story Realty');
    const { leadId } = await makeLead(api.server, { userId, siteId });
    await makeListing(api.server, { userId, siteId, listingRef: 'oak-12', title: '12 Oak Street', imageUrl: 'https://homes.example/oak.jpg', url: 'https://homes.example/l/oak-12' });
    // Another realtor's listing with the same ref on their own site never lends its title.
    const other = await api.makeRealtor();
    const otherSite = await api.makeSite(other.client, 'Other Realty');
    await makeListing(api.server, { userId: other.userId, siteId: otherSite, listingRef: 'maple-7', title: 'Not yours' });
    const T = '2026-03-01T12:00:00.654321Z';
    await makeEvents(api.server, [
      { leadId, siteId, type: 'page_view', visitorId: 'v1', listingRef: 'oak-12', pageUrl: 'https://homes.example/l/oak-12?utm=x', at: T },
      { leadId, siteId, type: 'tour_step', visitorId: 'v1', listingRef: 'maple-7', props: { room: 'Kitchen', step: 3 }, at: shiftMicroTime(T, -MINUTE_MS) },
      ...Array.from({ length: 6 }, (_, i) => ({ leadId, siteId, type: 'page_view', visitorId: 'v2', at: i < 2 ? T : shiftMicroTime(T, -(i + 2) * MINUTE_MS) })),
    ]);
    await makeInquiries(api.server, [{ leadId, message: 'Still available?', source: 'widget' as const, siteId, listingRef: 'oak-12', createdAt: T }]);
    await makeActivities(api.server, [
      { leadId, userId, type: 'call', outcome: 'left_voicemail', body: 'Back Monday', occurredAt: T },
      { leadId, userId, type: 'note', body: 'Prefers texts', occurredAt: shiftMicroTime(T, -30_000) },
      { leadId, userId, actorUserId: null, type: 'reminder_created', meta: { reminderId: crypto.randomUUID(), message: 'Call within 1 hour' }, occurredAt: T },
      { leadId, userId, type: 'status_change', meta: { from: 'new', to: 'contacted' }, occurredAt: shiftMicroTime(T, -5 * MINUTE_MS) },
      ...Array.from({ length: 5 }, (_, i) => ({ leadId, userId, type: 'text' as const, outcome: 'sent', occurredAt: shiftMicroTime(T, -(i + 1) * 90_000) })),
    ]);
    await makeActivity(api.server, { leadId: (await makeLead(api.server, { userId })).leadId, userId, type: 'call', occurredAt: T });

    const expected = await storedTimeline(leadId);
    expect(expected).toHaveLength(18);
    await expectPagesGive(agent, leadId, [1, 2, 3, 5, 18, 50], expected);

    const items = (await agent.get(`/v1/leads/${leadId}/timeline?limit=50`)).body.items as Array<Record<string, any>>;
    // At one instant: inquiries, then events, then activities.
    expect(items.slice(0, 6).map((i) => i.kind)).toEqual(['inquiry', 'event', 'event', 'event', 'activity', 'activity']);
    expect(items[0]).toMatchObject({ kind: 'inquiry', listingRef: 'oak-12', listingTitle: '12 Oak Street', editable: false, actor: null });
    const oak = items.find((i) => i.kind === 'event' && i.listingRef === 'oak-12');
    expect(oak).toMatchObject({ listingTitle: '12 Oak Street', listingImageUrl: 'https://homes.example/oak.jpg', listingUrl: 'https://homes.example/l/oak-12', visitorId: 'v1' });
    const tour = items.find((i) => i.eventType === 'tour_step');
    expect(tour).toMatchObject({ listingRef: 'maple-7', listingTitle: null, props: { room: 'Kitchen', step: 3 } });
    const call = items.find((i) => i.activityType === 'call');
    expect(call).toMatchObject({ kind: 'activity', outcome: 'left_voicemail', body: 'Back Monday', actor: { userId, username }, editable: true, eventType: null });
    expect(items.find((i) => i.activityType === 'reminder_created')).toMatchObject({ actor: null, editable: false, meta: { message: 'Call within 1 hour' } });
    expect(items.find((i) => i.activityType === 'status_change')).toMatchObject({ actor: { username }, editable: false, meta: { from: 'new', to: 'contacted' } });
    // Another account's lead: 404, also with a malformed cursor (the lead is judged first); one's own: 400.
    expect((await other.client.get(`/v1/leads/${leadId}/timeline`)).status).toBe(404);
    expect((await other.client.get(`/v1/leads/${leadId}/timeline?cursor=not-a-cursor`)).status).toBe(404);
    expect((await agent.get(`/v1/leads/${leadId}/timeline?cursor=not-a-cursor`)).status).toBe(400);
  });
});
