// A lead's timeline over real HTTP and Postgres: events and inquiries merged newest first, in
// keyset pages that never repeat or skip an item on shared (microsecond-exact) instants.
import { describe, expect, it } from 'vitest';
import { makeEvent, makeEvents, makeInquiries, makeInquiry, makeLead } from '#test/factories.ts';
import type { HttpResult } from '#test/http.ts';
import { shiftMicroTime, useLeadsApi } from '#test/leads-api.ts';

const MINUTE_MS = 60_000;
const api = useLeadsApi();

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

    const rows = await api.server.sql<{ kind: string; id: string; key: string }>(
      `select 'event' as kind, analytic_id::text as id, to_char(event_date at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as key from lead_analytics where lead_id = $1
       union all select 'inquiry', inquiry_id::text, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from inquiries where lead_id = $1`,
      [leadId],
    );
    // Newest first; at one instant inquiries before events; then id descending.
    const cmp = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
    const expected = rows.sort((a, b) => cmp(a.key, b.key) || cmp(a.kind, b.kind) || cmp(a.id, b.id)).map((r) => `${r.kind}:${r.id}`);
    expect(expected).toHaveLength(42);

    for (const limit of [1, 4, 7, 15, 42, 200]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: HttpResult = await agent.get(`/v1/leads/${leadId}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items.map((i: { kind: string; id: string }) => `${i.kind}:${i.id}`));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }

    const top = (await agent.get(`/v1/leads/${leadId}/timeline?limit=6`)).body.items;
    expect(top.slice(0, 5).every((i: { kind: string }) => i.kind === 'inquiry')).toBe(true);
    expect(top[0]).toMatchObject({ kind: 'inquiry', at: '2026-03-01T12:00:00.654Z', eventType: null, message: expect.stringMatching(/^Inquiry \d$/), source: 'manual', listingRef: 'oak-12' });
    expect(top[5]).toMatchObject({ kind: 'event', at: '2026-03-01T12:00:00.654Z', eventType: expect.any(String), eventValue: expect.stringMatching(/^value /), message: null, source: null });
    expect(Object.keys(top[5]).sort()).toEqual(['at', 'eventType', 'eventValue', 'id', 'kind', 'listingRef', 'message', 'pageUrl', 'source']);

    // A lead with no history has an empty timeline.
    const empty = await agent.get(`/v1/leads/${(await makeLead(api.server, { userId })).leadId}/timeline`);
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });
});
