// The stack under test, started as in production: the API (`npm run api` = `node api/main.ts`)
// and the worker (`node worker/main.ts`) as child processes against a bench database of their
// own and their own queue prefix. Their logs go to files under bench/results/logs/ (the bench
// never parses them in its own event loop while measuring).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateDatabase } from '../../core/db/migrate.ts';
import { API_ENV, API_NODE_FLAGS } from '../../scripts/node-flags.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../test/smtp.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LOG_DIR = fileURLToPath(new URL('../results/logs/', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The port it printed in its "listening" log line, if it serves HTTP. */
  port?: number;
  exited: Promise<void>;
}

/** Starts `entry` with `env` (plus PATH), stdout/stderr to a log file; waits for the log line `readyMsg`. */
export async function startProcess(name: string, entry: string, env: Record<string, string>, readyMsg: string, nodeArgs: string[] = []): Promise<BenchProcess> {
  await mkdir(LOG_DIR, { recursive: true });
  const logFile = `${LOG_DIR}${name}.log`;
  const log = await open(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => log.close());
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const text = await readFile(logFile, 'utf8');
    for (const line of text.split('\n')) {
      try {
        const parsed = JSON.parse(line);
        if (parsed.msg === readyMsg) return { name, child, logFile, port: parsed.port, exited };
      } catch {
        // not JSON
      }
    }
    if (child.exitCode !== null) throw new Error(`bench: ${name} exited early; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`bench: ${name} not ready after ${READY_TIMEOUT_MS} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProcess(proc: BenchProcess): Promise<void> {
  if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  await proc.exited;
  clearTimeout(timer);
}

/** Resident set size of a process in MB (Linux /proc). */
export async function readRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Drops and re-creates the bench database, migrated. */
export async function resetDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', url).toString() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${decodeURIComponent(new URL(url).pathname.slice(1)).replaceAll('"', '""')}" with (force)`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(url);
}

export interface Stack {
  /** http://127.0.0.1:port of the API. */
  base: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  api: BenchProcess;
  worker: BenchProcess;
  /** A small pool on the bench database for counting and seeding. */
  pool: pg.Pool;
  /** The local SMTP server the worker sends its emails to (SMTP_URL). */
  smtp: TestSmtpServer;
  /** A realtor session (cookie + CSRF) for the admin API. */
  authed: Record<string, string>;
  userId: string;
  stop(): Promise<void>;
}

/** Resets the database, starts API + worker, signs a realtor up. */
export async function startStack({ databaseUrl, redisUrl, logLevel }: { databaseUrl: string; redisUrl: string; logLevel: string }): Promise<Stack> {
  await resetDatabase(databaseUrl);
  const queuePrefix = `bench${Date.now()}`;
  // Emails go to a local SMTP server in this process; webhooks may go to local receivers.
  const smtp = await startTestSmtpServer();
  const env = {
    DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: logLevel, TRUST_PROXY: 'true', NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('hex'), SMTP_URL: smtp.url, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    // The bench signs up over the API and uses the session at once (verify-first is on with SMTP_URL).
    SIGNUP_VERIFY_FIRST: 'false',
  };
  // The API runs with the flags of `npm run api` (scripts/node-flags.ts). BENCH_API_NODE_ARGS adds
  // more, e.g. "--cpu-prof --cpu-prof-dir=bench/results/prof": profile the API under load.
  const apiArgs = [...API_NODE_FLAGS, ...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const api = await startProcess('api', 'api/main.ts', { ...API_ENV, ...env, PORT: '0', HOST: '127.0.0.1' }, 'api listening', apiArgs);
  const worker = await startProcess('worker', 'worker/main.ts', env, 'worker started', (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)).catch(async (err) => {
    await stopProcess(api);
    await smtp.close();
    throw err;
  });
  const base = `http://127.0.0.1:${api.port}`;
  const signup = await fetch(`${base}/v1/auth/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', email: 'bench@example.com', password: 'benchmark password' }),
  });
  if (signup.status !== 201 && signup.status !== 200) throw new Error(`bench: signup answered ${signup.status} ${await signup.text()}`);
  const cookie = signup.headers.getSetCookie()[0].split(';')[0];
  const { csrfToken, user } = await signup.json();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Alerts go only to a confirmed address: confirmed here, as the emailed link would.
  await pool.query('update users set email_verified_at = now() where user_id = $1', [user.userId]);
  return {
    base, databaseUrl, redisUrl, queuePrefix, api, worker, pool, smtp, userId: user.userId,
    authed: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    async stop() {
      await Promise.all([stopProcess(api), stopProcess(worker)]);
      await Promise.all([pool.end(), smtp.close()]);
    },
  };
}
