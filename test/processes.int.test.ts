// The real entry points as child processes: clear config errors, readiness, and graceful shutdown.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_REDIS_URL } from './env.ts';
import { type NodeProcess, spawnNode, waitForLog } from './process.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function run(entry: string, env: Record<string, string>): NodeProcess {
  return spawnNode(entry, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'info', ...env });
}

describe('process entry points', () => {
  it('refuses to start with a wrong variable, printing one line that names it', async () => {
    const proc = run('api/main.ts', { PORT: 'eighty' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr.trim().split('\n')).toHaveLength(1);
    expect(proc.stderr).toMatch(/^Invalid configuration: PORT: /);
  });

  it('serves, then on SIGTERM finishes an in-flight request before exiting 0', async () => {
    const proc = run('api/main.ts', { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug' });
    const { port } = await waitForLog(proc, 'api listening');
    // An in-flight request: headers and half the body sent before the signal.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not a real password' });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      waitForLog(proc, 'request started').then(() => proc.child.kill('SIGTERM'));
      waitForLog(proc, 'shutting down: no new connections, finishing in-flight requests').then(() => req.end(body.slice(10)));
    });
    const res = await answered;
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('invalid_credentials');
    expect((await proc.exited).code).toBe(0);
    await waitForLog(proc, 'stopped');
  });

  it('runs the worker and stops it cleanly on SIGTERM', async () => {
    const proc = run('worker/main.ts', {});
    await waitForLog(proc, 'worker started');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    await waitForLog(proc, 'stopped');
  });
});
