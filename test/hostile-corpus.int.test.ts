// A corpus of malformed and hostile payloads against EVERY write route the router mounts (public
// and authenticated, enumerated with routeSpecsOf): naughty strings, control characters, NUL,
// lone surrogates, huge and non-finite numbers, wrong types, deep nesting, prototype-pollution
// keys, oversized, truncated and non-UTF-8 bodies, wrong content types, hostile path params.
// - Phase A, payloads the route's own schema rejects (or that are not JSON at all): every answer
//   is a 4xx JSON error, and no table gains or loses a row.
// - Phase B, hostile values the schema happens to accept (valid data, e.g. an emoji name): never
//   a 5xx (the database must take whatever validation lets through).
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
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { CHROME_UA, ipSource } from '#test/ingest.ts';
import { type Alice, makeAlice, paramKeys, RESOURCES, routeKey, type Spec } from '#test/route-isolation-resources.ts';

const ORIGIN = 'https://hostile.example';
const nextIp = ipSource(57);

/** Strings from the Big List of Naughty Strings and friends, plus what plainText must refuse. */
const NAUGHTY_STRINGS = [
  '', ' ', '\t', '\n\r\n', 'undefined', 'null', 'NaN', 'true', '0', '-0', '1e309', '0x41', '9'.repeat(400),
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', "'; DROP TABLE leads; --", "' OR '1'='1",
  '{{7*7}}', `$${'{7*7}'}`, '#{7*7}', `$${'{jndi:ldap://127.0.0.1/a}'}`, '../../../../etc/passwd', '%00', '%2e%2e%2f', '\\\\?\\C:\\',
  '=HYPERLINK("http://x","y")', '+1+1', '@SUM(1)', '-2+3', '\u0000', 'a\u0000b', '\u0001\u0002\u0003', '\u0007\u0008\u001b[31m',
  '\u007f', '\u0085', '\u2028\u2029', '\uD800', 'x\uDFFFy', '\uDBFF\uDBFF', '\uFEFF', '\u202Eevil\u202C', '\u200B\u200C\u200D',
  'Ω≈ç√∫˜µ≤≥÷', '田中さんにあげて下さい', '👨‍👩‍👧‍👦🏳️‍🌈', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', 'ﷺ', '𝕿𝖍𝖊', '١٢٣', 'ｐｏｒｃｈ',
  'a'.repeat(256), 'a'.repeat(5_000), 'x@x', 'a@b.c\r\nBcc: victim@example.com', 'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:6379/', 'file:///etc/passwd', 'gopher://127.0.0.1:25/', 'https://[::1]/', 'https://0x7f000001/',
  // Well-formed times outside what a stored time may be (year 0000 is a BC date in Postgres).
  '0000-06-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59Z', '2026-02-30T10:00:00Z',
];
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

/** Row counts of every table but sessions (logins and signups in the corpus are refused, but a session's last use may be touched). */
async function countRows(): Promise<Record<string, number>> {
  const tables = await server.sql<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1");
  const out: Record<string, number> = {};
  for (const { t } of tables) out[t] = Number((await server.sql<{ n: string }>(`select count(*) as n from "${t}"`))[0].n);
  return out;
}

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

function pathFor(spec: Spec, ids: Record<string, string>, hostileParam?: string): string {
  let path = spec.path;
  for (const k of paramKeys(spec.path)) path = path.replace(k.slice(k.indexOf('/') + 1), hostileParam ?? ids[k] ?? randomUUID());
  return path;
}

async function send(spec: Spec, path: string, body: string | Uint8Array | undefined, contentType = spec.allowTextPlain ? 'text/plain;charset=UTF-8' : 'application/json') {
  const headers: Record<string, string> = { 'user-agent': CHROME_UA, 'x-forwarded-for': nextIp(), origin: ORIGIN };
  if (spec.auth === 'realtor') {
    headers.cookie = alice.client.cookie;
    headers['x-csrf-token'] = alice.client.csrfToken;
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
  const text = await res.text();
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '' };
}

/** Fills in the site key where a public route names its site, so a payload gets past "unknown site". */
const withSite = (spec: Spec, body: unknown) =>
  spec.auth === 'public' && spec.allowTextPlain && body && typeof body === 'object' && !Array.isArray(body) && !('site' in body) ? { site: siteKey, ...body } : body;

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
    const before = await countRows();
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
    expect(await countRows()).toEqual(before);
    // Still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await alice.client.get('/v1/leads')).status).toBe(200);
  });

  it('phase B: hostile values the schemas accept are stored or refused, never a 5xx', { timeout: 120_000 }, async () => {
    const ids: Record<string, string> = {};
    for (const spec of writes) for (const k of paramKeys(spec.path)) if (RESOURCES[k]) ids[k] = await alice.id(k);
    let sentB = 0;
    let seed = 11;
    for (const spec of writes.filter((s) => s.body && !/logout|delete/i.test(s.path) && s.method !== 'delete')) {
      for (const body of generatedBodies(spec, seed++)) {
        const payload = withSite(spec, body);
        if (!(spec.body as z.ZodType).safeParse(payload).success) continue;
        check(`${routeKey(spec)} valid ${JSON.stringify(payload).slice(0, 80)}`, await send(spec, pathFor(spec, ids), JSON.stringify(payload)), false);
        sentB++;
      }
    }
    expect(failures).toEqual([]);
    expect(sentB).toBeGreaterThan(0);
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
