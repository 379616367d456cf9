// GET /v1/listings over real HTTP and Postgres: listings captured by the rollup from the tracker's
// page views (title, page, photo), with views (rollups + the raw tail), inquiries and leads;
// keyset pages; bad input; tenant isolation.
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvents, makeInquiries, makeLead, makeRealtor, makeSite } from '#test/factories.ts';
import { type ApiClient, readAllPages } from '#test/http.ts';

let server: TestServer;
let alice: ApiClient;
let bob: ApiClient;
let oak: string;
let maple: string;

const ago = (ms: number) => new Date(Date.now() - ms);
const day = (d: number) => new Date(Date.UTC(2026, 2, d, 12)).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  const a = await makeRealtor(server);
  alice = a.client;
  ({ client: bob } = await makeRealtor(server));
  oak = (await makeSite({ client: alice }, { name: 'Oak Realty' })).siteId;
  maple = (await makeSite({ client: alice }, { name: 'Maple Homes' })).siteId;
  const view = (siteId: string, ref: string, d: number, props?: Record<string, string>) => ({
    siteId, listingRef: ref, at: day(d), receivedAt: ago(120_000), pageUrl: `https://oak.example/l/${ref}`, props: props ?? null,
  });
  await makeEvents(server, [
    view(oak, 'oak-12', 1, { listingTitle: '12 Oak Street', listingImage: 'https://oak.example/12.jpg' }),
    view(oak, 'oak-12', 2),
    view(oak, 'oak-12', 3),
    view(oak, 'elm-3', 4, { listingTitle: '3 Elm Road' }),
    view(maple, 'maple-7', 5, { listingTitle: '7 Maple Avenue' }),
    { siteId: oak, listingRef: 'oak-12', type: 'save_listing', at: day(2), receivedAt: ago(120_000) },
  ]);
  await rollupEvents({ em: server.orm.em.fork() as EntityManager, lagMs: 0, upTo: ago(100_000) });
  // Received after the rollup: counted raw.
  await makeEvents(server, [{ ...view(oak, 'oak-12', 3), receivedAt: undefined }]);
  const l1 = (await makeLead(server, { userId: a.userId, siteId: oak })).leadId;
  const l2 = (await makeLead(server, { userId: a.userId, siteId: oak })).leadId;
  await makeInquiries(server, [
    { leadId: l1, siteId: oak, listingRef: 'oak-12', source: 'widget', createdAt: day(2) },
    { leadId: l1, siteId: oak, listingRef: 'oak-12', source: 'widget', createdAt: day(3) },
    { leadId: l2, siteId: oak, listingRef: 'oak-12', source: 'widget', createdAt: day(3) },
    { leadId: l2, siteId: oak, listingRef: 'oak-12', source: 'widget', createdAt: day(20) }, // outside the range
  ]);
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/listings', () => {
  it('lists a site’s listings, most recently seen first, with title, page, photo, views, inquiries and leads', async () => {
    const res = await alice.get(`/v1/listings?siteId=${oak}&from=2026-03-01&to=2026-03-10`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-03-01', to: '2026-03-10', nextCursor: null });
    expect(res.body.items).toEqual([
      {
        listingId: expect.any(String), siteId: oak, listingRef: 'elm-3', title: '3 Elm Road', url: 'https://oak.example/l/elm-3', imageUrl: null,
        firstSeenAt: day(4), lastSeenAt: day(4), views: 1, inquiries: 0, leads: 0,
      },
      {
        listingId: expect.any(String), siteId: oak, listingRef: 'oak-12', title: '12 Oak Street', url: 'https://oak.example/l/oak-12', imageUrl: 'https://oak.example/12.jpg',
        firstSeenAt: day(1), lastSeenAt: day(3), views: 4, inquiries: 3, leads: 2,
      },
    ]);
  });

  it('filters by site with `site`, like the other lists; `siteId` (its old name) still works, and both agreeing too', async () => {
    const refs = async (query: string) => {
      const res = await alice.get(`/v1/listings?${query}&from=2026-03-01&to=2026-03-10`);
      expect(res.status, query).toBe(200);
      return res.body.items.map((l: { listingRef: string }) => l.listingRef);
    };
    expect(await refs(`site=${maple}`)).toEqual(['maple-7']);
    expect(await refs(`site=${oak}`)).toEqual(['elm-3', 'oak-12']);
    expect(await refs(`siteId=${maple}`)).toEqual(['maple-7']);
    expect(await refs(`site=${maple}&siteId=${maple.toUpperCase()}`)).toEqual(['maple-7']);
    expect(await refs('site=')).toEqual(['maple-7', 'elm-3', 'oak-12']);
  });

  it('covers all sites without siteId, and pages with a cursor', async () => {
    const all = await alice.get('/v1/listings?from=2026-03-01&to=2026-03-10');
    expect(all.body.items.map((l: { listingRef: string }) => l.listingRef)).toEqual(['maple-7', 'elm-3', 'oak-12']);
    const seen = (await readAllPages<{ listingRef: string }>(alice, '/v1/listings', 1)).map((l) => l.listingRef);
    expect(seen).toEqual(['maple-7', 'elm-3', 'oak-12']);
  });

  it('refuses bad input with 400 and keeps realtors apart (404 for another realtor’s site)', async () => {
    for (const query of ['siteId=nope', 'site=nope', `site=${oak}&site=${maple}`, 'limit=0', 'limit=1000', 'cursor=garbage', 'from=2026-02-30', 'other=1']) {
      const res = await alice.get(`/v1/listings?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    // Two names for two different sites: which one was meant is unclear.
    const both = await alice.get(`/v1/listings?site=${oak}&siteId=${maple}`);
    expect(both.status).toBe(400);
    expect(both.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'siteId', message: 'Give site or its old name siteId, not two different sites' }] });
    expect((await alice.get('/v1/listings?site=nope')).body.error.details).toEqual([{ path: 'site', message: 'Not a site id' }]);
    for (const query of [`siteId=${oak}`, `site=${oak}`]) {
      const foreign = await bob.get(`/v1/listings?${query}`);
      expect(foreign.status, query).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
    }
    expect((await alice.get(`/v1/listings?siteId=${randomUUID()}`)).status).toBe(404);
    const own = await bob.get('/v1/listings');
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
  });
});
