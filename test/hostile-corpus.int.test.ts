// A corpus of malformed and hostile payloads against EVERY write route the router mounts (public
// and authenticated, enumerated with routeSpecsOf): naughty strings, control characters, NUL,
// lone surrogates, huge and non-finite numbers, wrong types, deep nesting, prototype-pollution
// keys, oversized, truncated and non-UTF-8 bodies, wrong content types, hostile path params.
// - Phase A, payloads the route's own schema rejects (or that are not JSON at all): every answer
//   is a 4xx JSON error, and no table's content changes (a hash of every row, test/table-snapshot.ts).
// - Phase B, a valid body per route (validBases, or the isolation suite's samples) with one hostile
//   value put at one place at a time — every field, array and object gets each naughty string and
//   hostile value, every object each prototype-pollution key; up to 100 refused and 30 accepted by
//   the schema per route. Never a 5xx; a body the schema refuses changes no table; a 4xx changes no
//   table; a 2xx stored each hostile string exactly as parsed (found in some table; passwords are
//   proved by logging in with them). Every route gets some past its schema (NO_FREE_TEXT lists those
//   with no field that can take one), and each public route that stores data stores some.
// - Phase C, hostile query strings (the same strings, duplicated and bracketed keys, broken
//   percent-escapes) on every route with a query schema, GET and DELETE alike: never a 5xx, and a
//   400 gives issue paths.
// The app process keeps serving throughout. Payloads are deterministic (fast-check, fixed seed).
// A new route is covered automatically; its params need an entry in
// test/route-isolation-resources.ts (the isolation suite fails until they have one).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '#api/app.ts';
import { DEFAULT_JSON_LIMIT_BYTES } from '#api/middleware/body.ts';
import { routeSpecsOf } from '#api/route.ts';
import { issueAccountToken } from '#core/accounts/account-tokens.ts';
import { IMPORTS_PER_ACCOUNT_PER_HOUR } from '#core/leads/import-schemas.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { NAUGHTY_STRINGS } from '#test/hostile-strings.ts';
import { CHROME_UA, ipSource } from '#test/ingest.ts';
import { type Alice, makeAlice, paramKeys, RESOURCES, routeKey, SAMPLE_BODIES, SCOPED_BODIES, type Spec } from '#test/route-isolation-resources.ts';
import { snapshotTables, tablesHolding } from '#test/table-snapshot.ts';

const ORIGIN = 'https://hostile.example';
const nextIp = ipSource(57);

/** Values of the wrong type or out of every range. */
const HOSTILE_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, -0.0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, [], [null], {}, { a: 1 },
  [[[[[[[[[[]]]]]]]]]], Array.from({ length: 2000 }, (_, i) => i), { length: 1e9 }, { toString: 'x' }, { valueOf: 1 },
];
/** Bodies that are not (acceptable) JSON, sent raw. */
const RAW_BODIES: Array<[string, string | Uint8Array]> = [
  ['truncated object', '{"name": "Dana", "email":'], ['lone brace', '{'], ['lone bracket', '['], ['unterminated string', '"abc'],
  ['trailing comma', '{"a":1,}'], ['single quotes', "{'a':1}"], ['NaN literal', '{"a":NaN}'], ['Infinity literal', '{"a":Infinity}'],
  ['comment', '{"a":1 /* c */}'], ['BOM prefix', '\uFEFF{"a":1}'], ['raw NUL', '{"a":"\u0000"}'], ['escaped NUL', '{"name":"\\u0000"}'],
  ['escaped lone surrogate', '{"name":"\\ud800"}'], ['number overflow', '{"a":1e400}'], ['huge integer', `{"a":${'9'.repeat(5000)}}`],
  ['deep array nesting', '['.repeat(100_000)], ['deep nesting closed', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ['deep object nesting', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`], ['__proto__ key', '{"__proto__":{"admin":true},"name":"x"}'],
  ['nested __proto__', '{"name":"x","events":[{"__proto__":{"polluted":1}}]}'], ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}'],
  ['prototype key', '{"prototype":{"x":1}}'], ['duplicate keys', '{"name":1,"name":{"x":2}}'], ['null', 'null'], ['number', '42'],
  ['string', '"hello"'], ['true', 'true'], ['array', '[]'], ['whitespace', ' \n\t '], ['empty', ''], ['NUL bytes', '\u0000\u0000\u0000'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d])],
  ['overlong UTF-8 NUL', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d])],
  ['oversized body', `{"name":"${'a'.repeat(300_000)}"}`], ['many keys', `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
];
/** Path params that cannot name anything. */
const HOSTILE_PARAMS = ['not-a-uuid', '0', '-1', '%00', '..%2f..%2fetc%2fpasswd', '%27%20or%201%3D1--', '%F0%9F%8F%A0', `${randomUUID()}%00`, 'A'.repeat(2000), '00000000-0000-0000-0000-00000000000g'];

let server: TestServer;
let writes: Spec[];
let alice: Alice;
let siteKey: string;

/** The property names a body schema knows (through unions and intersections), from its JSON Schema. */
function bodyProperties(schema: z.ZodType): string[] {
  const names = new Set<string>();
  const walk = (s: any) => {
    if (!s || typeof s !== 'object') return;
    if (s.properties) for (const k of Object.keys(s.properties)) names.add(k);
    for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(s[key])) for (const inner of s[key]) walk(inner);
  };
  walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
  return [...names];
}

/** Deterministic JSON-ish bodies for a route: every property given each hostile value, plus fast-check mixes. */
function generatedBodies(spec: Spec, seed: number): unknown[] {
  const props = bodyProperties(spec.body as z.ZodType);
  const values = [...NAUGHTY_STRINGS, ...HOSTILE_VALUES];
  const bodies: unknown[] = [];
  // Each value in one property at a time (rotating through the properties), then all at once.
  for (const [i, v] of values.entries()) bodies.push(props.length ? { [props[i % props.length]]: v } : { x: v });
  for (const v of HOSTILE_VALUES.slice(0, 8)) bodies.push(Object.fromEntries(props.map((p) => [p, v])));
  // Arrays where objects are expected and the other way round.
  bodies.push(props.map(() => 'x'), [Object.fromEntries(props.map((p) => [p, 'x']))]);
  // Random structures over the known keys: fast-check's JSON values with hostile strings.
  const arbitrary = fc.dictionary(fc.constantFrom(...(props.length ? props : ['x']), 'extra', 'toString', 'hasOwnProperty'), fc.oneof(fc.constantFrom(...values), fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 40 })), { maxKeys: 4 });
  bodies.push(...fc.sample(arbitrary, { seed, numRuns: 25 }));
  return bodies;
}

/** Keys a client may add to any object: prototype pollution, shadowed Object methods, a key no schema knows. */
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'zzUnknown'];
const EXTRA_VALUES: unknown[] = [{ polluted: 'yes' }, 'x', 1, null];

type Path = Array<string | number>;
const pathText = (path: Path) => path.join('.');
const short = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 60);

/** One hostile value at one place of `body`: every node below the root (leaf, array, object) gets each value; every object gets each extra key. */
function variantsOf(body: unknown): Array<{ path: Path; value: unknown }> {
  const nodes: Path[] = [];
  const objects: Path[] = [];
  const walk = (v: unknown, at: Path) => {
    if (at.length) nodes.push(at);
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...at, i]);
    } else if (v && typeof v === 'object') {
      objects.push(at);
      for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    }
  };
  walk(body, []);
  return [
    ...nodes.flatMap((path) => [...NAUGHTY_STRINGS, ...HOSTILE_VALUES].map((value) => ({ path, value }))),
    ...objects.flatMap((at) => EXTRA_KEYS.flatMap((k) => EXTRA_VALUES.map((value) => ({ path: [...at, k], value })))),
  ];
}

/** `body` with `value` at `path`, as an own enumerable property even for `__proto__` (so JSON.stringify sends it). */
function withValue(body: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, any>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k];
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function valueAt(v: unknown, path: Path): unknown {
  let node = v as any;
  for (const k of path) node = node != null && typeof node === 'object' && Object.hasOwn(node, k) ? node[k] : undefined;
  return node;
}

/** The non-empty strings in `v` (itself, or nested in arrays and objects). */
function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}

function pathFor(spec: Spec, ids: Record<string, string>, hostileParam?: string): string {
  let path = spec.path;
  for (const k of paramKeys(spec.path)) path = path.replace(k.slice(k.indexOf('/') + 1), hostileParam ?? ids[k] ?? randomUUID());
  return path;
}

/** Sends `body` to the route as `as` (Alice by default) would; a session cookie the answer sets is kept in `as`. */
async function send(spec: Spec, path: string, body: string | Uint8Array | undefined, contentType = spec.allowTextPlain ? 'text/plain;charset=UTF-8' : 'application/json', as: ApiClient = alice.client) {
  const headers: Record<string, string> = { 'user-agent': CHROME_UA, 'x-forwarded-for': nextIp(), origin: ORIGIN };
  if (spec.auth === 'realtor') {
    headers.cookie = as.cookie;
    headers['x-csrf-token'] = as.csrfToken;
  }
  if (body !== undefined) headers['content-type'] = contentType;
  // An oversized body is refused (413) as soon as its Content-Length is read, and the server then
  // closes that connection; depending on timing the client sees a reset instead of the answer —
  // on that request, or on the next one sent over the same kept-alive socket. So: one retry on a
  // fresh connection, and a reset while sending a body over the route's limit counts as the
  // refusal it is. A crashed server fails the retry (and the "still serving" checks).
  const limit = spec.bodyLimitBytes ?? DEFAULT_JSON_LIMIT_BYTES;
  const size = typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
  let res: Response | undefined;
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await fetch(server.url + path, { method: spec.method.toUpperCase(), headers, body: body as BodyInit | undefined, redirect: 'manual' });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNRESET' && code !== 'EPIPE') throw err;
      if (size > limit) return { status: 413, text: '{"error":{"code":"payload_too_large"}}', contentType: 'application/json' };
      if (attempt > 0) throw err;
    }
  }
  // A realtor route that rotates the session (a password change) hands the sender a new cookie; a
  // public route's cookie (a signup's or a login's session) belongs to no one this suite sends as.
  if (spec.auth === 'realtor') for (const c of res.headers.getSetCookie()) if (c.startsWith('pl_session=')) as.cookie = c.split(';')[0];
  const text = await res.text();
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '' };
}

/** Fills in the site key where a public route names its site, so a payload gets past "unknown site". */
const withSite = (spec: Spec, body: unknown) =>
  spec.auth === 'public' && spec.allowTextPlain && body && typeof body === 'object' && !Array.isArray(body) && !('site' in body) ? { site: siteKey, ...body } : body;

interface User { client: ApiClient; userId: string; email: string; password: string }

/** A user signed up from an address of its own (signups are limited per IP), its session kept in `client`. */
async function makeUser(): Promise<User> {
  const client = new ApiClient(server.url);
  const input = { username: 'Hostile Corpus', email: `corpus-${randomUUID()}@example.com`, password: 'correct horse battery' };
  const res = await client.request('POST', '/v1/auth/signup', { json: input, headers: { 'x-forwarded-for': nextIp() } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  client.csrfToken = res.body.csrfToken;
  return { client, userId: res.body.user.userId, email: input.email, password: input.password };
}

/** Routes phase B sends as Carol (they change her password or sign-in email), not as Alice. */
const ACCOUNT_ROUTES = new Set(['POST /v1/account/password', 'POST /v1/account/email']);
/**
 * Routes with a small budget per account: phase B sends them as a new user each time the budget
 * is spent, so every valid hostile body reaches the database rather than a 429.
 */
const ACCOUNT_BUDGETS: Record<string, number> = { 'POST /v1/leads/import': IMPORTS_PER_ACCOUNT_PER_HOUR };
/**
 * Public routes that store what they are sent: phase B must see each accept some hostile bodies.
 * (A login stores nothing it is sent, and a hostile value makes its credentials wrong; a
 * forgot-password takes one email address: NO_FREE_TEXT.)
 */
const PUBLIC_ROUTES_THAT_STORE = ['POST /v1/collect', 'POST /v1/inquiries', 'POST /v1/auth/signup', 'POST /v1/auth/reset-password'];

/**
 * A valid body (fresh ids each call) for each write SAMPLE_BODIES and SCOPED_BODIES do not cover
 * and whose schema refuses `{}`: the public routes, Account settings, the creates. Phase B puts one
 * hostile value into it at a time. A new route without one fails phase B, naming it.
 */
function validBases({ carol, dave, erin }: { carol: User; dave: User; erin: User }): Record<string, () => unknown> {
  const reminder = { reminderDate: '2030-01-01T09:00:00Z', reminderMessage: 'Hostile reminder' };
  return {
    'POST /v1/auth/signup': () => ({ username: 'Hostile Signup', email: `signup-${randomUUID()}@example.com`, password: 'correct horse battery' }),
    'POST /v1/auth/login': () => ({ email: dave.email, password: dave.password }),
    // No link was sent: every one is refused (the token is what is checked); the body still reaches the lookup.
    'POST /v1/auth/verify-email': () => ({ token: 'x'.repeat(43) }),
    'POST /v1/auth/confirm-email-change': () => ({ token: 'x'.repeat(43) }),
    'POST /v1/auth/forgot-password': () => ({ email: `forgot-${randomUUID()}@example.com` }),
    // A live link for each request (a reset spends it), as the emailed one would be.
    'POST /v1/auth/reset-password': async () => ({
      token: (await issueAccountToken({ em: server.orm.em.fork(), userId: erin.userId, purpose: 'password_reset', ttlMs: 3_600_000 })).token,
      password: `reset ${randomUUID()}`,
    }),
    'POST /v1/account/password': () => ({ currentPassword: carol.password, newPassword: `changed ${randomUUID()}` }),
    'POST /v1/account/email': () => ({ newEmail: `carol-${randomUUID()}@example.com`, password: carol.password }),
    'POST /v1/api-keys': () => ({ name: 'Hostile key' }),
    'POST /v1/sites': () => ({ name: 'Hostile site', allowedOrigins: ['https://hostile-site.example'] }),
    'POST /v1/leads': () => ({ name: 'Hostile lead', email: `lead-${randomUUID()}@example.com`, phone: '555-010-0100', contactInfo: 'Evenings' }),
    'POST /v1/pipeline-stages': () => ({ label: 'Hostile stage' }),
    'PUT /v1/scoring-rules': () => ({ rules: {} }),
    'POST /v1/scoring-rules/preview': () => ({ rules: {} }),
    'PATCH /v1/notification-preferences': () => ({ alertNewInquiry: true, quietHoursEnabled: true, quietStart: '22:00', quietEnd: '07:00', digestHour: 8, timeZone: 'Europe/Paris' }),
    'PUT /v1/reminder-settings': () => ({ hotLeadEnabled: true, hotLeadDelayMinutes: 30, inquiryUnansweredEnabled: true, inquiryUnansweredHours: 24 }),
    'POST /v1/webhook-endpoints': () => ({ url: 'http://127.0.0.1:9/hostile-hook', description: 'Hostile hook' }),
    // A real import (not SCOPED_BODIES' dry run, which stores nothing), of a new person each time.
    'POST /v1/leads/import': () => ({ csv: `Name,Email\r\nHostile import ${randomUUID()},import-${randomUUID()}@example.com\r\n`, fileName: 'Hostile import.csv' }),
    // Not SCOPED_BODIES' first variant: phase B must not move or delete Alice's fixtures.
    'POST /v1/leads/bulk': async () => ({ action: 'reminder', leadIds: [await alice.id('leads/:id')], ...reminder }),
    'POST /v1/collect': () => ({
      site: siteKey, visitor: 'hostile-visitor',
      events: [{ id: randomUUID(), type: 'page_view', value: 'Hostile value', listing: 'L-1', url: `${ORIGIN}/listing/1`, ts: Date.now(), props: { k: 'Hostile prop' } }],
    }),
    'POST /v1/inquiries': () => ({
      site: siteKey, id: randomUUID(), visitor: 'hostile-visitor', name: 'Dana', email: `dana-${randomUUID()}@example.com`, phone: '555-010-0100',
      message: 'Is it still available?', listing: 'L-1', url: `${ORIGIN}/listing/1`, consent: true, consentText: 'I agree', consentVersion: 'v1',
    }),
  };
}

/**
 * Routes whose every field is an id, a date, an email address or an enum, and whose schema refuses
 * unknown keys: no hostile value passes it, so phase B sends them only refused bodies (with why).
 */
const NO_FREE_TEXT: Record<string, string> = {
  'POST /v1/auth/forgot-password': 'one field, an email address',
  'PUT /v1/pipeline-stages/order': 'a list of stage ids',
  'PUT /v1/leads/:id/stage': 'a stage id',
  'POST /v1/reminders/:id/snooze': 'a time',
};
/**
 * Accepted-by-schema bodies sent per route at most, picked evenly from its variants (each path gets
 * its share): every value is still tried as a refused body, and the cap keeps the suite near a minute.
 */
const VALID_PER_ROUTE = 30;
/** The same for bodies the schema refuses (phase A sends such bodies by the thousand). */
const REFUSED_PER_ROUTE = 100;

/**
 * Fields an accepted body does not store as sent, with why (route → the field's first path segment).
 * Everything else the schema outputs as a string must be found, exactly, in some table.
 */
const NOT_STORED: Record<string, Record<string, string>> = {
  'POST /v1/webhook-endpoints/:id/recover': { since: 'the time from which failed deliveries are sent again: read, not stored' },
  'POST /v1/leads/import': { csv: 'read into leads, each cell through the rules of POST /v1/leads: the file itself is not stored' },
  '*': { password: 'stored as a hash: the login after it proves it', currentPassword: 'checked, not stored', newPassword: 'stored as a hash: the login after it proves it', token: 'stored as a hash' },
};
const notStored = (route: string, path: Path) => Boolean(NOT_STORED[route]?.[String(path[0])] ?? NOT_STORED['*'][String(path[0])]);

/** After an accepted body that set a password: that exact password logs in (it was stored as sent). Keeps Carol's session current. */
async function afterAccepted(route: string, body: Record<string, any>, res: { text: string }, { carol, erin }: { carol: User; erin: User }, misses: string[]) {
  const login = async (email: string, password: string) => (await fetch(`${server.url}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': nextIp(), 'user-agent': CHROME_UA }, body: JSON.stringify({ email, password }),
  })).status;
  let check: [string, string] | undefined;
  if (route === 'POST /v1/auth/signup') check = [body.email, body.password];
  if (route === 'POST /v1/auth/reset-password') check = [erin.email, body.password];
  if (route === 'POST /v1/account/password') {
    carol.password = body.newPassword;
    carol.client.csrfToken = JSON.parse(res.text).csrfToken;
    check = [carol.email, carol.password];
  }
  if (check) {
    const status = await login(...check);
    if (status !== 200) misses.push(`${route}: logging in with the password just set (${JSON.stringify(check[1]).slice(0, 60)}) → ${status}`);
  }
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  const specs = routeSpecsOf(createApp({ ...server.runtime, config: server.config }));
  writes = specs.filter((s) => s.method !== 'get');
  const client = new ApiClient(server.url);
  const { userId } = await client.signUp();
  alice = makeAlice(client, userId, server);
  siteKey = (await client.post('/v1/sites', { name: 'Hostile Realty', allowedOrigins: [ORIGIN] })).body.publicKey;
});
afterAll(async () => {
  await server?.close();
});

describe('hostile input on every write route', () => {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let sentA = 0;

  const check = (label: string, res: { status: number; text: string; contentType: string }, expect4xx: boolean) => {
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) failures.push(`${label} → ${res.status} ${res.text.slice(0, 200)}`);
    else if (expect4xx && (res.status < 400 || !res.contentType.includes('application/json') || !JSON.parse(res.text).error?.code)) {
      failures.push(`${label} → ${res.status} (expected a 4xx JSON error) ${res.text.slice(0, 200)}`);
    }
  };

  it('phase A: ≥ 1,000 payloads the routes must refuse — all 4xx JSON errors, no row written or removed', { timeout: 300_000 }, async () => {
    expect(writes.length).toBeGreaterThan(15);
    // Account settings (the password and the sign-in email take passwords and addresses) are among them.
    expect(writes.map(routeKey)).toEqual(expect.arrayContaining([
      'POST /v1/account/password', 'POST /v1/account/email', 'POST /v1/auth/confirm-email-change', 'DELETE /v1/account/sessions/:id',
    ]));
    // Every param's resource exists first, so a payload is judged on its body, not on a missing row.
    const ids: Record<string, string> = {};
    for (const spec of writes) for (const k of paramKeys(spec.path)) if (RESOURCES[k]) ids[k] = await alice.id(k);
    const before = await snapshotTables(server.sql);
    let seed = 11;
    for (const spec of writes) {
      const label = routeKey(spec);
      // Hostile path params: nothing can be named by them.
      for (const p of paramKeys(spec.path).length ? HOSTILE_PARAMS : []) {
        check(`${label} param ${p.slice(0, 30)}`, await send(spec, pathFor(spec, ids, p), spec.body ? '{}' : undefined), true);
        sentA++;
      }
      if (!spec.body) continue;
      const path = pathFor(spec, ids);
      for (const [what, raw] of RAW_BODIES) {
        check(`${label} raw ${what}`, await send(spec, path, raw), true);
        sentA++;
      }
      for (const contentType of ['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16']) {
        check(`${label} ${contentType}`, await send(spec, path, '{"a":1}', contentType), true);
        sentA++;
      }
      for (const body of generatedBodies(spec, seed++)) {
        const payload = withSite(spec, body);
        if ((spec.body as z.ZodType).safeParse(payload).success) continue; // valid data: phase B
        check(`${label} ${JSON.stringify(payload).slice(0, 80)}`, await send(spec, path, JSON.stringify(payload)), true);
        sentA++;
      }
    }
    expect(failures).toEqual([]);
    expect(sentA).toBeGreaterThanOrEqual(1000);
    expect(await snapshotTables(server.sql)).toEqual(before);
    // Still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await alice.client.get('/v1/leads')).status).toBe(200);
  });

  it('phase B: one hostile value at a time in a valid body reaches the database — stored as sent or refused with a 4xx that changes nothing, never a 5xx', { timeout: 300_000 }, async () => {
    const ids: Record<string, string> = {};
    for (const spec of writes) for (const k of paramKeys(spec.path)) if (RESOURCES[k]) ids[k] = await alice.id(k);
    // Changing the password or the sign-in email, a reset (which ends every session) and failed
    // logins (which lock an account) each get a user of their own: Alice's session serves phase C.
    const carol = await makeUser();
    const dave = await makeUser();
    const erin = await makeUser();
    const bases = validBases({ carol, dave, erin });
    const routes = writes.filter((s) => s.body && s.method !== 'delete' && !/logout/.test(s.path));
    const sent = new Map<string, { refused: number; valid: number; accepted: number }>();
    const ms = new Map<string, number>();
    const storageMisses: string[] = [];
    const loginMisses: string[] = [];
    let previous = await snapshotTables(server.sql);
    for (const spec of routes) {
      const key = routeKey(spec);
      const schema = spec.body as z.ZodType;
      const as = ACCOUNT_ROUTES.has(key) ? carol.client : alice.client;
      const base = () => (bases[key] ?? (async () => (SCOPED_BODIES[key] ? (await SCOPED_BODIES[key](alice))[0] : (SAMPLE_BODIES[key] ?? {}))))();
      const counts = { refused: 0, valid: 0, accepted: 0 };
      sent.set(key, counts);
      const first = await base();
      if (!schema.safeParse(first).success) {
        failures.push(`${key}: its base body ${JSON.stringify(first)} is not valid — give it one in validBases`);
        continue;
      }
      const startedAt = Date.now();
      previous = await snapshotTables(server.sql); // making the base may write (a reset link)
      // Bodies the schema refuses go first, as one group: a single snapshot pair proves none wrote.
      const variants = variantsOf(first);
      const refused = variants.filter(({ path, value }) => !schema.safeParse(withValue(first, path, value)).success);
      const every = Math.max(1, Math.ceil(refused.length / REFUSED_PER_ROUTE));
      for (const { path, value } of refused.filter((_, i) => i % every === 0)) {
        const payload = withValue(first, path, value);
        check(`${key} ${pathText(path)}=${short(value)}`, await send(spec, pathFor(spec, ids), JSON.stringify(payload), undefined, as), true);
        counts.refused++;
      }
      const afterRefused = await snapshotTables(server.sql);
      expect(afterRefused, `${key}: a body its schema refuses changed a table`).toEqual(previous);
      previous = afterRefused;
      // Bodies the schema takes, one by one: a 2xx stored each hostile value as parsed; a 4xx changed nothing.
      const valid = variants.filter(({ path, value }) => schema.safeParse(withValue(first, path, value)).success);
      const step = Math.max(1, Math.ceil(valid.length / VALID_PER_ROUTE));
      let sender = as;
      for (const { path, value } of valid.filter((_, i) => i % step === 0)) {
        if (ACCOUNT_BUDGETS[key] && counts.valid % ACCOUNT_BUDGETS[key] === 0) {
          sender = (await makeUser()).client;
          previous = await snapshotTables(server.sql); // the signup's rows are the test's, not the request's
        }
        const payload = withValue(await base(), path, value);
        const parsed = schema.safeParse(payload);
        if (!parsed.success) continue;
        // The reset link is minted here, by the test: not the request's write.
        if (key === 'POST /v1/auth/reset-password') previous = await snapshotTables(server.sql);
        const label = `${key} ${pathText(path)}=${short(value)}`;
        const res = await send(spec, pathFor(spec, ids), JSON.stringify(payload), undefined, sender);
        check(label, res, false);
        if (res.status === 429 && ACCOUNT_BUDGETS[key]) failures.push(`${label} → 429: a new user per ${ACCOUNT_BUDGETS[key]} bodies should keep it under its budget`);
        counts.valid++;
        const now = await snapshotTables(server.sql);
        if (res.status >= 400) {
          if (JSON.stringify(now) !== JSON.stringify(previous)) failures.push(`${label} → ${res.status}, yet tables changed: ${Object.keys(now).filter((t) => now[t] !== previous[t]).join(', ')}`);
        } else if (res.status < 300) {
          counts.accepted++;
          const out = parsed.data;
          for (const text of stringsIn(valueAt(out, path))) {
            if (notStored(key, path)) continue;
            if (!(await tablesHolding(server.sql, text)).length) storageMisses.push(`${label}: ${JSON.stringify(text).slice(0, 80)} is in no table`);
          }
          await afterAccepted(key, out as Record<string, any>, res, { carol, erin }, loginMisses);
        }
        previous = res.status < 300 ? await snapshotTables(server.sql) : now; // the login check writes a session
      }
      ms.set(key, Date.now() - startedAt);
    }
    const summary = Object.fromEntries([...sent].map(([k, c]) => [k, `${c.refused} refused by schema, ${c.valid} valid, ${c.accepted} accepted, ${ms.get(k)} ms`]));
    console.log(JSON.stringify(summary, null, 1));
    expect(failures).toEqual([]);
    expect(storageMisses).toEqual([]);
    expect(loginMisses).toEqual([]);
    // Every route with a body got hostile bodies past its schema, and every public one stored some.
    expect(Object.entries(summary).filter(([k]) => sent.get(k)!.valid === 0 && !NO_FREE_TEXT[k]), 'routes no valid hostile body reached').toEqual([]);
    expect(Object.keys(NO_FREE_TEXT).filter((k) => sent.get(k)?.valid !== 0), 'NO_FREE_TEXT routes that took a hostile body: take them off the list').toEqual([]);
    expect(PUBLIC_ROUTES_THAT_STORE.filter((k) => !sent.get(k)?.accepted), 'public routes that accepted no hostile body').toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('phase C: hostile query strings on every route with a query (GET and DELETE alike) — never a 5xx; a 400 names the parameter', { timeout: 120_000 }, async () => {
    // Phases A and B send bodies only: DELETE /v1/filtered-inquiries?receivedUpTo=0000-01-01T00:00:00Z reached Postgres as a 500.
    const ids: Record<string, string> = {};
    const withQuery = routeSpecsOf(createApp({ ...server.runtime, config: server.config })).filter((s) => s.query);
    for (const spec of withQuery) for (const k of paramKeys(spec.path)) if (RESOURCES[k]) ids[k] = await alice.id(k);
    let sentC = 0;
    for (const spec of withQuery) {
      const names = Object.keys((z.toJSONSchema(spec.query as z.ZodType, { io: 'input', unrepresentable: 'any' }) as { properties?: object }).properties ?? {});
      for (const name of names) {
        const encoded = NAUGHTY_STRINGS.flatMap((v) => {
          try {
            return [`${name}=${encodeURIComponent(v)}`];
          } catch {
            return []; // a lone surrogate has no URL encoding
          }
        });
        for (const query of [...encoded, `${name}=1&${name}=2`, `${name}[]=1`, `${name}[a]=1`, `${name}=%ED%A0%80`, `${name}=%E0%A4%A`]) {
          const res = await fetch(`${server.url}${pathFor(spec, ids)}?${query}`, {
            method: spec.method.toUpperCase(), redirect: 'manual', signal: AbortSignal.timeout(10_000),
            headers: spec.auth === 'realtor' ? { cookie: alice.client.cookie, 'x-csrf-token': alice.client.csrfToken } : {},
          });
          const text = await res.text();
          const label = `${routeKey(spec)} ?${query.slice(0, 60)}`;
          if (res.status >= 500) failures.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
          else if (res.status === 400 && !JSON.parse(text).error?.details?.every((d: { path: string }) => typeof d.path === 'string')) failures.push(`${label} → 400 without issue paths ${text.slice(0, 200)}`);
          sentC++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sentC).toBeGreaterThan(500);
  });
});
