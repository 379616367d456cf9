// /healthz and /readyz as a probe and an operator see them: what a client is told when a
// dependency fails, and what the log holds (probes ask every few seconds).
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAppStreams, createApp } from '#api/app.ts';
import { createLogger } from '#core/logger.ts';
import { closeRedis, createRequestRedis } from '#core/redis.ts';
import { listenLocally, startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { captureLogLines, listenWithLogLines } from '#test/log-lines.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('health and readiness probes', () => {
  it('are logged at debug only: a probe every 10 s does not fill the info log', async () => {
    const app = await listenWithLogLines(server, { level: 'info' });
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${app.url}/v1/auth/me`)).status).toBe(401); // other requests still are
    } finally {
      await app.close();
    }
    expect(app.lines.filter((l) => l.msg === 'request').map((l) => l.path)).toEqual(['/v1/auth/me']);

    const debug = await listenWithLogLines(server, { level: 'debug' });
    try {
      await fetch(`${debug.url}/healthz`);
    } finally {
      await debug.close();
    }
    expect(debug.lines.filter((l) => l.msg === 'request').map((l) => [l.path, l.level])).toEqual([['/healthz', 20]]);
  });

  it('/readyz names a failing dependency without its error; the log has the reason once, not an error line per probe', async () => {
    // This app's Redis is a port nothing listens on; its Postgres is the test server's.
    const redis = createRequestRedis(`redis://127.0.0.1:${await closedPort()}`, { name: 'readyz-dead' });
    redis.on('error', () => undefined);
    const { destination, lines } = captureLogLines();
    const app = createApp({ ...server.runtime, redis, logger: createLogger({ level: 'info', name: 'api', destination }) });
    const listener = await listenLocally(app);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${listener.url}/readyz`);
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text)).toEqual({ status: 'unavailable', checks: { postgres: 'ok', redis: 'error' } });
        expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|Stream|writeable/);
      }
    } finally {
      await listener.close();
      await closeAppStreams(app);
      await closeRedis(redis);
    }
    // One warning with the reason; no 'request failed' error line for the probes.
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, 'readiness check failed']]);
    expect(lines[0]).toMatchObject({ dependency: 'redis', err: expect.any(String) });
  });
});
