// The answer cache of the analytics routes (api/answer-cache.ts) over real HTTP and Postgres:
// what is served from it, what computes afresh, and that one realtor never gets another's answer.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent, makeLead, makeRealtor, makeSite } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';
import { ANSWER_CACHE_MAX_ENTRIES, AnswerCache } from './answer-cache.ts';

let server: TestServer;
let alice: ApiClient;
let aliceId: string;
let bob: ApiClient;
let oak: string;
const RANGE = '/v1/analytics/summary?from=2026-03-01&to=2026-03-03';
const views = (body: { eventsPerDay: { count: number }[] }) => body.eventsPerDay.reduce((n, d) => n + d.count, 0);

beforeAll(async () => {
  server = await startTestServer({ ANALYTICS_CACHE_SECONDS: '60' });
  ({ client: alice, userId: aliceId } = await makeRealtor(server));
  ({ client: bob } = await makeRealtor(server));
  oak = (await makeSite({ client: alice }, { name: 'Oak Realty' })).siteId;
  await makeEvent(server, { siteId: oak, type: 'page_view', at: '2026-03-01T10:00:00Z', listingRef: 'oak-12' });
});
afterAll(async () => {
  await server?.close();
});

describe('analytics answers cached per realtor (ANALYTICS_CACHE_SECONDS)', () => {
  it('serves a repeat from the cache with its Age; Cache-Control: no-cache computes afresh', async () => {
    const first = await alice.get(RANGE);
    expect(first.status).toBe(200);
    expect(first.headers.get('age')).toBe('0');
    expect(views(first.body)).toBe(1);
    // Widget traffic lands in Postgres without passing through this realtor's requests.
    await makeEvent(server, { siteId: oak, type: 'page_view', at: '2026-03-02T10:00:00Z', listingRef: 'oak-12' });
    const repeat = await alice.get(RANGE);
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('content-type')).toMatch(/^application\/json/);
    expect(repeat.headers.get('cache-control')).toBe('no-store');
    expect(Number(repeat.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(repeat.body).toEqual(first.body);
    const fresh = await alice.request('GET', RANGE, { headers: { 'cache-control': 'no-cache' } });
    expect(fresh.headers.get('age')).toBe('0');
    expect(views(fresh.body)).toBe(2);
    // …and the fresh answer is what the next request gets.
    expect(views((await alice.get(RANGE)).body)).toBe(2);
  });

  it('a write by the same realtor clears their answers at once', async () => {
    const before = await alice.get('/v1/analytics/summary');
    expect(before.body.bands).toEqual({ hot: 0, warm: 0, cold: 0 });
    expect((await alice.post('/v1/leads', { name: 'Walk-in buyer' })).status).toBe(201);
    const after = await alice.get('/v1/analytics/summary');
    expect(after.headers.get('age')).toBe('0');
    expect(after.body.bands).toEqual({ hot: 0, warm: 0, cold: 1 });
    const leads = await alice.get('/v1/analytics/leads');
    expect(leads.status).toBe(200);
    await makeLead(server, { userId: aliceId, siteId: oak, name: 'Seeded' });
    expect((await alice.get('/v1/analytics/leads')).body).toEqual(leads.body); // cached: written behind the API's back
    expect((await alice.patch(`/v1/sites/${oak}`, { name: 'Oak Realty & Co' })).status).toBe(200);
    expect((await alice.get('/v1/analytics/leads')).body.funnel.leads).toBe(leads.body.funnel.leads + 1);
  });

  it('never serves one realtor’s answer to another, and never keeps an error', async () => {
    const own = await alice.get(RANGE);
    expect(views(own.body)).toBe(2);
    const other = await bob.get(RANGE);
    expect(other.status).toBe(200);
    expect(other.body.eventsPerDay).toEqual([]);
    expect(other.headers.get('age')).toBe('0');
    const foreign = `${RANGE}&site=${oak}`;
    expect((await bob.get(foreign)).status).toBe(404);
    expect((await bob.get(foreign)).status).toBe(404);
    expect((await alice.get(foreign)).status).toBe(200);
  });

  it('concurrent requests for one answer share its computation', async () => {
    const cache = new AnswerCache(60_000);
    const tenant = { accountId: 'a', userId: 'a', role: 'owner' as const };
    let computed = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const compute = async () => {
      computed++;
      await gate;
      return `{"n":${computed}}`;
    };
    const answers = Array.from({ length: 5 }, () => cache.answer(tenant, '/x', false, compute));
    release();
    expect((await Promise.all(answers)).map((a) => a.json)).toEqual(Array(5).fill('{"n":1}'));
    expect(computed).toBe(1);
    // Another user of the same account (a brokerage's agent) has answers of their own.
    await cache.answer({ ...tenant, userId: 'b', role: 'agent' }, '/x', false, compute);
    expect(computed).toBe(2);
    // A failed computation is not kept: the next request computes again.
    await expect(cache.answer(tenant, '/y', false, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.answer(tenant, '/y', false, compute)).json).toBe('{"n":3}');
  });

  it('keeps at most ANSWER_CACHE_MAX_ENTRIES answers, drops expired ones as new ones arrive, and invalidates one account only', async () => {
    const cache = new AnswerCache(60_000);
    const tenant = (id: string) => ({ accountId: id, userId: id, role: 'owner' as const });
    for (let i = 0; i < ANSWER_CACHE_MAX_ENTRIES + 10; i++) await cache.answer(tenant(`a${i % 3}`), `/x?i=${i}`, false, async () => `{"i":${i}}`);
    expect(cache.size).toBe(ANSWER_CACHE_MAX_ENTRIES);
    // The oldest went first: /x?i=0 is computed again, the newest is still served.
    let computed = 0;
    await cache.answer(tenant('a0'), '/x?i=0', false, async () => `${++computed}`);
    expect(computed).toBe(1);
    expect((await cache.answer(tenant(`a${(ANSWER_CACHE_MAX_ENTRIES + 9) % 3}`), `/x?i=${ANSWER_CACHE_MAX_ENTRIES + 9}`, false, async () => 'new')).json).not.toBe('new');
    const before = cache.size;
    cache.invalidate('a1');
    expect(cache.size).toBe(before - Math.floor(before / 3));

    const short = new AnswerCache(20);
    await short.answer(tenant('b'), '/y', false, async () => '1');
    await short.answer(tenant('b'), '/z', false, async () => '2');
    expect(short.size).toBe(2);
    await vi.waitFor(async () => {
      await short.answer(tenant('c'), '/w', false, async () => '3');
      expect(short.size).toBe(1); // both of b's expired and were dropped
    });
  });
});
