// Tenant isolation generated from the router itself. Every authenticated route the app mounts
// (routeSpecsOf(createApp(…)), the same RouteSpec list that serves requests) is called by a
// second realtor, Bob:
// - a route with path params (`/v1/leads/:id/…`) gets the FIRST realtor's (Alice's) ids → 404
//   `not_found`, the answer mentions none of her data, and no table changes;
// - a GET route without params (a list, a summary, an export) never contains her ids or text.
// A route whose param is not in RESOURCES, or whose body schema rejects `{}` with no entry in
// SAMPLE_BODIES, FAILS the suite with a message naming what to add — so no new route goes
// untested.
//
// HOW TO COVER A NEW ROUTE (usually one line, often none) — the tables live in
// test/route-isolation-resources.ts and serve the hostile-input corpus too:
// - Its params are named after the collection before them: `/v1/<collection>/:<param>`. The key
//   is `<collection>/:<param>`, e.g. `leads/:id`, `activities/:activityId`. Routes whose keys are
//   already in RESOURCES (any `/v1/leads/:id/…`, `/v1/reminders/:id/…`) are tested automatically.
// - A new key: add `'<collection>/:<param>': (alice) => <create the resource as Alice, return its id>`
//   to RESOURCES (use `alice.client` for the API, `alice.id('leads/:id')` for a parent, or a
//   factory from test/factories.ts).
// - A write whose body schema does not accept `{}`: add a valid body under `'<METHOD> <path>'` to
//   SAMPLE_BODIES (it is checked against the route's own schema before it is sent). Likewise
//   SAMPLE_QUERIES for a GET whose query schema needs parameters.
// - A route that is not about a tenant's rows at all (e.g. the event catalogue) goes in
//   NOT_TENANT_DATA with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '#api/app.ts';
import { routeSpecsOf } from '#api/route.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { type Alice, MARKER, makeAlice, NOT_TENANT_DATA, paramKeys, RESOURCES, routeKey as key, SAMPLE_BODIES, SAMPLE_QUERIES, type Spec } from '#test/route-isolation-resources.ts';

let server: TestServer;
let specs: Spec[];
let alice: Alice & { ids: Map<string, string> };
let bob: ApiClient;
let aliceIds: Map<string, string>;

/** Every table's content except bookkeeping that a request by anyone may touch. */
async function snapshotTables(): Promise<Record<string, string>> {
  const tables = await server.sql<{ t: string }>(
    "select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('sessions', 'mikro_orm_migrations') order by 1",
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await server.sql<{ h: string | null }>(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${t}" x`);
    out[t] = row.h ?? '';
  }
  return out;
}

beforeAll(async () => {
  server = await startTestServer();
  specs = [...routeSpecsOf(createApp({ ...server.runtime, config: server.config }))];
  const aliceClient = new ApiClient(server.url);
  const { userId } = await aliceClient.signUp();
  alice = makeAlice(aliceClient, userId, server);
  aliceIds = alice.ids;
  bob = new ApiClient(server.url);
  await bob.signUp();
  // Bob has rows of his own, so his lists are not trivially empty.
  expect((await bob.post('/v1/leads', { name: 'Bob lead', email: 'bob-lead@example.com' })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

describe('tenant isolation, generated from the router', () => {
  it('the router lists the authenticated routes (sanity: the generator sees them)', () => {
    const realtor = specs.filter((s) => s.auth === 'realtor').map(key);
    expect(realtor).toEqual(expect.arrayContaining(['GET /v1/leads/:id', 'DELETE /v1/reminders/:id', 'GET /v1/webhook-deliveries/:id', 'GET /v1/leads']));
    expect(realtor.length).toBeGreaterThan(40);
  });

  it('every param of every authenticated route has a RESOURCES entry, and every write body a valid sample', () => {
    const missing: string[] = [];
    for (const spec of specs.filter((s) => s.auth === 'realtor')) {
      for (const k of paramKeys(spec.path)) if (!RESOURCES[k]) missing.push(`${key(spec)}: add RESOURCES['${k}'] (how to create one of Alice's)`);
      if (spec.body && paramKeys(spec.path).length) {
        const sample = SAMPLE_BODIES[key(spec)] ?? {};
        if (!(spec.body as z.ZodType).safeParse(sample).success) missing.push(`${key(spec)}: add SAMPLE_BODIES['${key(spec)}'] (a body its schema accepts)`);
      }
    }
    expect(missing, 'routes the isolation suite cannot test yet').toEqual([]);
  });

  it("another realtor using the first realtor's ids gets 404 on every route with an id, sees nothing and changes nothing", { timeout: 120_000 }, async () => {
    const withParams = specs.filter((s) => s.auth === 'realtor' && paramKeys(s.path).length && paramKeys(s.path).every((k) => RESOURCES[k]));
    // Create every resource first (some are parents of others), then look at the tables.
    for (const spec of withParams) for (const k of paramKeys(spec.path)) await alice.id(k);
    await makeEvent(server, { leadId: await alice.id('leads/:id'), type: 'page_view', siteId: await alice.id('sites/:id'), visitorId: 'v_alice', listingRef: 'alice-listing' });
    const before = await snapshotTables();
    const secrets = [...aliceIds.values(), MARKER, 'alice-private-lead'];

    const answers: string[] = [];
    for (const spec of withParams) {
      let path = spec.path;
      for (const k of paramKeys(spec.path)) path = path.replace(k.slice(k.indexOf('/') + 1), aliceIds.get(k)!);
      const query = SAMPLE_QUERIES[key(spec)] ? `?${SAMPLE_QUERIES[key(spec)]}` : '';
      const res = await bob.request(spec.method.toUpperCase(), path + query, spec.body ? { json: SAMPLE_BODIES[key(spec)] ?? {} } : {});
      answers.push(`${key(spec)} → ${res.status}`);
      expect(res.status, `${key(spec)} as another realtor: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      const text = JSON.stringify(res.body);
      for (const s of secrets.filter((x) => x !== aliceIds.get(paramKeys(spec.path).at(-1)!))) expect(text, key(spec)).not.toContain(s);
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(await snapshotTables()).toEqual(before);
    // Alice still reaches all of it.
    for (const [k, id] of aliceIds) {
      const [collection] = k.split('/');
      if (collection === 'api-keys') continue; // no single-key read route
      const res = await alice.client.get(`/v1/${collection}/${id}`);
      if (res.status === 405 || (res.status === 404 && res.body.error.message.startsWith('No route'))) continue;
      expect(res.status, `${k} as its owner`).toBe(200);
    }
  });

  it("another realtor's lists, summaries and exports never contain the first realtor's ids or text", async () => {
    const reads = specs.filter((s) => s.auth === 'realtor' && s.method === 'get' && !paramKeys(s.path).length && !NOT_TENANT_DATA[key(s)]);
    expect(reads.length).toBeGreaterThan(5);
    for (const k of Object.keys(RESOURCES)) if (['sites/:id', 'leads/:id', 'reminders/:id', 'api-keys/:id', 'webhook-endpoints/:id'].includes(k)) await alice.id(k);
    const secrets = [...aliceIds.values(), MARKER, 'alice-private-lead'];
    for (const spec of reads) {
      const query = SAMPLE_QUERIES[key(spec)] ? `?${SAMPLE_QUERIES[key(spec)]}` : '';
      const res = await fetch(`${server.url}${spec.path}${query}`, { headers: { cookie: bob.cookie }, signal: AbortSignal.timeout(10_000) }).catch((err) => {
        // A stream that never ends (an SSE feed): what arrived so far is checked below.
        if ((err as Error).name === 'TimeoutError') return null;
        throw err;
      });
      if (!res) continue;
      expect(res.status, key(spec)).toBeLessThan(500);
      if (res.headers.get('content-type')?.includes('text/event-stream')) {
        await res.body?.cancel();
        continue;
      }
      const text = await res.text();
      for (const s of secrets) expect(text, `${key(spec)} shows ${s}`).not.toContain(s);
    }
  });
});
