// The API process (api/main.ts as a child) stops promptly on SIGTERM: with an idle keep-alive
// connection, a connection that has not sent a request yet (a browser's preconnected socket) and an
// open live stream held by clients, it still answers the request in flight at the signal, then
// exits 0 within SHUTDOWN_EXIT_BUDGET_MS — nothing it holds (the keep-alive socket's 65 s timeout,
// the unused socket, the stream, Redis, Postgres, the queues, timers) keeps it alive longer.
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_REDIS_URL } from './env.ts';
import { ApiClient } from './http.ts';
import { openLiveStream } from './live-client.ts';
import { findLog, type NodeProcess, spawnNode, stopAll, waitForLog } from './process.ts';
import { startThrowawayRedis } from './redis-server.ts';

/** From SIGTERM to the process's exit, with nothing in flight but one short request. */
const SHUTDOWN_EXIT_BUDGET_MS = 1500;

let db: TestDatabase;
const procs: NodeProcess[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await stopAll(procs);
  await db.drop();
});

/** A request over `agent` (keep-alive), its whole answer read. */
function send(port: number, agent: Agent, method: string, path: string, json?: unknown, headers: Record<string, string> = {}) {
  const body = json === undefined ? undefined : JSON.stringify(json);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('API shutdown', () => {
  it(`answers the request in flight at SIGTERM, then exits 0 within ${SHUTDOWN_EXIT_BUDGET_MS} ms despite an idle keep-alive connection, an unused one and an open live stream`, async () => {
    const proc = spawnNode('api/main.ts', {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug',
    });
    procs.push(proc);
    const { port } = await waitForLog(proc, 'api listening');
    const base = `http://127.0.0.1:${port}`;

    // A browser's keep-alive connection, left idle after its last answer (the server would keep it 65 s).
    const browser = new Agent({ keepAlive: true, maxSockets: 1 });
    const signup = await send(port, browser, 'POST', '/v1/auth/signup', { username: 'Dana', email: `dana-${Date.now()}@example.com`, password: 'correct horse battery' });
    expect(signup.status).toBe(201);
    const cookie = (signup.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    expect((await send(port, browser, 'GET', '/healthz', undefined, { cookie })).status).toBe(200);
    expect(browser.freeSockets[`127.0.0.1:${port}:`] ?? Object.values(browser.freeSockets).flat()).toHaveLength(1);

    // A connection that has sent nothing yet: what a browser opens ahead of the requests it expects
    // (Node does not count it idle: it waits for its headers).
    const preconnected = createConnection(port, '127.0.0.1');
    const preconnectedClosed = new Promise<void>((resolve) => preconnected.once('close', () => resolve()));
    preconnected.on('error', () => undefined);
    await new Promise((resolve) => preconnected.once('connect', resolve));

    // An open live stream (never ends by itself).
    const live = await openLiveStream(base, { cookie });
    expect(live.status).toBe(200);
    await live.waitForEvent((e) => e.event === 'ready');

    // A request in flight: headers and half the body sent before the signal, the rest after it.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not a real password' });
    let signalledAt = 0;
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/auth/login', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      const started = proc.lines.length;
      const waitStarted = () => proc.lines.slice(started).some((l) => l.includes('"request started"') && l.includes('/v1/auth/login'));
      const signal = () => {
        signalledAt = performance.now();
        proc.child.kill('SIGTERM');
      };
      const poll = () => (waitStarted() ? signal() : proc.child.stdout!.once('data', () => setImmediate(poll)));
      poll();
      waitForLog(proc, 'shutting down: no new connections, finishing in-flight requests').then(() => req.end(body.slice(10)));
    });

    const res = await answered;
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('invalid_credentials');
    await live.ended; // the server ended the stream
    await preconnectedClosed; // …and closed the unused connection
    const exit = await proc.exited;
    const tookMs = performance.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(findLog(proc, 'still open after stopping; exiting'), 'nothing was left open after "stopped"').toBeUndefined();
    expect(findLog(proc, 'close step timed out; moving on'), 'no close step overran its bound').toBeUndefined();
    expect(tookMs, `exited ${Math.round(tookMs)} ms after SIGTERM; steps: ${proc.lines.filter((l) => l.includes('close step') || l.includes('stopped')).join('\n')}`).toBeLessThan(SHUTDOWN_EXIT_BUDGET_MS);
    browser.destroy();
  }, 30_000);
});

describe('API shutdown while Redis is gone', () => {
  /** The API on a Redis of its own, with a realtor's live stream open (so its subscriber connection is too). */
  async function startWithOwnRedis() {
    const redis = await startThrowawayRedis();
    const proc = spawnNode('api/main.ts', {
      DATABASE_URL: db.url, REDIS_URL: redis.url, QUEUE_PREFIX: createQueuePrefix(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug',
    });
    procs.push(proc);
    const { port } = await waitForLog(proc, 'api listening');
    const client = new ApiClient(`http://127.0.0.1:${port}`);
    await client.signUp();
    const live = await openLiveStream(client.baseUrl, { cookie: client.cookie });
    await live.waitForEvent((e) => e.event === 'ready');
    return { redis, proc };
  }

  /** SIGTERM, then how long until the process exited, and how. */
  async function stop(proc: NodeProcess) {
    const signalledAt = performance.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    return { exit, tookMs: performance.now() - signalledAt, steps: proc.lines.filter((l) => /close step|stopped|still open/.test(l)).join('\n') };
  }

  it(`stopped: exits 0 within ${SHUTDOWN_EXIT_BUDGET_MS} ms, nothing left open after "stopped" (no connection waits out ioredis's 2 s disconnect timer)`, async () => {
    const { redis, proc } = await startWithOwnRedis();
    await redis.stop();
    // The connections have seen it go: they are reconnecting (refused) when the signal comes.
    await waitForLog(proc, 'redis unavailable');
    const { exit, tookMs, steps } = await stop(proc);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(findLog(proc, 'still open after stopping; exiting'), steps).toBeUndefined();
    expect(tookMs, steps).toBeLessThan(SHUTDOWN_EXIT_BUDGET_MS);
  }, 30_000);

  it('frozen (SIGSTOP): exits 0 within 1.5 s of the 1 s QUIT bound, nothing left open after "stopped"', async () => {
    const { redis, proc } = await startWithOwnRedis();
    redis.freeze();
    try {
      const { exit, tookMs, steps } = await stop(proc);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(findLog(proc, 'still open after stopping; exiting'), steps).toBeUndefined();
      // The subscriber's QUIT and the request connection's wait their 1 s bound side by side.
      expect(tookMs, steps).toBeLessThan(1000 + SHUTDOWN_EXIT_BUDGET_MS);
    } finally {
      redis.thaw();
      await redis.stop();
    }
  }, 30_000);
});
