// The real entry points as child processes: clear config errors, readiness, and graceful shutdown.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_REDIS_URL } from './env.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

interface Proc { child: ChildProcess; stdout: string[]; stderr: string; exited: Promise<number | null> }

function run(entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { child, stdout: [], stderr: '', exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? `signal ${signal}` as never))) };
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    proc.stdout.push(...lines);
  });
  child.stderr!.on('data', (d) => (proc.stderr += d));
  return proc;
}

/** Resolves with the first JSON log line whose msg matches (bounded by the test timeout). */
function waitForLog(proc: Proc, msg: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const line of proc.stdout) {
        try {
          const parsed = JSON.parse(line);
          if (parsed.msg === msg) return resolve(parsed);
        } catch {
          /* not JSON */
        }
      }
      if (proc.child.exitCode !== null) return reject(new Error(`exited early: ${proc.stderr}`));
      proc.child.stdout!.once('data', () => setImmediate(check));
    };
    check();
  });
}

describe('process entry points', () => {
  it('refuses to start with a wrong variable, printing one line that names it', async () => {
    const proc = run('api/main.ts', { PORT: 'eighty' });
    expect(await proc.exited).toBe(1);
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
    expect(await proc.exited).toBe(0);
    await waitForLog(proc, 'stopped');
  });

  it('runs the worker and stops it cleanly on SIGTERM', async () => {
    const proc = run('worker/main.ts', {});
    await waitForLog(proc, 'worker started');
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await waitForLog(proc, 'stopped');
  });
});
