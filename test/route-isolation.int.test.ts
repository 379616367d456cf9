// Tenant isolation generated from the router itself. Every authenticated route the app mounts
// (routeSpecsOf(createApp(…)), the same RouteSpec list that serves requests) is called by a
// second realtor, Bob:
// - a route with path params (`/v1/leads/:id/…`) gets the FIRST realtor's (Alice's) ids → 404
//   `not_found`, the answer mentions none of her data, and no table changes;
// - a GET route without params (a list, a summary, an export) never contains her ids or text,
//   and — since a count or a sum carries neither — answers Bob exactly as it did before any of
//   Alice's data existed (each of those answers does change for Alice, which shows her fixtures
//   would move it if her rows leaked in);
// - a uuid field of a query or body (`?site=`, `leadIds`, `moveTo`) given Alice's id answers
//   exactly as it does for an id that exists nowhere, and changes no table.
// A route whose param or uuid field is not mapped (RESOURCES, UUID_FIELDS), or whose body schema
// rejects `{}` with no entry in SAMPLE_BODIES (SCOPED_BODIES for a body with uuid fields), FAILS
// the suite with a message naming what to add — so no new route goes untested.
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
// - A query or body field that is a uuid: map its name to a RESOURCES key in UUID_FIELDS; a write
//   whose body has one needs SCOPED_BODIES (a valid body from the caller's own ids).
// - A GET whose answer does not move with Alice's fixtures (a per-person setting): the "lists"
//   test names it; add a fixture that changes it for Alice, or put it in UNMOVED_BY_FIXTURES with
//   the reason.
// - A route that is not about a tenant's rows at all (e.g. the event catalogue) goes in
//   NOT_TENANT_DATA with the reason.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '#api/app.ts';
import { routeSpecsOf } from '#api/route.ts';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent, makeListing, makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import {
  type Alice, routeKey as key, MARKER, MARKER_LISTING_REF, makeAlice, NOT_TENANT_DATA, paramKeys, RESOURCES, SAMPLE_BODIES, SAMPLE_QUERIES, SCOPED_BODIES, type Spec, UUID_FIELDS, uuidFields,
} from '#test/route-isolation-resources.ts';
import { snapshotTables as snapshotAllTables } from '#test/table-snapshot.ts';

let server: TestServer;
let specs: Spec[];
let alice: Alice & { ids: Map<string, string> };
let bob: Alice & { ids: Map<string, string> };
let aliceIds: Map<string, string>;
let aliceEmail: string;
/** Bob's and Alice's answers to every parameter-less GET before any fixture of Alice's existed. */
let bobBefore: Map<string, Answer>;
let aliceBefore: Map<string, Answer>;
/** When those were read: answers over "the last 30 days" or "today" move at midnight without anyone's data changing. */
let readBeforeAt: Date;

/** Every table's content except what a request by anyone may touch (a session’s last use: VOLATILE_COLUMNS in test/table-snapshot.ts). */
const snapshotTables = () => snapshotAllTables(server.sql);

/**
 * Answer fields that legitimately differ between two readings of the same data — named, so
 * nothing else is hidden: when Bob's own session was last used (it slides every
 * SESSION_TOUCH_INTERVAL_MS, so a slow run may see it move), and how long his uncontacted lead
 * has waited (Today, counted up to the request's clock). Nothing else needed blanking: no answer
 * carries the instant it was computed, and Bob's ids all exist before his first reading.
 */
const VOLATILE_ANSWER_FIELDS = new Set(['lastSeenAt', 'waitingSeconds']);

interface Answer { status: number; text: string }

/** `text` parsed and with VOLATILE_ANSWER_FIELDS blanked, for comparing two readings. */
function normalised(answer: Answer): unknown {
  const blank = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(blank);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VOLATILE_ANSWER_FIELDS.has(k) ? '<volatile>' : blank(x)]));
    return v;
  };
  try {
    return { status: answer.status, body: blank(JSON.parse(answer.text)) };
  } catch {
    return { status: answer.status, body: answer.text }; // the CSV export
  }
}

/** The authenticated GET routes without params (lists, summaries, exports). */
const parameterlessReads = () => specs.filter((s) => s.auth === 'realtor' && s.method === 'get' && !paramKeys(s.path).length && !NOT_TENANT_DATA[key(s)]);

/**
 * One reading of `spec` as `client`. `fresh` bypasses the answer cache (analytics), which would
 * otherwise serve the reading from before Alice's fixtures. null: an event stream (never ends).
 */
async function read(client: ApiClient, spec: Spec, { fresh = true } = {}): Promise<Answer | null> {
  const query = SAMPLE_QUERIES[key(spec)] ? `?${SAMPLE_QUERIES[key(spec)]}` : '';
  const res = await fetch(`${server.url}${spec.path}${query}`, {
    headers: { cookie: client.cookie, ...(fresh ? { 'cache-control': 'no-cache' } : {}) },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    await res.body?.cancel();
    return null;
  }
  return { status: res.status, text: await res.text() };
}

async function readAll(client: ApiClient): Promise<Map<string, Answer>> {
  const out = new Map<string, Answer>();
  for (const spec of parameterlessReads()) {
    const answer = await read(client, spec);
    if (answer) out.set(key(spec), answer);
  }
  return out;
}

/**
 * GET routes whose answer Alice's fixtures do not change, with the reason: for these the
 * before/after comparison proves nothing, and another check must (the text search for her email).
 */
const UNMOVED_BY_FIXTURES: Record<string, string> = {
  'GET /v1/auth/me': "the signed-in person's own record: a leak shows Alice's email, which the text search looks for",
  'GET /v1/account': "the signed-in person's own record: a leak shows Alice's email, which the text search looks for",
};

beforeAll(async () => {
  server = await startTestServer();
  specs = [...routeSpecsOf(createApp({ ...server.runtime, config: server.config }))];
  const aliceClient = new ApiClient(server.url);
  const signedUp = await aliceClient.signUp();
  aliceEmail = signedUp.email;
  alice = makeAlice(aliceClient, signedUp.userId, server);
  aliceIds = alice.ids;
  const bobClient = new ApiClient(server.url);
  const { userId: bobUserId } = await bobClient.signUp();
  bob = makeAlice(bobClient, bobUserId, server, { marker: 'Bob-Own-Fixture', handle: 'bob' });
  // Bob has one of everything Alice will have, so his lists and counts are not trivially empty
  // and a uuid field can be given his own ids everywhere but the one under test.
  for (const k of Object.keys(RESOURCES)) await bob.id(k);
  await addAnalytics(bob, 'bob-listing');
  readBeforeAt = new Date();
  bobBefore = await readAll(bob.client);
  aliceBefore = await readAll(alice.client);
});
afterAll(async () => {
  await server?.close();
});

/** An analytics event on a listing with its listings row, both rolled up as the worker would. */
async function addAnalytics(owner: Alice, listingRef: string) {
  const siteId = await owner.id('sites/:id');
  await makeEvent(server, { leadId: await owner.id('leads/:id'), type: 'page_view', siteId, visitorId: `v_${owner.handle}`, listingRef });
  await makeListing(server, { userId: owner.userId, siteId, listingRef, title: `${owner.marker} listing`, url: `https://${owner.handle}.example/listing` });
  await rollupEvents({ em: server.orm.em.fork() as EntityManager, lagMs: 0 });
}

describe('tenant isolation, generated from the router', () => {
  it('the router lists the authenticated routes (sanity: the generator sees them)', () => {
    const realtor = specs.filter((s) => s.auth === 'realtor').map(key);
    expect(realtor).toEqual(expect.arrayContaining(['GET /v1/leads/:id', 'DELETE /v1/reminders/:id', 'GET /v1/webhook-deliveries/:id', 'GET /v1/leads']));
    expect(realtor.length).toBeGreaterThan(40);
  });

  it('every param and uuid field of every authenticated route is mapped, and every write body has a valid sample', async () => {
    const missing: string[] = [];
    for (const spec of specs.filter((s) => s.auth === 'realtor')) {
      for (const k of paramKeys(spec.path)) if (!RESOURCES[k]) missing.push(`${key(spec)}: add RESOURCES['${k}'] (how to create one of Alice's)`);
      if (spec.body && paramKeys(spec.path).length) {
        const sample = SAMPLE_BODIES[key(spec)] ?? {};
        if (!(spec.body as z.ZodType).safeParse(sample).success) missing.push(`${key(spec)}: add SAMPLE_BODIES['${key(spec)}'] (a body its schema accepts)`);
      }
      for (const f of [...uuidFields(spec.query), ...uuidFields(spec.body)]) {
        if (!UUID_FIELDS[f] || !RESOURCES[UUID_FIELDS[f]]) missing.push(`${key(spec)}: add UUID_FIELDS['${f}'] (the RESOURCES key of what it names)`);
      }
      if (uuidFields(spec.body).length) {
        if (!SCOPED_BODIES[key(spec)]) missing.push(`${key(spec)}: add SCOPED_BODIES['${key(spec)}'] (valid bodies from the caller's own ids)`);
        else for (const b of await SCOPED_BODIES[key(spec)](bob)) if (!(spec.body as z.ZodType).safeParse(b).success) missing.push(`${key(spec)}: SCOPED_BODIES gives a body its schema rejects: ${JSON.stringify(b)}`);
      }
    }
    expect(missing, 'routes the isolation suite cannot test yet').toEqual([]);
  });
  it("another realtor using the first realtor's ids gets 404 on every route with an id, sees nothing and changes nothing", { timeout: 120_000 }, async () => {
    const withParams = specs.filter((s) => s.auth === 'realtor' && paramKeys(s.path).length && paramKeys(s.path).every((k) => RESOURCES[k]));
    await makeAliceFixtures();
    const before = await snapshotTables();
    const secrets = [...aliceIds.values(), MARKER, 'alice-private-lead', aliceEmail];

    const answers: string[] = [];
    for (const spec of withParams) {
      let path = spec.path;
      for (const k of paramKeys(spec.path)) path = path.replace(k.slice(k.indexOf('/') + 1), aliceIds.get(k)!);
      const query = SAMPLE_QUERIES[key(spec)] ? `?${SAMPLE_QUERIES[key(spec)]}` : '';
      const res = await bob.client.request(spec.method.toUpperCase(), path + query, spec.body ? { json: SAMPLE_BODIES[key(spec)] ?? {} } : {});
      answers.push(`${key(spec)} → ${res.status}`);
      expect(res.status, `${key(spec)} as another realtor: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      const text = JSON.stringify(res.body);
      for (const s of secrets.filter((x) => x !== aliceIds.get(paramKeys(spec.path).at(-1)!))) expect(text, key(spec)).not.toContain(s);
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(await snapshotTables(), 'a table changed (the diff names it)').toEqual(before);
    // Alice still reaches all of it: through its own GET route, or else the list it appears in
    // (a session, an API key, a held inquiry have no single-item read). None may be skipped.
    const reads = specs.filter((s) => s.auth === 'realtor' && s.method === 'get');
    const substitute = (path: string) => paramKeys(path).reduce((p, k) => p.replace(k.slice(k.indexOf('/') + 1), aliceIds.get(k)!), path);
    for (const [k, id] of aliceIds) {
      const one = reads.find((s) => s.path.endsWith(`/${k}`) && paramKeys(s.path).every((p) => aliceIds.has(p)));
      const list = reads.find((s) => s.path.endsWith(`/${k.split('/')[0]}`) && paramKeys(s.path).every((p) => aliceIds.has(p)));
      expect(one ?? list, `${k}: no GET route reads it back`).toBeDefined();
      const res = await alice.client.get(substitute((one ?? list)!.path));
      expect(res.status, `${k} as its owner`).toBe(200);
      if (!one) expect(JSON.stringify(res.body), `${k}: ${list!.path} as its owner`).toContain(id);
    }
  });

  it("another realtor's lists, summaries and exports answer exactly as before the first realtor had any data, and never contain her ids or text", { timeout: 60_000 }, async () => {
    const reads = parameterlessReads();
    expect(reads.length).toBeGreaterThan(5);
    await makeAliceFixtures();
    const secrets = [...aliceIds.values(), MARKER, 'alice-private-lead', aliceEmail];
    const unmoved: string[] = [];
    // Midnight (UTC, or in the accounts' default time zone) between the readings moves date
    // ranges and "today" for everyone: then only the text search below can run.
    const day = (at: Date, timeZone: string) => at.toLocaleDateString('en-CA', { timeZone });
    const dayTurned = ['UTC', 'America/New_York'].some((tz) => day(readBeforeAt, tz) !== day(new Date(), tz));
    for (const spec of reads) {
      const k = key(spec);
      const mine = await read(alice.client, spec);
      if (!mine) continue; // an event stream (the live feed): its own suite covers it
      // A fixture that moves nothing here would make the comparison below prove nothing.
      if (!UNMOVED_BY_FIXTURES[k] && JSON.stringify(normalised(mine)) === JSON.stringify(normalised(aliceBefore.get(k)!))) unmoved.push(k);
      // Right after Alice's reading: an answer cache keyed without the tenant would hand Bob hers.
      const cached = (await read(bob.client, spec, { fresh: false }))!;
      const fresh = (await read(bob.client, spec))!;
      expect(fresh.status, k).toBeLessThan(500);
      for (const answer of [fresh, cached]) {
        for (const s of secrets) expect(answer.text, `${k} shows ${s}`).not.toContain(s);
        if (!dayTurned) expect(normalised(answer), `${k}: Bob's answer changed when Alice's data was added`).toEqual(normalised(bobBefore.get(k)!));
      }
    }
    expect(unmoved, "reads Alice's fixtures do not change (add a fixture that does, or UNMOVED_BY_FIXTURES with the reason)").toEqual([]);
    // When a midnight fell between the readings (a few seconds a day), only the comparison of
    // date-ranged answers was left out; the search for Alice's data above still ran.
  });

  it("another realtor putting the first realtor's ids in a query or body field answers as for an id that exists nowhere, and changes nothing", { timeout: 60_000 }, async () => {
    await makeAliceFixtures();
    const secrets = [...aliceIds.values(), MARKER, 'alice-private-lead', aliceEmail];
    const routes = specs.filter((s) => s.auth === 'realtor' && uuidFields(s.query).length + uuidFields(s.body).length);
    expect(routes.length).toBeGreaterThan(10);
    let cases = 0;
    for (const spec of routes) {
      let path = spec.path;
      for (const k of paramKeys(spec.path)) path = path.replace(k.slice(k.indexOf('/') + 1), await bob.id(k));
      const bodies = spec.body ? await SCOPED_BODIES[key(spec)](bob) : [undefined];
      const fields = [...uuidFields(spec.query).map((f) => ({ f, in: 'query' as const })), ...uuidFields(spec.body).map((f) => ({ f, in: 'body' as const }))];
      for (const body of bodies) {
        for (const { f, in: where } of fields) {
          const name = f.replace(/\[\]$/, '');
          if (where === 'body' && !(name in (body as object))) continue; // another variant of the union has it
          const request = (id: string) => {
            const value = f.endsWith('[]') ? [id] : id;
            if (where === 'query') return bob.client.request(spec.method.toUpperCase(), `${path}?${name}=${id}`, spec.body ? { json: body } : {});
            return bob.client.request(spec.method.toUpperCase(), path, { json: { ...(body as object), [name]: value } });
          };
          const label = `${key(spec)} ${where} ${f}${body ? ` ${JSON.stringify(body)}` : ''}`;
          const before = await snapshotTables();
          const herId = await alice.id(UUID_FIELDS[f]);
          const unknownId = randomUUID();
          const hers = await request(herId);
          const nobodys = await request(unknownId);
          expect(await snapshotTables(), `${label}: a table changed`).toEqual(before);
          const text = typeof hers.body === 'string' ? hers.body : JSON.stringify(hers.body);
          for (const s of secrets.filter((x) => x !== herId)) expect(text, `${label} shows ${s}`).not.toContain(s);
          const masked = (res: { status: number; body: unknown }, id: string) => ({ status: res.status, body: JSON.parse(JSON.stringify(res.body ?? null).replaceAll(id, '<id>')) });
          expect(masked(hers, herId), `${label}: Alice's id answers unlike an unknown one`).toEqual(masked(nobodys, unknownId));
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(15);
  });
});

let aliceFixtures: Promise<void> | undefined;
/** Every RESOURCES entry of Alice's, plus analytics on a listing named with the MARKER (rolled up), so every aggregate she has moves. Once. */
function makeAliceFixtures(): Promise<void> {
  aliceFixtures ??= (async () => {
    for (const k of Object.keys(RESOURCES)) await alice.id(k);
    await addAnalytics(alice, MARKER_LISTING_REF);
    // A reminder already due, so the due/overdue counts move.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await makeReminder(server, { leadId: await alice.id('leads/:id'), userId: alice.userId, reminderDate: hourAgo, firedAt: hourAgo, status: 'due', message: `${MARKER} overdue call` });
    // Her settings away from the defaults Bob still has: a query that read another person's
    // settings row would answer Bob with these. New scoring rules also start a rescore of her leads.
    const expectSaved = (res: { status: number; body: unknown }) => expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    expectSaved(await alice.client.patch('/v1/notification-preferences', { alertDigest: true, digestHour: 9 }));
    expectSaved(await alice.client.put('/v1/reminder-settings', { hotLeadEnabled: false, hotLeadDelayMinutes: 90, inquiryUnansweredEnabled: true, inquiryUnansweredHours: 48 }));
    const { rules } = (await alice.client.get('/v1/scoring-rules')).body;
    expectSaved(await alice.client.put('/v1/scoring-rules', { rules: { ...rules, halfLifeDays: rules.halfLifeDays + 7 } }));
  })();
  return aliceFixtures;
}
