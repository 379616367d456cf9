// Analytics in the realtor's days (`tz`, docs/api-leads.md → GET /v1/analytics/summary, "Days"), over real HTTP and Postgres:
// the same events, leads, inquiries and visitors fall on other days in Los Angeles, UTC and Tokyo,
// read raw (after the rollup's watermark) and from the hourly rollups alike; a day counted before
// hours (one row at 12:00 UTC) keeps its date; an unknown zone is a 400 naming `tz`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent, makeInquiry, makeLead, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

let server: TestServer;
let alice: ApiClient;
let aliceId: string;
let oak: string;

// February: no daylight saving anywhere below. Los Angeles is UTC−8, Tokyo UTC+9.
const LATE_EVENING_LA = '2026-02-11T07:30:00Z'; // Feb 10 23:30 in Los Angeles; Feb 11 in UTC and Tokyo
const JUST_AFTER_MIDNIGHT_LA = '2026-02-11T08:30:00Z'; // Feb 11 00:30 in Los Angeles
const NOON_LA = '2026-02-10T20:00:00Z'; // Feb 10 in Los Angeles and UTC; Feb 11 05:00 in Tokyo

const RANGE = 'from=2026-02-10&to=2026-02-11';

function eventsPerDay(body: { eventsPerDay: Array<{ day: string; count: number }> }) {
  return Object.fromEntries(body.eventsPerDay.map((e) => [e.day, e.count]));
}

beforeAll(async () => {
  server = await startTestServer();
  ({ client: alice, userId: aliceId } = await makeRealtor(server));
  oak = (await makeSite({ client: alice }, { name: 'Oak Realty' })).siteId;
  for (const at of [LATE_EVENING_LA, JUST_AFTER_MIDNIGHT_LA, NOON_LA]) await makeEvent(server, { siteId: oak, at, type: 'page_view', visitorId: 'v_tz' });
  // Two leads, each with its first inquiry when it was created; the first answered within 5 minutes.
  for (const at of [LATE_EVENING_LA, JUST_AFTER_MIDNIGHT_LA]) {
    const { leadId } = await makeLead(server, { userId: aliceId, siteId: oak, name: `Lead ${at}`, createdAt: at });
    await makeInquiry(server, { leadId, message: 'Is it available?', siteId: oak, source: 'widget', createdAt: at });
  }
  await server.sql(`update leads set first_contacted_at = first_inquiry_at + interval '3 minutes' where user_id = $1 and created_at = $2`, [aliceId, LATE_EVENING_LA]);
  await makeVisitor(server, { siteId: oak, visitorId: 'v_tz', firstSeenAt: LATE_EVENING_LA });
});
afterAll(async () => {
  await server?.close();
});

describe('analytics in a time zone (tz)', () => {
  it('counts events on the days of the zone asked for, raw and rolled up by the hour alike', async () => {
    const expected = {
      'America/Los_Angeles': { '2026-02-10': 2, '2026-02-11': 1 },
      UTC: { '2026-02-10': 1, '2026-02-11': 2 },
      'Asia/Tokyo': { '2026-02-11': 3 },
    };
    const read = async () => {
      const out: Record<string, Record<string, number>> = {};
      for (const tz of Object.keys(expected)) {
        const res = await alice.get(`/v1/analytics/summary?${RANGE}&tz=${encodeURIComponent(tz)}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.timeZone).toBe(tz);
        out[tz] = eventsPerDay(res.body);
      }
      return out;
    };
    // Not rolled up yet: the raw tail.
    expect(await read()).toEqual(expected);
    // Rolled up: the events are in analytics_daily_totals by UTC hour, and read back per local day.
    const result = await rollupEvents({ em: server.orm.em.fork(), lagMs: 0 });
    expect(result.events).toBeGreaterThanOrEqual(3);
    expect(await server.sql(`select to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24') as hour, events::int from analytics_daily_totals where site_id = $1 order by 1`, [oak]))
      .toEqual([{ hour: '2026-02-10 20', events: 1 }, { hour: '2026-02-11 07', events: 1 }, { hour: '2026-02-11 08', events: 1 }]);
    expect(await read()).toEqual(expected);
    // Without tz: UTC days, as before tz existed.
    expect(eventsPerDay((await alice.get(`/v1/analytics/summary?${RANGE}`)).body)).toEqual(expected.UTC);
  });

  it('keeps a day counted before hours (its row at 12:00 UTC) on its date from Los Angeles to Tokyo', async () => {
    await server.sql(`insert into analytics_daily_totals (site_id, hour, event_type, user_id, events) values ($1, '2026-02-08T12:00:00Z', 'tool_interaction', $2, 5)`, [oak, aliceId]);
    for (const tz of ['America/Los_Angeles', 'UTC', 'Asia/Tokyo']) {
      const res = await alice.get(`/v1/analytics/summary?from=2026-02-08&to=2026-02-08&tz=${encodeURIComponent(tz)}`);
      expect(res.body.eventsPerDay, tz).toEqual([{ day: '2026-02-08', type: 'tool_interaction', count: 5 }]);
    }
  });

  it('counts leads, inquiries, speed to lead and visitors on the days of the zone', async () => {
    const la = await alice.get(`/v1/analytics/leads?${RANGE}&tz=America/Los_Angeles`);
    expect(la.status, JSON.stringify(la.body)).toBe(200);
    expect(la.body.timeZone).toBe('America/Los_Angeles');
    expect(la.body.perDay.map((d: { day: string; leads: number; inquiries: number; speed: { leads: number; within5m: number | null } }) => [d.day, d.leads, d.inquiries, d.speed.leads, d.speed.within5m]))
      .toEqual([['2026-02-10', 1, 1, 1, 1], ['2026-02-11', 1, 1, 1, 0]]);
    const utc = await alice.get(`/v1/analytics/leads?${RANGE}`);
    expect(utc.body.perDay.map((d: { day: string; leads: number; inquiries: number }) => [d.day, d.leads, d.inquiries])).toEqual([['2026-02-11', 2, 2]]);
    // One day: the visitor first seen on Feb 10 in Los Angeles, Feb 11 in UTC.
    const oneDay = (tz: string) => alice.get(`/v1/analytics/leads?from=2026-02-10&to=2026-02-10&tz=${tz}`);
    expect((await oneDay('America/Los_Angeles')).body.funnel).toMatchObject({ visitors: 1, leads: 1 });
    expect((await oneDay('UTC')).body.funnel).toMatchObject({ visitors: 0, leads: 0 });
    expect((await alice.get('/v1/analytics/summary?from=2026-02-10&to=2026-02-10&tz=America/Los_Angeles')).body.conversion).toMatchObject({ visitors: 1 });
  });

  it('defaults `to` to today in the zone, spells the zone as usual, and refuses an unknown one with a 400 naming tz', async () => {
    // UTC+14 and UTC−11 are always on different dates.
    const today = (tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
    for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const before = today(tz);
      const res = await alice.get(`/v1/analytics/summary?tz=${tz}`);
      expect([before, today(tz)]).toContain(res.body.to);
    }
    expect((await alice.get('/v1/analytics/summary?tz=america/los_angeles')).body.timeZone).toBe('America/Los_Angeles');
    // A zone under the name the realtor chose (Node's Intl calls it Asia/Calcutta): counted there, echoed as given.
    const kolkata = await alice.get(`/v1/analytics/summary?${RANGE}&tz=Asia/Kolkata`);
    expect(kolkata.body.timeZone).toBe('Asia/Kolkata');
    expect(eventsPerDay(kolkata.body)).toEqual({ '2026-02-11': 3 });
    for (const tz of ['Mars/Olympus_Mons', '+05:30', 'UTC; drop table leads']) {
      const res = await alice.get(`/v1/analytics/leads?tz=${encodeURIComponent(tz)}`);
      expect(res.status, tz).toBe(400);
      expect(res.body.error.details[0].path).toBe('tz');
    }
  });
});
