// GET /v1/analytics/summary over real HTTP and Postgres: events per day by type, top listings,
// visitors → leads conversion and band counts, for a date range and per site; range validation
// and tenant scoping.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent, makeInquiry, makeLead, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

let server: TestServer;
let alice: ApiClient;
let aliceId: string;
let bob: ApiClient;
let oak: string;
let maple: string;

async function event(siteId: string, at: string, type: string, opts: { listing?: string; leadId?: string; visitor?: string } = {}) {
  await makeEvent(server, { siteId, at, type, leadId: opts.leadId ?? null, visitorId: opts.visitor ?? 'v_any', listingRef: opts.listing ?? null });
}

async function lead(siteId: string | null, band: 'hot' | 'warm' | 'cold'): Promise<string> {
  const score = { hot: 70, warm: 30, cold: 5 }[band];
  return (await makeLead(server, { userId: aliceId, siteId, name: 'A lead', score, scoreBand: band })).leadId;
}

async function inquiry(leadId: string, siteId: string | null, at: string, listing: string | null, source: 'widget' | 'manual' = 'widget') {
  await makeInquiry(server, { leadId, message: 'Question', siteId, source, listingRef: listing, createdAt: at });
}

async function visitor(siteId: string, id: string, firstSeen: string, leadId: string | null = null) {
  await makeVisitor(server, { siteId, visitorId: id, leadId, firstSeenAt: firstSeen });
}

function summary(client: ApiClient, query: string) {
  return client.get(`/v1/analytics/summary${query ? `?${query}` : ''}`);
}

beforeAll(async () => {
  server = await startTestServer();
  ({ client: alice, userId: aliceId } = await makeRealtor(server));
  ({ client: bob } = await makeRealtor(server));
  oak = (await makeSite({ client: alice }, { name: 'Oak Realty' })).siteId;
  maple = (await makeSite({ client: alice }, { name: 'Maple Homes' })).siteId;

  const hot1 = await lead(oak, 'hot');
  const hot2 = await lead(maple, 'hot');
  const warm = await lead(oak, 'warm');
  await lead(oak, 'cold');
  await lead(null, 'cold');

  // Range under test: 2026-03-01 .. 2026-03-03 (UTC days, inclusive). Edges just outside it.
  await event(oak, '2026-02-28T23:59:59.999Z', 'page_view', { listing: 'oak-12' });
  await event(oak, '2026-03-01T00:00:00.000Z', 'page_view', { listing: 'oak-12', leadId: hot1 });
  await event(oak, '2026-03-01T10:00:00Z', 'page_view', { listing: 'oak-12' });
  await event(oak, '2026-03-01T11:00:00Z', 'page_view', { listing: 'elm-3' });
  await event(oak, '2026-03-01T12:00:00Z', 'tool_interaction');
  await event(oak, '2026-03-02T08:00:00Z', 'page_view');
  await event(oak, '2026-03-02T09:00:00Z', 'save_listing', { listing: 'oak-12' });
  await event(oak, '2026-03-03T23:59:59.999Z', 'page_view', { listing: 'oak-12' });
  await event(oak, '2026-03-04T00:00:00.000Z', 'page_view', { listing: 'oak-12' });
  await event(maple, '2026-03-02T10:00:00Z', 'page_view', { listing: 'maple-7', leadId: hot2 });
  await event(maple, '2026-03-02T11:00:00Z', 'page_view', { listing: 'maple-7' });
  await event(maple, '2026-03-03T11:00:00Z', 'page_view', { listing: 'elm-3' });

  await inquiry(hot1, oak, '2026-03-01T13:00:00Z', 'oak-12');
  await inquiry(warm, oak, '2026-03-02T13:00:00Z', 'oak-12');
  await inquiry(warm, oak, '2026-03-02T14:00:00Z', 'pine-9');
  await inquiry(hot2, maple, '2026-03-03T13:00:00Z', 'maple-7');
  await inquiry(hot1, null, '2026-03-02T15:00:00Z', 'oak-12', 'manual');
  await inquiry(hot1, oak, '2026-03-05T13:00:00Z', 'oak-12'); // outside the range

  await visitor(oak, 'v1', '2026-03-01T00:00:00Z', hot1);
  await visitor(oak, 'v2', '2026-03-01T05:00:00Z', warm);
  await visitor(oak, 'v3', '2026-03-02T05:00:00Z');
  await visitor(oak, 'v4', '2026-03-03T23:00:00Z');
  await visitor(oak, 'v_old', '2026-02-20T05:00:00Z');
  await visitor(maple, 'm1', '2026-03-02T05:00:00Z', hot2);
  await visitor(maple, 'm2', '2026-03-04T00:00:00Z');
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/analytics/summary', () => {
  it('summarises all of a user’s sites over a range: events per day by type, top listings, conversion, bands', async () => {
    const res = await summary(alice, 'from=2026-03-01&to=2026-03-03');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      timeZone: 'UTC',
      from: '2026-03-01',
      to: '2026-03-03',
      site: null,
      eventsPerDay: [
        { day: '2026-03-01', type: 'page_view', count: 3 },
        { day: '2026-03-01', type: 'tool_interaction', count: 1 },
        { day: '2026-03-02', type: 'page_view', count: 3 },
        { day: '2026-03-02', type: 'save_listing', count: 1 },
        { day: '2026-03-03', type: 'page_view', count: 2 },
      ],
      topListings: [
        // Views first, then inquiries (widget and manual), then the ref.
        { listingRef: 'oak-12', listingId: null, title: null, url: null, views: 3, inquiries: 3, leads: 2 },
        { listingRef: 'maple-7', listingId: null, title: null, url: null, views: 2, inquiries: 1, leads: 1 },
        { listingRef: 'elm-3', listingId: null, title: null, url: null, views: 2, inquiries: 0, leads: 0 },
        { listingRef: 'pine-9', listingId: null, title: null, url: null, views: 0, inquiries: 1, leads: 1 },
      ],
      conversion: { visitors: 5, leads: 3, rate: 0.6 },
      bands: { hot: 2, warm: 1, cold: 2 },
    });
  });

  it('narrows to one site: its events, its inquiries, its visitors and its leads only', async () => {
    const res = await summary(alice, `from=2026-03-01&to=2026-03-03&site=${oak}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      timeZone: 'UTC',
      from: '2026-03-01',
      to: '2026-03-03',
      site: oak,
      eventsPerDay: [
        { day: '2026-03-01', type: 'page_view', count: 3 },
        { day: '2026-03-01', type: 'tool_interaction', count: 1 },
        { day: '2026-03-02', type: 'page_view', count: 1 },
        { day: '2026-03-02', type: 'save_listing', count: 1 },
        { day: '2026-03-03', type: 'page_view', count: 1 },
      ],
      topListings: [
        { listingRef: 'oak-12', listingId: null, title: null, url: null, views: 3, inquiries: 2, leads: 2 },
        { listingRef: 'elm-3', listingId: null, title: null, url: null, views: 1, inquiries: 0, leads: 0 },
        { listingRef: 'pine-9', listingId: null, title: null, url: null, views: 0, inquiries: 1, leads: 1 },
      ],
      conversion: { visitors: 4, leads: 2, rate: 0.5 },
      bands: { hot: 1, warm: 1, cold: 1 },
    });
    const one = await summary(alice, `from=2026-03-02&to=2026-03-02&site=${maple}`);
    expect(one.body).toMatchObject({
      eventsPerDay: [{ day: '2026-03-02', type: 'page_view', count: 2 }],
      topListings: [{ listingRef: 'maple-7', listingId: null, title: null, url: null, views: 2, inquiries: 0, leads: 0 }],
      conversion: { visitors: 1, leads: 1, rate: 1 },
      bands: { hot: 1, warm: 0, cold: 0 },
    });
  });

  it('defaults to the last 30 UTC days, today included, and accepts one-day and 366-day ranges', async () => {
    const before = new Date().toISOString().slice(0, 10);
    const res = await summary(alice, '');
    const after = new Date().toISOString().slice(0, 10);
    expect(res.status).toBe(200);
    // Today (a run crossing midnight UTC may see either day).
    expect([before, after]).toContain(res.body.to);
    const today = res.body.to as string;
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(29 * 86_400_000);
    expect(res.body.eventsPerDay).toEqual([]);
    expect(res.body.bands).toEqual({ hot: 2, warm: 1, cold: 2 });

    const fromOnly = await summary(alice, `from=${today}`);
    expect(fromOnly.body).toMatchObject({ from: today, to: today });
    const toOnly = await summary(alice, 'to=2026-03-03');
    expect(toOnly.body.from).toBe('2026-02-02');
    expect(toOnly.body.eventsPerDay[0]).toEqual({ day: '2026-02-28', type: 'page_view', count: 1 });
    const single = await summary(alice, 'from=2026-03-04&to=2026-03-04');
    expect(single.body.eventsPerDay).toEqual([{ day: '2026-03-04', type: 'page_view', count: 1 }]);
    expect(single.body.conversion).toEqual({ visitors: 1, leads: 0, rate: 0 });
    const leapYear = await summary(alice, 'from=2028-01-01&to=2028-12-31');
    expect(leapYear.status).toBe(200);
    for (const edge of ['from=1970-01-01&to=1970-01-01', 'to=1970-01-05', 'from=9999-12-30&to=9999-12-30']) {
      expect((await summary(alice, edge)).status, edge).toBe(200);
    }
  });

  it('refuses bad ranges and parameters with 400 naming the parameter', async () => {
    for (const [query, path] of [
      ['from=2026-03-05&to=2026-03-01', 'from'],
      ['from=2025-01-01&to=2026-01-02', 'from'],
      ['from=2026-02-30', 'from'],
      ['from=2026-3-1', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-03-01T00:00:00Z', 'from'],
      ['from=1900-01-01', 'from'],
      // Days whose range would reach year 0 or year 10000 (no Postgres timestamp): 400, not a SQL error.
      ['from=0000-01-01&to=0000-01-02', 'from'],
      ['to=0001-01-05', 'to'],
      ['from=9999-12-31&to=9999-12-31', 'from'],
      ['site=not-a-uuid', 'site'],
      ['days=7', ''],
      ['from=2026-03-01&from=2026-03-02', 'from'],
    ] as const) {
      const res = await summary(alice, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
  });

  it('answers 404 for another user’s site and never counts another user’s data', async () => {
    const foreign = await summary(bob, `site=${oak}&from=2026-03-01&to=2026-03-03`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await summary(alice, `site=${randomUUID()}`)).status).toBe(404);

    // Bob has no site yet: an empty summary, not an error.
    const empty = await summary(bob, 'from=2026-03-01&to=2026-03-03');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ eventsPerDay: [], topListings: [], conversion: { visitors: 0, leads: 0, rate: 0 }, bands: { hot: 0, warm: 0, cold: 0 } });

    // With a site and a lead of his own, he sees exactly those.
    const bobSite = (await bob.post('/v1/sites', { name: 'Bob Realty' })).body.siteId;
    await makeEvent(server, { siteId: bobSite, type: 'page_view', listingRef: 'oak-12', at: '2026-03-02T00:00:00Z' });
    expect((await bob.post('/v1/leads', { name: 'Bob lead' })).status).toBe(201);
    const own = await summary(bob, 'from=2026-03-01&to=2026-03-03');
    expect(own.body).toMatchObject({
      eventsPerDay: [{ day: '2026-03-02', type: 'page_view', count: 1 }],
      topListings: [{ listingRef: 'oak-12', listingId: null, title: null, url: null, views: 1, inquiries: 0, leads: 0 }],
      conversion: { visitors: 0, leads: 0, rate: 0 },
      bands: { hot: 0, warm: 0, cold: 1 },
    });
    // …and Alice's numbers did not move.
    const aliceNow = await summary(alice, 'from=2026-03-01&to=2026-03-03');
    expect(aliceNow.body.topListings[0]).toEqual({ listingRef: 'oak-12', listingId: null, title: null, url: null, views: 3, inquiries: 3, leads: 2 });
  });

  it('works with an API key, and needs a session or key', async () => {
    const key = (await alice.post('/v1/api-keys', { name: 'Dashboards' })).body.key;
    const bot = new ApiClient(server.url);
    bot.bearer = key;
    const res = await summary(bot, `from=2026-03-01&to=2026-03-03&site=${maple}`);
    expect(res.status).toBe(200);
    expect(res.body.bands).toEqual({ hot: 1, warm: 0, cold: 0 });
    const anon = new ApiClient(server.url);
    const denied = await summary(anon, '');
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe('unauthorized');
  });
});
