// The summary's top listings against real Postgres, on random data with more listings than the
// top holds: equal to a ranking computed here (views desc, inquiries desc, ref) with inquiries and
// distinct leads per listing — so aggregating only the inquiries of listings that can still make
// the top (at least the 10th most viewed listing's views) changes no answer, ties included.
import type { EntityManager } from '@mikro-orm/postgresql';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantOfUser } from '#core/accounts/tenant.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeInquiries, makeLeads, makeRealtor, makeSite } from '#test/factories.ts';
import { getAnalyticsSummary } from './analytics-summary.ts';
import { TOP_LISTINGS_LIMIT } from './analytics-schemas.ts';

let server: TestServer;
let userId: string;
let site: string;
let leads: string[];

beforeAll(async () => {
  server = await startTestServer();
  const realtor = await makeRealtor(server);
  userId = realtor.userId;
  site = (await makeSite(realtor)).siteId;
  leads = await makeLeads(server, Array.from({ length: 4 }, () => ({ userId, siteId: site })));
  // Nothing raw after the watermark: the views are the rollup rows this test writes.
  await server.pool.query(`update analytics_rollup_state set watermark = now() + interval '1 day'`);
});
afterAll(() => server?.close());

const ref = (i: number) => `ref-${String(i).padStart(2, '0')}`;

describe('top listings', () => {
  it('equal a ranking of all listings by views, inquiries and ref (random data, ties)', async () => {
    const listing = fc.integer({ min: 0, max: 14 });
    const data = fc.record({
      views: fc.array(fc.record({ listing, day: fc.integer({ min: 0, max: 3 }), n: fc.integer({ min: 1, max: 2 }) }), { minLength: 10, maxLength: 30 }),
      inquiries: fc.array(fc.record({ listing, lead: fc.nat(3) }), { maxLength: 30 }),
    });
    await fc.assert(fc.asyncProperty(data, async ({ views, inquiries }) => {
      await server.pool.query(`delete from analytics_daily where site_id = $1`, [site]);
      await server.pool.query(`delete from inquiries where lead_id = any($1)`, [leads]);
      const perDay = new Map<string, number>();
      for (const v of views) perDay.set(`${v.listing}|${v.day}`, (perDay.get(`${v.listing}|${v.day}`) ?? 0) + v.n);
      for (const [k, n] of perDay) {
        const [l, d] = k.split('|').map(Number);
        await server.pool.query(`insert into analytics_daily (site_id, day, event_type, listing_ref, user_id, events) values ($1, $2::date, 'page_view', $3, $4, $5)`,
          [site, `2026-03-0${1 + d}`, ref(l), userId, n]);
      }
      await makeInquiries(server, inquiries.map((q) => ({ leadId: leads[q.lead], siteId: site, listingRef: ref(q.listing), createdAt: '2026-03-02T10:00:00Z' })));

      const expected = new Map<string, { listingRef: string; views: number; inquiries: number; leads: Set<string> }>();
      const at = (r: string) => expected.get(r) ?? expected.set(r, { listingRef: r, views: 0, inquiries: 0, leads: new Set() }).get(r)!;
      for (const v of views) at(ref(v.listing)).views += v.n;
      for (const q of inquiries) {
        at(ref(q.listing)).inquiries += 1;
        at(ref(q.listing)).leads.add(leads[q.lead]);
      }
      const ranked = [...expected.values()]
        .sort((a, b) => b.views - a.views || b.inquiries - a.inquiries || (a.listingRef < b.listingRef ? -1 : 1))
        .slice(0, TOP_LISTINGS_LIMIT)
        .map((x) => ({ listingRef: x.listingRef, views: x.views, inquiries: x.inquiries, leads: x.leads.size }));

      const summary = await getAnalyticsSummary({
        em: server.orm.em.fork() as EntityManager, tenant: tenantOfUser(userId), query: { from: '2026-03-01', to: '2026-03-04' }, now: new Date('2026-03-10T12:00:00Z'),
      });
      expect(summary.topListings.map(({ listingRef, views: v, inquiries: n, leads: l }) => ({ listingRef, views: v, inquiries: n, leads: l }))).toEqual(ranked);
    }), { numRuns: 40 });
  });

  it('in a range ending today west of UTC, counts the views of the evening (tomorrow\'s UTC day); a past range keeps its own UTC days', async () => {
    await server.pool.query(`delete from analytics_daily where site_id = $1`, [site]);
    await server.pool.query(`delete from inquiries where lead_id = any($1)`, [leads]);
    const row = (day: string, listing: string, n: number) =>
      server.pool.query(`insert into analytics_daily (site_id, day, event_type, listing_ref, user_id, events) values ($1, $2::date, 'page_view', $3, $4, $5)`, [site, day, listing, userId, n]);
    // 2026-03-10 in Los Angeles (UTC−7 after the switch to daylight time on March 8), 20:00 there: 03:00 UTC on the 11th.
    const now = new Date('2026-03-11T03:00:00Z');
    await row('2026-03-10', 'afternoon', 2);
    await row('2026-03-11', 'evening', 3);
    const summary = (to: string, at: Date, tz = 'America/Los_Angeles') => getAnalyticsSummary({
      em: server.orm.em.fork() as EntityManager, tenant: tenantOfUser(userId), query: { from: '2026-03-04', to, tz }, now: at,
    });
    const views = (s: Awaited<ReturnType<typeof summary>>) => Object.fromEntries(s.topListings.map((l) => [l.listingRef, l.views]));
    expect(views(await summary('2026-03-10', now))).toEqual({ afternoon: 2, evening: 3 });
    // The same range read a week later: it ended long ago, and the 11th's UTC day is mostly the 11th there.
    expect(views(await summary('2026-03-10', new Date('2026-03-18T03:00:00Z')))).toEqual({ afternoon: 2 });
    // East of UTC the current UTC day is not past `to`: nothing more to take.
    expect(views(await summary('2026-03-11', now, 'Asia/Tokyo'))).toEqual({ afternoon: 2, evening: 3 });
  });
});
