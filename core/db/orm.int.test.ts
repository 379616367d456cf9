// A Postgres that hangs instead of refusing (frozen, blackholed): the ORM gives up connecting after
// DB_CONNECT_TIMEOUT_MS with an error the API maps to 503 (core/errors.ts), instead of waiting on
// the operating system's TCP timeout. The "server" here accepts connections and never answers.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../errors.ts';
import { DB_CONNECT_TIMEOUT_MS, initOrm } from './orm.ts';

const sockets = new Set<Socket>();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

beforeAll(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('a Postgres that never answers', () => {
  it(`fails a query after ${DB_CONNECT_TIMEOUT_MS / 1000} s with an error the API answers 503 to`, { timeout: DB_CONNECT_TIMEOUT_MS + 20_000 }, async () => {
    const { port } = silent.address() as AddressInfo;
    const orm = await initOrm(`postgresql://postgres@127.0.0.1:${port}/porchlight`);
    try {
      const started = Date.now();
      const err = await orm.em.fork().getConnection().execute('select 1').then(() => null, (e: unknown) => e);
      const waited = Date.now() - started;
      expect(err, 'the query fails').toBeTruthy();
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(DB_CONNECT_TIMEOUT_MS - 100);
      // Well before a TCP timeout (minutes); generous for a loaded machine.
      expect(waited).toBeLessThan(DB_CONNECT_TIMEOUT_MS + 15_000);
    } finally {
      await orm.close(true);
    }
  });
});
