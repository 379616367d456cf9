// The real API process (api/main.ts) with an open live-update stream: SIGTERM ends the stream and
// the process exits 0 — graceful shutdown does not wait on the never-ending response (it would
// otherwise hit its 10 s timeout and exit 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from '#test/db.ts';
import { TEST_REDIS_URL } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { openLiveStream } from '#test/live-client.ts';
import { spawnNode, waitForLog } from '#test/process.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('api/main.ts with open live streams', () => {
  it('ends them on SIGTERM and exits 0', { timeout: 60_000 }, async () => {
    const proc = spawnNode('api/main.ts', { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' });
    try {
      const { port } = await waitForLog(proc, 'api listening');
      const client = new ApiClient(`http://127.0.0.1:${port}`);
      await client.signUp();
      const streams = await Promise.all([1, 2].map(() => openLiveStream(client.baseUrl, { cookie: client.cookie })));
      for (const s of streams) await s.waitForEvent((e) => e.event === 'ready');
      proc.child.kill('SIGTERM');
      await Promise.all(streams.map((s) => s.ended));
      const exit = await proc.exited;
      // On a failure, say why: the shutdown's own lines (a timeout names itself) and stderr.
      expect(exit.code, `stderr: ${proc.stderr}\nlast log lines:\n${proc.lines.slice(-20).join('\n')}`).toBe(0);
      await waitForLog(proc, 'stopped');
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });
});
