import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor, makeSite, type TestSite } from '#test/factories.ts';
import { hasWrk } from './wrk.ts';
import { runLoad } from './load.ts';

// The bench's two load generators (bench/lib/wrk-collect.lua under wrk, bench/lib/load-child.ts
// under autocannon) against the real app: their beacons are valid page views spread over the
// sites and visitors asked for, and the ids they report as answered 202 are exactly the events stored.
const ORIGIN = 'https://listings.bench.example';
let server: TestServer;
let sites: TestSite[];
beforeAll(async () => {
  // Each visitor its own X-Forwarded-For, as in the bench: the per-address limit never bites.
  server = await startTestServer({ TRUST_PROXY: 'true' });
  const realtor = await makeRealtor(server);
  sites = [];
  for (let i = 0; i < 3; i++) sites.push(await makeSite(realtor, { allowedOrigins: [ORIGIN] }));
});
afterAll(() => server.close());

describe('the bench load generators', () => {
  it('wrk is installed (apt-get install -y wrk): the bench uses it for the ingest loads', () => {
    expect(hasWrk()).toBe(true);
  });

  for (const generator of ['wrk', 'autocannon'] as const) {
    it(`${generator}: every beacon is a stored page view and each reported 202 names its event`, async () => {
      const result = await runLoad({
        url: server.url, connections: 4, durationSec: 1, generator,
        collect: { siteKeys: sites.map((s) => s.publicKey), origin: ORIGIN, visitors: 30, trackAccepted: true },
      });
      expect(result.requests).toBeGreaterThan(20);
      expect(result.statusCodes).toEqual({ 202: result.requests });
      expect(result.errors + result.timeouts).toBe(0);
      const ids = result.acceptedIds ?? [];
      expect(ids).toHaveLength(result.requests);
      expect(new Set(ids).size).toBe(ids.length);
      expect(result.latencyMs.p99).toBeGreaterThan(0);
      expect(result.generatorCpuUsPerRequest).toBeGreaterThan(0);
      const rows = await server.sql<{ site_id: string; event_type: string; listing_ref: string; page_url: string; visitor_id: string; props: { title: string } }>(
        'select site_id, event_type, listing_ref, page_url, visitor_id, props from lead_analytics where client_event_id = any($1::uuid[])', [ids]);
      expect(rows).toHaveLength(ids.length);
      expect(new Set(rows.map((r) => r.site_id))).toEqual(new Set(sites.map((s) => s.siteId)));
      expect(new Set(rows.map((r) => r.visitor_id)).size).toBe(Math.min(30, ids.length));
      for (const r of rows) {
        expect(r.event_type).toBe('page_view');
        expect(r.listing_ref).toMatch(/^mls-\d+$/);
        expect(r.page_url).toBe(`${ORIGIN}/listings/${r.listing_ref}?utm_source=bench`);
        expect(r.props.title).toBe(`3 bd 2 ba craftsman — ${r.listing_ref}`);
      }
    });
  }
});
