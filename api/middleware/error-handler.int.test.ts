// The error handler's 500 path on the real app (createApp with the test server's database, Redis
// and queues): a route that fails unexpectedly answers `{error:{code:'internal'}}` with the request
// id and nothing of the error itself, and the error is logged, whole, under that request id.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { captureLogLines } from '#test/log-lines.ts';

/** What the failing routes throw: none of it may reach the client. */
const SECRET = 'password=hunter2 at /srv/porchlight/core/db/orm.ts:42';

let server: TestServer;
let app: Server;
let url: string;
const { destination: sink, lines: logLines } = captureLogLines();

beforeAll(async () => {
  server = await startTestServer();
  // The app's own logger, writing JSON lines into `logLines` instead of stdout.
  const logger = pino({ level: 'info', base: { service: 'error-handler-test' } }, sink);
  const koa = createApp({ config: server.config, orm: server.orm, redis: server.redis, queues: server.queues, logger });
  // Routes no router knows fall through to here, inside the app's request context and error handler.
  koa.use(async (ctx, next) => {
    if (ctx.path === '/boom') throw new Error(SECRET);
    if (ctx.path === '/boom-async') {
      await new Promise((resolve) => setImmediate(resolve));
      throw new TypeError(`Cannot read properties of undefined (${SECRET})`);
    }
    if (ctx.path === '/boom-string') throw SECRET;
    // An HTTP-style error of the 5xx kind is still ours to hide, not the client's to read.
    if (ctx.path === '/boom-503') throw Object.assign(new Error(SECRET), { status: 503, expose: true });
    await next();
  });
  app = koa.listen(0, '127.0.0.1');
  await new Promise((resolve) => app.once('listening', resolve));
  url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (app) {
    await new Promise<void>((resolve) => {
      app.close(() => resolve());
      app.closeAllConnections();
    });
  }
  await server?.close();
});

function linesFor(requestId: string) {
  return logLines.filter((l) => l.requestId === requestId);
}

describe('an unexpected error', () => {
  it('answers 500 {error:{code:"internal"}} with the request id, leaking neither message nor stack', async () => {
    for (const path of ['/boom', '/boom-async', '/boom-string', '/boom-503']) {
      const res = await fetch(url + path);
      const text = await res.text();
      const requestId = res.headers.get('x-request-id');
      expect(res.status, path).toBe(500);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(requestId, path).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(text), path).toEqual({ error: { code: 'internal', message: `Internal error (request ${requestId})` } });
      for (const leak of ['hunter2', '/srv/porchlight', 'TypeError', 'Cannot read', '    at ']) expect(text, `${path}: ${leak}`).not.toContain(leak);
    }
  });

  it('is logged with its message and stack under the request id, and the request line says 500', async () => {
    const res = await fetch(`${url}/boom`, { headers: { 'x-request-id': 'req-500-check' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('req-500-check');
    expect((await res.json()).error.message).toBe('Internal error (request req-500-check)');

    const lines = linesFor('req-500-check');
    const unhandled = lines.find((l) => l.msg === 'unhandled error');
    expect(unhandled, JSON.stringify(lines)).toBeDefined();
    expect(unhandled).toMatchObject({ level: 50, requestId: 'req-500-check', err: { type: 'Error', message: SECRET } });
    expect(unhandled?.err.stack).toContain('error-handler.int.test.ts');
    expect(lines.find((l) => l.msg === 'request failed')).toMatchObject({ level: 50, requestId: 'req-500-check', method: 'GET', path: '/boom', status: 500 });
  });

  it('leaves client errors alone: an unknown route is still a 404 with its own code, logged without an error', async () => {
    const res = await fetch(`${url}/nowhere`, { headers: { 'x-request-id': 'req-404-check' } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
    expect(linesFor('req-404-check').map((l) => l.msg)).toEqual(['request']);
  });
});
