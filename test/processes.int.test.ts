// The real entry points as child processes: clear config errors, readiness, and graceful shutdown.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_REDIS_URL } from './env.ts';
import { findLog, type NodeProcess, spawnNode, spawnNodeWith, stopAll, waitForLog } from './process.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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

  it.each(['api/main.ts', 'worker/main.ts'])('%s refuses to start when Postgres refuses DATABASE_URL (an unknown role), printing one line that names it', async (entry) => {
    const url = new URL(db.url);
    url.username = 'porchlight_no_such_role';
    const proc = run(entry, { DATABASE_URL: url.toString(), PORT: '0', HOST: '127.0.0.1' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^PostgreSQL at \S+ refused DATABASE_URL: role "porchlight_no_such_role" does not exist: check the user and password in DATABASE_URL\.$/)]);
    expect(proc.lines.filter((l) => l.includes('listening') || l.includes('worker started'))).toEqual([]);
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

describe('npm run api / worker', () => {
  // npm runs a script through `sh -c`; without `exec` the shell stays between npm and Node, and a
  // SIGTERM to npm (a supervisor stopping it) ended the shell only: Node, orphaned, went on
  // serving. With `exec` the shell becomes Node, which gets the signal npm passes on.
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const leftovers: number[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  /** Every process below `pid`, from /proc. */
  const descendants = (pid: number): number[] => {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  };
  const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  /** `npm run <script>` on Node 24 (the test runner's), with `run`'s environment and its lines collected. */
  function runNpm(script: string): NodeProcess {
    return spawnNodeWith([npmCli, 'run', script], {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'info', npm_config_update_notifier: 'false',
    });
  }

  it('SIGTERM to npm stops the worker it runs (no Node left behind)', async () => {
    const proc = runNpm('worker');
    await waitForLog(proc, 'worker started');
    const worker = descendants(proc.child.pid!).find((pid) => /(^|\/)node$/.test(argvOf(pid)[0]) && argvOf(pid).includes('worker/main.ts'));
    expect(worker).toBeDefined();
    leftovers.push(worker!);
    const closed = new Promise((resolve) => proc.child.on('close', resolve));
    proc.child.kill('SIGTERM');
    await proc.exited;
    expect(isRunning(worker!), 'the worker process is gone').toBe(false);
    await closed; // every line read
    expect(findLog(proc, 'stopped')).toBeDefined(); // a graceful stop, not a kill
  });
});

describe('npm start (scripts/start.ts)', () => {
  const started: NodeProcess[] = [];
  const pids: number[] = [];
  afterEach(async () => {
    // A test that failed may leave a stopped (SIGSTOP) worker behind: nothing else would end it.
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await stopAll(started.splice(0));
  });

  /** `npm start` with both children up; their pids (from /proc: their log lines carry none). */
  async function start(env: Record<string, string> = {}) {
    const proc = run('scripts/start.ts', { PORT: '0', HOST: '127.0.0.1', ...env });
    started.push(proc);
    const [{ port }] = await Promise.all([waitForLog(proc, 'api listening'), waitForLog(proc, 'worker started')]);
    const pid = proc.child.pid!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const entryOf = (child: number) => readFileSync(`/proc/${child}/cmdline`, 'utf8');
    const api = children.find((c) => entryOf(c).includes('api/main.ts'))!;
    const worker = children.find((c) => entryOf(c).includes('worker/main.ts'))!;
    pids.push(api, worker);
    return { proc, port: port as number, api, worker };
  }

  it('exits 0 on SIGTERM when the API and the worker both stop cleanly', async () => {
    const { proc } = await start();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.stderr).toBe('');
  });

  it('exits 1 when the API hits its shutdown timeout (a request that never finishes)', async () => {
    // The timeout shortened from its 10 s default: the test waits it out.
    const { proc, port } = await start({ LOG_LEVEL: 'debug', API_SHUTDOWN_TIMEOUT_MS: '1500' });
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/auth/login', headers: { 'content-type': 'application/json', 'content-length': 100 } });
    req.on('error', () => undefined); // the API drops it when it gives up
    req.write('{"email":');
    await waitForLog(proc, 'request started');
    const signalledAt = performance.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(performance.now() - signalledAt, 'waited out the configured 1.5 s').toBeGreaterThanOrEqual(1500);
    expect(proc.lines.some((l) => l.includes('shutdown timed out; exiting'))).toBe(true);
    // It was the unfinished request that held the stop.
    expect(findLog(proc, 'shutdown timed out; exiting')).toMatchObject({ step: 'http server' });
    req.destroy();
  }, 60_000);

  it('exits 1 when a child dies of a signal it was not sent during the stop', async () => {
    const { proc, worker } = await start();
    process.kill(worker, 'SIGSTOP'); // holds the worker mid-stop
    proc.child.kill('SIGTERM');
    await waitForLog(proc, 'stopped'); // the API's: start has passed SIGTERM on
    process.kill(worker, 'SIGKILL');
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr).toBe('the worker was ended by SIGKILL\n');
  });

  it('a second SIGTERM kills a child that is still stopping and exits 1 with one line; an immediate repeat (npm forwarding Ctrl-C) does not', async () => {
    const { proc, worker } = await start();
    process.kill(worker, 'SIGSTOP'); // a worker that would take its whole grace period (or forever)
    proc.child.kill('SIGTERM');
    proc.child.kill('SIGTERM'); // the same stop, delivered twice
    await waitForLog(proc, 'stopped'); // the API stopped gracefully: the repeat forced nothing
    expect(proc.stderr).toBe('');
    expect(proc.child.exitCode).toBeNull();
    // Not an event to await: a repeat counts as a new signal only once start's 500 ms window has passed.
    await delay(600);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr.trim().split('\n')).toEqual(['SIGTERM while stopping: killing the worker now (SIGKILL) instead of waiting for a graceful stop']);
    expect(isRunning(worker)).toBe(false);
  });
});
