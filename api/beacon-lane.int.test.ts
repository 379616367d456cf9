import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beaconLaneOf, closeAppStreams, createApp } from '#api/app.ts';
import { createBeaconStats } from '#api/beacon-lane.ts';
import { createLogger } from '#core/logger.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { makeRealtor, makeSite, type TestSite } from '#test/factories.ts';

// The real app logging at info into memory, as in production: POST /v1/collect through the lane.
const ORIGIN = 'https://listings.example';
let server: TestServer;
let app: Koa;
let listener: Server;
let url: string;
let site: TestSite;
const { destination, lines } = captureLogLines();
beforeAll(async () => {
  server = await startTestServer();
  app = createApp({ ...server.runtime, config: server.config, logger: createLogger({ level: 'info', name: 'api', destination }) });
  listener = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  site = await makeSite(await makeRealtor(server), { allowedOrigins: [ORIGIN] });
});
afterAll(async () => {
  await closeAppStreams(app);
  await new Promise((resolve) => listener.close(resolve));
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
