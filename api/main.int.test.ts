// `npm run api` and `npm start` on a port that is already taken, or with a HOST this machine does
// not have: one line naming the variable and how to change it, a non-zero exit, no stack trace.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from '#test/db.ts';
import { TEST_REDIS_URL } from '#test/env.ts';
import { spawnNode } from '#test/process.ts';

let db: TestDatabase;
let taken: Server;
let port: number;
beforeAll(async () => {
  db = await createTestDatabase();
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  await db.drop();
});

describe('a busy port', () => {
  it.each([['npm run api', 'api/main.ts'], ['npm start', 'scripts/start.ts']])('%s prints one line naming the port and PORT=…, and exits non-zero', async (_name, entry) => {
    const proc = spawnNode(entry, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1',
    });
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Port ${port} is already in use`);
    expect(lines[0]).toContain(`PORT=${port + 1} npm start`);
    expect(proc.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});

describe('a HOST this machine does not have', () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine, so listen fails with EADDRNOTAVAIL.
  it.each([['npm run api', 'api/main.ts'], ['npm start', 'scripts/start.ts']])('%s prints one line naming HOST, and exits non-zero', async (_name, entry) => {
    const proc = spawnNode(entry, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'warn', PORT: '0', HOST: '192.0.2.1',
    });
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Cannot listen on HOST 192\.0\.2\.1: it is not an address of this machine\. Set HOST /)]);
    expect(proc.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});

