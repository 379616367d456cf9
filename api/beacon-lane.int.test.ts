import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { beaconLaneOf, closeAppStreams, createApp } from '#api/app.ts';
import { createBeaconStats } from '#api/beacon-lane.ts';
import { createLogger } from '#core/logger.ts';
import { type LocalListener, listenLocally, startTestServer, type TestServer } from '#test/app.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { makeRealtor, makeSite, type TestSite } from '#test/factories.ts';

// The real app logging at info into memory, as in production: POST /v1/collect through the lane.
const ORIGIN = 'https://listings.example';
let server: TestServer;
let app: Koa;
let listener: LocalListener;
let url: string;
let site: TestSite;
const { destination, lines } = captureLogLines();
beforeAll(async () => {
  server = await startTestServer();
  app = createApp({ ...server.runtime, config: server.config, logger: createLogger({ level: 'info', name: 'api', destination }) });
  listener = await listenLocally(app);
  url = listener.url;
  site = await makeSite(await makeRealtor(server), { allowedOrigins: [ORIGIN] });
});
afterAll(async () => {
  await closeAppStreams(app);
  await listener.close();
  await server.close();
});

const beacon = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/collect`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers }, body: JSON.stringify(body) });

describe('the beacon lane (POST /v1/collect)', () => {
  it('answers like the router did (CORS, security headers, request id, errors) and logs only what is not a 202, plus a summary', async () => {
    lines.length = 0;
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries()) {
      const res = await beacon({ site: site.publicKey, visitor: `lane-${i}`, events: [{ id, type: 'page_view', url: `${ORIGIN}/listings/${i}` }] }, i === 0 ? { 'x-request-id': 'beacon-req-1' } : {});
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ ok: true });
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-request-id')).toMatch(i === 0 ? /^beacon-req-1$/ : /^[0-9a-f-]{36}$/);
    }
    const stored = await server.sql<{ n: string }>('select count(*)::text as n from lead_analytics where client_event_id = any($1::uuid[])', [ids]);
    expect(stored[0].n).toBe('3');

    const invalid = await beacon({ site: site.publicKey, visitor: 'lane-x', events: [{ id: 'not-a-uuid', type: 'page_view' }] }, { 'x-request-id': 'beacon-bad-1' });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.code).toBe('validation_failed');
    expect(invalid.headers.get('x-content-type-options')).toBe('nosniff');
    const unknown = await beacon({ site: 'pk_unknown', visitor: 'lane-y', events: [{ id: randomUUID(), type: 'page_view' }] });
    expect(unknown.status).toBe(404);

    // No line per accepted beacon; one per refused one, with its request id.
    const requestLines = lines.filter((l) => l.msg === 'request' && l.path === '/v1/collect');
    expect(requestLines.map((l) => l.status)).toEqual([400, 404]);
    expect(requestLines[0]).toMatchObject({ level: 30, method: 'POST', requestId: 'beacon-bad-1', ip: '127.0.0.1' });

    beaconLaneOf(app)!.flushSummary();
    const summary = lines.filter((l) => l.msg === 'beacons');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ level: 30, path: '/v1/collect', requests: 5, statuses: { 202: 3, 400: 1, 404: 1 } });
    expect(summary[0].p99Ms).toBeGreaterThanOrEqual(summary[0].p50Ms);
    // Nothing since: no empty summary line.
    beaconLaneOf(app)!.flushSummary();
    expect(lines.filter((l) => l.msg === 'beacons')).toHaveLength(1);
  });

  it('survives a client that leaves in the middle of its body: nothing stored, a 400 line logged, the next beacon served', async () => {
    lines.length = 0;
    const id = randomUUID();
    const body = JSON.stringify({ site: site.publicKey, visitor: 'lane-gone', events: [{ id, type: 'page_view' }] });
    const { port } = listener.server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /v1/collect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nOrigin: ${ORIGIN}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
        setImmediate(() => socket.destroy());
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'request' && l.path === '/v1/collect').map((l) => l.status)).toEqual([400]));
    const next = await beacon({ site: site.publicKey, visitor: 'lane-after', events: [{ id: randomUUID(), type: 'page_view' }] });
    expect(next.status).toBe(202);
    expect((await server.sql('select 1 from lead_analytics where client_event_id = $1', [id])).length).toBe(0);
  });

  it('leaves every other route to the router (OPTIONS preflight, GET on the path, other paths)', async () => {
    const preflight = await fetch(`${url}/v1/collect`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    const get = await fetch(`${url}/v1/collect`);
    expect(get.status).toBe(405);
    expect((await get.json()).error.code).toBe('method_not_allowed');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('the lane and the Koa route answer alike', () => {
  it('gives the same status, body and headers for accepted, refused and malformed beacons', async () => {
    // Koa's own request listener (the prototype's callback, without the lane) serves the same app:
    // the request goes through the router to the registered route, as before the lane existed.
    const viaKoa = await listenLocally(createServer(Koa.prototype.callback.call(app)));
    const koaUrl = viaKoa.url;
    try {
      const event = () => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/1` });
      const valid = (visitor: string) => JSON.stringify({ site: site.publicKey, visitor, events: [event()] });
      const cases: Array<{ name: string; path?: string; headers?: Record<string, string>; body: (visitor: string) => string }> = [
        { name: 'accepted', body: valid },
        { name: 'accepted as text/plain', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: valid },
        { name: 'with a query string', path: '/v1/collect?v=2', body: valid },
        { name: 'without an Origin', headers: { origin: '' }, body: valid },
        { name: 'from an origin no site allows', headers: { origin: 'https://elsewhere.example' }, body: valid },
        { name: 'unknown site', body: (visitor) => JSON.stringify({ site: 'pk_nosuchsite', visitor, events: [event()] }) },
        { name: 'invalid JSON', body: () => '{"site":' },
        { name: 'empty body', body: () => '' },
        { name: 'a __proto__ key', body: (visitor) => `{"site":"${site.publicKey}","visitor":"${visitor}","__proto__":{"x":1},"events":[]}` },
        { name: 'form-encoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: () => 'a=1' },
        { name: 'too large', body: (visitor) => JSON.stringify({ site: site.publicKey, visitor, events: [{ ...event(), value: 'x'.repeat(40_000) }] }) },
        { name: 'invalid event', body: (visitor) => JSON.stringify({ site: site.publicKey, visitor, events: [{ id: 'nope', type: 'Page View' }] }) },
        { name: 'identify without a contact', body: (visitor) => JSON.stringify({ site: site.publicKey, visitor, events: [{ id: randomUUID(), type: 'identify', props: {} }] }) },
      ];
      const compared = ['access-control-allow-origin', 'access-control-expose-headers', 'vary', 'x-content-type-options', 'cache-control', 'content-type', 'retry-after', 'strict-transport-security', 'x-request-id'];
      for (const [i, c] of cases.entries()) {
        const send = async (base: string, visitor: string) => {
          const headers: Record<string, string> = { 'content-type': 'application/json', origin: ORIGIN, 'x-request-id': `same-${i}`, ...c.headers };
          if (!headers.origin) delete headers.origin;
          const res = await fetch(`${base}${c.path ?? '/v1/collect'}`, { method: 'POST', headers, body: c.body(visitor) });
          return { status: res.status, body: await res.json(), headers: Object.fromEntries(compared.map((h) => [h, res.headers.get(h)])) };
        };
        const lane = await send(url, `same-lane-${i}`);
        const koa = await send(koaUrl, `same-koa-${i}`);
        expect({ case: c.name, ...lane }).toEqual({ case: c.name, ...koa });
      }
      // Each stored the three accepted beacons (without an Origin a beacon is refused, as is any other).
      const stored = await server.sql<{ visitor_id: string }>("select visitor_id from lead_analytics where visitor_id like 'same-%' order by visitor_id");
      expect(stored.map((r) => r.visitor_id)).toEqual(['same-koa-0', 'same-koa-1', 'same-koa-2', 'same-lane-0', 'same-lane-1', 'same-lane-2']);
    } finally {
      await viaKoa.close();
    }
  });
});

describe('createBeaconStats', () => {
  it('counts statuses and reports the latency buckets of the median and the 99th percentile', () => {
    const stats = createBeaconStats();
    expect(stats.take()).toBeNull();
    for (let i = 0; i < 98; i++) stats.record(202, 3);
    stats.record(202, 40);
    stats.record(429, 700);
    expect(stats.take()).toEqual({ requests: 100, statuses: { 202: 99, 429: 1 }, p50Ms: 5, p99Ms: 50, maxMs: 700 });
    expect(stats.take()).toBeNull();
  });
});
