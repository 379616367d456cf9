// The real entry points (api/main.ts, worker/main.ts) as child processes on Node 24 (the test
// runner's own binary), with their JSON log lines collected for assertions.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface NodeProcess {
  child: ChildProcess;
  /** stdout, a line each (pino: one JSON object per line). */
  lines: string[];
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `entry` (relative to the repository root) with `env` and nothing else but PATH. */
export function spawnNode(entry: string, env: Record<string, string>): NodeProcess {
  return spawnNodeWith([entry], env);
}

/** As spawnNode, with Node's whole argument list (`[npmCli, 'run', 'worker']`: an npm script on this Node). */
export function spawnNodeWith(args: string[], env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: NodeProcess = {
    child, lines: [], stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    proc.lines.push(...lines);
  });
  child.stderr!.on('data', (d) => (proc.stderr += d));
  return proc;
}

/** The first JSON log line so far whose msg is `msg`. */
export function findLog(proc: NodeProcess, msg: string): Record<string, any> | undefined {
  for (const line of proc.lines) {
    try {
      const parsed = JSON.parse(line);
      if (parsed.msg === msg) return parsed;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

/** Resolves with the first JSON log line whose msg is `msg` (bounded by the test timeout); rejects if the process exits first. */
export function waitForLog(proc: NodeProcess, msg: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let closed = proc.child.stdout!.readableEnded;
    const check = () => {
      const found = findLog(proc, msg);
      if (found) {
        proc.child.off('close', onClose);
        return resolve(found);
      }
      // 'close' comes after the last of stdout: a process that died (by a signal too) without the line.
      if (closed) return reject(new Error(`exited (${proc.child.exitCode ?? proc.child.signalCode}) before logging "${msg}": ${proc.stderr}`));
      proc.child.stdout!.once('data', () => setImmediate(check));
    };
    const onClose = () => {
      closed = true;
      setImmediate(check);
    };
    proc.child.once('close', onClose);
    check();
  });
}

/** Stops every process still running (SIGTERM) and waits for each to exit (a test file's afterAll). */
export async function stopAll(procs: Iterable<NodeProcess>): Promise<void> {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
}

/**
 * The environment of a `worker/main.ts` child on a test server's database, Redis and queue prefix,
 * logging at info (tests read its lines), plus `env`.
 */
export function workerEnv(config: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string }, env: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'test', DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL, QUEUE_PREFIX: config.QUEUE_PREFIX, LOG_LEVEL: 'info', ...env };
}

/** A killed worker's active jobs move on in seconds, not after BullMQ's default 30 s lock. */
export const FAST_RECOVERY_ENV = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' } as const;
