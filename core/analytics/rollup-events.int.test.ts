// The analytics rollup against real Postgres: the rollup rows equal raw counts, late events land
// on their own day, runs that repeat or overlap never count twice, an open transaction holds the
// watermark back, the backfill walks in chunks, listings are captured (a replayed old page view
// never overwrites a newer title) — and the summary (rollups + raw tail) always equals a summary
// counted from raw events, on random data.
import type { EntityManager } from '@mikro-orm/postgresql';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tenantOfUser } from '#core/accounts/tenant.ts';
import { enqueue } from '#core/jobs/queues.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import type { ApiClient } from '#test/http.ts';
import { startTestWorker } from '#test/worker.ts';
import { makeEvents, makeRealtor, makeSite, type EventSeed } from '#test/factories.ts';
import { getAnalyticsSummary } from './analytics-summary.ts';
import { rollupEvents } from './rollup-events.ts';

let server: TestServer;
let userId: string;
let client: ApiClient;
let siteA: string;
let siteB: string;

const em = () => server.orm.em.fork() as EntityManager;
const ago = (ms: number) => new Date(Date.now() - ms);

async function rows<T>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await server.pool.query(text, values)).rows as T[];
}

/** Per (site, UTC day, type, listing) and per (site, UTC hour, type): the rollups, and the same counted from raw events. */
async function rolledAndRaw() {
  const rolled = await rows<{ k: string; n: string }>(`
    select 'L ' || site_id || ' ' || day || ' ' || event_type || ' ' || listing_ref as k, events::text as n from analytics_daily
    union all select 'T ' || site_id || ' ' || to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24') || ' ' || event_type, events::text from analytics_daily_totals order by 1`);
  const raw = await rows<{ k: string; n: string }>(`
    select 'L ' || site_id || ' ' || (event_date at time zone 'UTC')::date || ' ' || event_type || ' ' || coalesce(listing_ref, '') as k, count(*)::text as n
    from lead_analytics group by 1
    union all select 'T ' || site_id || ' ' || to_char(event_date at time zone 'UTC', 'YYYY-MM-DD HH24') || ' ' || event_type, count(*)::text from lead_analytics group by 1 order by 1`);
  return { rolled, raw };
}

async function reset() {
  await server.pool.query(`truncate lead_analytics, analytics_daily, analytics_daily_totals, analytics_listing_weeks, listings`);
  await server.pool.query(`update analytics_rollup_state set watermark = 'epoch'`);
}

beforeAll(async () => {
  server = await startTestServer();
  const realtor = await makeRealtor(server);
  userId = realtor.userId;
  client = realtor.client;
  siteA = (await makeSite(realtor)).siteId;
  siteB = (await makeSite(realtor)).siteId;
});
afterAll(() => server?.close());
beforeEach(reset);

describe('analytics.rollup', () => {
  it('rolls events up per site, UTC day, type and listing, and per site, UTC hour and type, equal to raw counts', async () => {
    const seeds: EventSeed[] = [];
    for (let i = 0; i < 30; i++) {
      seeds.push({
        siteId: i % 3 ? siteA : siteB, type: ['page_view', 'save_listing', 'tool_interaction'][i % 3],
        listingRef: i % 4 ? `oak-${i % 2}` : null, at: new Date(Date.UTC(2026, 2, 1 + (i % 5), 23, 59, 59, 999)), receivedAt: ago(60_000 + i),
      });
    }
    await makeEvents(server, seeds);
    const run = await rollupEvents({ em: em(), lagMs: 0 });
    expect(run).toMatchObject({ busy: false, events: 30, caughtUp: true });
    const { rolled, raw } = await rolledAndRaw();
    expect(rolled).toEqual(raw);
    expect(rolled.length).toBeGreaterThan(5);
    // Events without a listing are keyed by ''.
    expect((await rows(`select 1 from analytics_daily where listing_ref = ''`)).length).toBeGreaterThan(0);
  });

  it('adds a late event (old event_date, new arrival) to its own day, and a second run counts nothing again', async () => {
    // A timeline an hour ago: each run rolls up to the moment given (upTo), as the live job would with its lag.
    const t = (s: number) => new Date(Date.now() - 3_600_000 + s * 1000);
    await makeEvents(server, [{ siteId: siteA, at: '2026-03-01T10:00:00Z', receivedAt: t(1) }]);
    expect(await rollupEvents({ em: em(), lagMs: 0, upTo: t(2) })).toMatchObject({ events: 1 });
    await makeEvents(server, [
      { siteId: siteA, at: '2026-03-01T22:00:00Z', receivedAt: t(3) },
      { siteId: siteA, at: '2026-03-03T01:00:00Z', receivedAt: t(3) },
    ]);
    expect(await rollupEvents({ em: em(), lagMs: 0 })).toMatchObject({ events: 2 });
    expect(await rollupEvents({ em: em(), lagMs: 0 })).toMatchObject({ events: 0, busy: false });
    expect(await rows(`select day::text, events::int from analytics_daily order by day`)).toEqual([
      { day: '2026-03-01', events: 2 },
      { day: '2026-03-03', events: 1 },
    ]);
  });

  it('runs at the same time without counting anything twice: one run holds the watermark, the others return busy', async () => {
    const seeds: EventSeed[] = Array.from({ length: 500 }, (_, i) => ({ siteId: siteA, type: `t${i % 7}`, at: new Date(Date.UTC(2026, 3, 1 + (i % 9))), receivedAt: ago(100_000 - i * 10) }));
    await makeEvents(server, seeds);
    const runs = await Promise.all(Array.from({ length: 4 }, () => rollupEvents({ em: em(), lagMs: 0, chunkEvents: 50 })));
    const counted = runs.reduce((n, r) => n + r.events, 0);
    // Whatever interleaving happened, a final run leaves everything counted exactly once.
    const last = await rollupEvents({ em: em(), lagMs: 0 });
    expect(counted + last.events).toBe(500);
    const { rolled, raw } = await rolledAndRaw();
    expect(rolled).toEqual(raw);
  });

  it('runs as the analytics.rollup job in the worker', async () => {
    await makeEvents(server, [{ siteId: siteA, at: '2026-03-01T10:00:00Z', receivedAt: ago(600_000) }]);
    const worker = await startTestWorker(server);
    try {
      await enqueue(server.queues, 'rollupAnalytics', {}, { jobId: 'rollup-test' });
      const job = await vi.waitFor(async () => {
        const j = await server.queues.maintenance.getJob('rollup-test');
        expect(j?.finishedOn).toBeTruthy();
        return j!;
      }, WAIT);
      expect(job.returnvalue).toMatchObject({ busy: false, events: 1, caughtUp: true });
      expect(await rows(`select events::int from analytics_daily`)).toEqual([{ events: 1 }]);
    } finally {
      await worker.close();
    }
  });

  it('returns busy while another transaction holds the watermark row', async () => {
    const client = await server.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select 1 from analytics_rollup_state where name = 'events' for update`);
      expect(await rollupEvents({ em: em(), lagMs: 0 })).toMatchObject({ busy: true, events: 0, watermark: null });
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it('keeps the watermark below a transaction still writing events, so its events are counted after it commits', async () => {
    const writer = new pg.Client({ connectionString: server.db.url });
    await writer.connect();
    try {
      await writer.query('begin');
      // The event's received_at is its transaction's start, as ingest writes it: exact without any lag.
      await writer.query(`insert into lead_analytics (analytic_id, event_type, event_date, site_id, received_at) values (gen_random_uuid(), 'page_view', now(), $1, now())`, [siteA]);
      const during = await rollupEvents({ em: em(), lagMs: 0 });
      expect(during.events).toBe(0);
      await writer.query('commit');
      expect(await rollupEvents({ em: em(), lagMs: 0 })).toMatchObject({ events: 1 });
    } finally {
      await writer.end();
    }
  });

  it('backfills in chunks, also when more events than a chunk share one received_at', async () => {
    const same = ago(300_000);
    await makeEvents(server, [
      ...Array.from({ length: 25 }, (_, i): EventSeed => ({ siteId: siteA, at: new Date(Date.UTC(2026, 4, 1 + (i % 3))), receivedAt: same })),
      ...Array.from({ length: 12 }, (_, i): EventSeed => ({ siteId: siteB, at: new Date(Date.UTC(2026, 4, 2)), receivedAt: ago(200_000 - i) })),
    ]);
    const run = await rollupEvents({ em: em(), lagMs: 0, chunkEvents: 10 });
    expect(run).toMatchObject({ events: 37, caughtUp: true });
    expect(run.chunks).toBeGreaterThanOrEqual(3);
    const { rolled, raw } = await rolledAndRaw();
    expect(rolled).toEqual(raw);
  });

  it('stops after its time budget and the next run carries on', async () => {
    await makeEvents(server, Array.from({ length: 40 }, (_, i): EventSeed => ({ siteId: siteA, at: new Date(Date.UTC(2026, 4, 1)), receivedAt: ago(100_000 - i) })));
    const first = await rollupEvents({ em: em(), lagMs: 0, chunkEvents: 10, budgetMs: 0 });
    expect(first).toMatchObject({ events: 10, caughtUp: false });
    const rest = await rollupEvents({ em: em(), lagMs: 0, chunkEvents: 10 });
    expect(rest).toMatchObject({ events: 30, caughtUp: true });
  });

  it('upserts the listings its events name: latest title (else the page title), page and photo from page views, first and last seen', async () => {
    await makeEvents(server, [
      { siteId: siteA, listingRef: 'oak-12', at: '2026-03-01T10:00:00Z', receivedAt: ago(90_000), pageUrl: 'https://example.com/l/oak-12', props: { listingTitle: '12 Oak Street', listingImage: 'https://example.com/oak.jpg' } },
      { siteId: siteA, listingRef: 'oak-12', type: 'save_listing', at: '2026-03-02T10:00:00Z', receivedAt: ago(90_000) },
      { siteId: siteA, listingRef: 'elm-3', at: '2026-03-01T10:00:00Z', receivedAt: ago(90_000), props: { title: 'Elm Road | Acme Realty', listingImage: 'javascript:alert(1)' } },
    ]);
    await rollupEvents({ em: em(), lagMs: 0, upTo: ago(80_000) });
    // A newer title wins; a late event with an older date does not overwrite it.
    await makeEvents(server, [
      { siteId: siteA, listingRef: 'oak-12', at: '2026-03-03T10:00:00Z', receivedAt: ago(60_000), props: { listingTitle: '12 Oak Street — reduced' } },
      { siteId: siteA, listingRef: 'oak-12', at: '2026-02-27T10:00:00Z', receivedAt: ago(50_000), props: { listingTitle: 'Old title' } },
    ]);
    await rollupEvents({ em: em(), lagMs: 0 });
    expect(await rows(`select listing_ref, user_id, title, url, image_url, first_seen_at = '2026-02-27T10:00:00Z' as first_ok, last_seen_at = '2026-03-03T10:00:00Z' as last_ok from listings order by listing_ref`)).toEqual([
      { listing_ref: 'elm-3', user_id: userId, title: 'Elm Road | Acme Realty', url: null, image_url: null, first_ok: false, last_ok: false },
      { listing_ref: 'oak-12', user_id: userId, title: '12 Oak Street — reduced', url: 'https://example.com/l/oak-12', image_url: 'https://example.com/oak.jpg', first_ok: true, last_ok: true },
    ]);
  });
});

describe('listing titles, pages and photos', () => {
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  it('a replayed old page view does not overwrite a newer title, page or photo, even in a chunk with a fresh event of another type', async () => {
    const fresh = hoursAgo(2);
    const replayed = hoursAgo(20);
    await makeEvents(server, [
      { siteId: siteA, listingRef: 'oak-12', at: fresh, receivedAt: ago(90_000), pageUrl: 'https://example.com/new', props: { listingTitle: '12 Oak St — reduced', listingImage: 'https://example.com/new.jpg' } },
    ]);
    await rollupEvents({ em: em(), lagMs: 0, upTo: ago(80_000) });
    // An offline queue replays a page view from 20 hours ago, sent with a save_listing from now: one chunk.
    await makeEvents(server, [
      { siteId: siteA, listingRef: 'oak-12', at: replayed, receivedAt: ago(60_000), pageUrl: 'https://example.com/old', props: { listingTitle: '12 Oak St', listingImage: 'https://example.com/old.jpg' } },
      { siteId: siteA, listingRef: 'oak-12', type: 'save_listing', at: new Date(), receivedAt: ago(60_000) },
    ]);
    await rollupEvents({ em: em(), lagMs: 0 });
    expect(await rows(
      `select title, url, image_url, title_seen_at = $1 and url_seen_at = $1 and image_seen_at = $1 as seen_ok, first_seen_at = $2 as first_ok, last_seen_at > $1 as last_ok from listings`,
      [fresh.toISOString(), replayed.toISOString()],
    )).toEqual([{ title: '12 Oak St — reduced', url: 'https://example.com/new', image_url: 'https://example.com/new.jpg', seen_ok: true, first_ok: true, last_ok: true }]);
    // What the API answers.
    expect((await client.get('/v1/listings')).body.items).toMatchObject([{ listingRef: 'oak-12', title: '12 Oak St — reduced', url: 'https://example.com/new' }]);
  });

  it('keeps each value by the time of the page view that carried it: a newer view without a photo or title keeps the older ones, and gives its page', async () => {
    await makeEvents(server, [
      { siteId: siteA, listingRef: 'elm-3', at: hoursAgo(10), receivedAt: ago(90_000), pageUrl: 'https://example.com/a', props: { listingTitle: 'Elm Road', listingImage: 'https://example.com/a.jpg' } },
    ]);
    await rollupEvents({ em: em(), lagMs: 0, upTo: ago(80_000) });
    await makeEvents(server, [
      // Newest: a page view with a page but no title or photo.
      { siteId: siteA, listingRef: 'elm-3', at: hoursAgo(1), receivedAt: ago(60_000), pageUrl: 'https://example.com/b' },
      // Older than the stored title, with a title: it loses to the stored one, though the chunk is newer.
      { siteId: siteA, listingRef: 'elm-3', at: hoursAgo(15), receivedAt: ago(60_000), props: { listingTitle: 'Elm Rd (old)' } },
    ]);
    await rollupEvents({ em: em(), lagMs: 0 });
    expect(await rows(`select title, url, image_url from listings`)).toEqual([{ title: 'Elm Road', url: 'https://example.com/b', image_url: 'https://example.com/a.jpg' }]);
  });
});

describe('the summary over rollups and the raw tail', () => {
  it('counts listing views over whole weeks (analytics_listing_weeks) and the days around them, equal to raw counts', async () => {
    const tenant = tenantOfUser(userId);
    // Three weeks of page views from Sunday 2026-03-01: listing i gets i + (day % 3) views on each day.
    const seeds: EventSeed[] = [];
    for (let day = 0; day < 22; day++) {
      for (let i = 0; i < 4; i++) {
        for (let n = 0; n < i + (day % 3); n++) seeds.push({ siteId: day % 2 ? siteA : siteB, type: 'page_view', listingRef: `l${i}`, at: new Date(Date.UTC(2026, 2, 1 + day, 12)), receivedAt: ago(600_000) });
      }
    }
    await makeEvents(server, seeds);
    await rollupEvents({ em: em(), lagMs: 0 });
    const now = new Date('2026-03-30T12:00:00Z');
    for (const [from, to] of [['2026-03-01', '2026-03-22'], ['2026-03-02', '2026-03-08'], ['2026-03-03', '2026-03-16'], ['2026-03-02', '2026-03-07'], ['2026-03-08', '2026-03-09'], ['2026-03-04', '2026-03-04']]) {
      const summary = await getAnalyticsSummary({ em: em(), tenant, query: { from, to }, now });
      const views = await rows<{ listingRef: string; views: number }>(`
        select listing_ref as "listingRef", count(*)::int as views from lead_analytics
        where event_date >= $1::date and event_date < $2::date + 1 and event_type = 'page_view' and listing_ref is not null
        group by 1 order by 2 desc, 1`, [from, to]);
      expect(summary.topListings.map((l) => ({ listingRef: l.listingRef, views: l.views })), `${from}..${to}`).toEqual(views);
    }
  });

  it('equals a summary counted from raw events, whatever was rolled up when (random data)', async () => {
    const tenant = tenantOfUser(userId);
    const now = new Date('2026-03-10T12:00:00Z');
    const event = fc.record({
      site: fc.constantFrom('A', 'B'),
      day: fc.integer({ min: 0, max: 9 }),
      type: fc.constantFrom('page_view', 'save_listing', 'tool_interaction'),
      listing: fc.option(fc.constantFrom('oak-12', 'elm-3', 'pine-9'), { nil: null }),
    });
    // Batches of events arriving in order; after each batch the rollup may or may not run.
    const scenario = fc.array(fc.record({ events: fc.array(event, { maxLength: 15 }), rollup: fc.boolean() }), { minLength: 1, maxLength: 5 });
    let arrival = 0;
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.constantFrom(undefined, 'A', 'B'), async (batches, d1, d2, only) => {
        await reset();
        for (const batch of batches) {
          await makeEvents(server, batch.events.map((e) => ({
            siteId: e.site === 'A' ? siteA : siteB, type: e.type, listingRef: e.listing,
            at: new Date(Date.UTC(2026, 2, 1 + e.day, (arrival * 7) % 24)), receivedAt: ago(500_000 - arrival++),
          })));
          if (batch.rollup) await rollupEvents({ em: em(), lagMs: 0, upTo: ago(500_000 - arrival) });
        }
        const from = `2026-03-${String(1 + Math.min(d1, d2)).padStart(2, '0')}`;
        const to = `2026-03-${String(1 + Math.max(d1, d2)).padStart(2, '0')}`;
        const site = only === 'A' ? siteA : only === 'B' ? siteB : undefined;
        const summary = await getAnalyticsSummary({ em: em(), tenant, query: { from, to, site }, now });
        const sites = site ? [site] : [siteA, siteB];
        const raw = await rows<{ day: string; type: string; count: number }>(`
          select to_char(event_date at time zone 'UTC', 'YYYY-MM-DD') as day, event_type as type, count(*)::int as count from lead_analytics
          where site_id = any($1) and event_date >= $2::date and event_date < $3::date + 1 group by 1, 2 order by 1, 2`, [sites, from, to]);
        expect(summary.eventsPerDay).toEqual(raw);
        const views = await rows<{ listingRef: string; views: number }>(`
          select listing_ref as "listingRef", count(*)::int as views from lead_analytics
          where site_id = any($1) and event_date >= $2::date and event_date < $3::date + 1 and event_type = 'page_view' and listing_ref is not null
          group by 1 order by 2 desc, 1`, [sites, from, to]);
        expect(summary.topListings.map((l) => ({ listingRef: l.listingRef, views: l.views }))).toEqual(views);
      }),
      { numRuns: 25 },
    );
  });
});
