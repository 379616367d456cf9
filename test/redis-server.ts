// A throwaway redis-server (the binary on PATH) on a free port, for tests that take Redis away:
// stop it, freeze it, start it again on the same port. Never the shared Redis on 6379.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface ThrowawayRedis {
  port: number;
  /** redis://127.0.0.1:<port> */
  url: string;
  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (SIGTERM) and resolves once the process has exited: clients see the socket close. */
  stop(): Promise<void>;
  /** SIGSTOP: the socket stays open and nothing answers (a hung or partitioned Redis). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
}

/** A port nobody listens on right now (the OS picks it; released before the caller binds it). */
export async function findFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts a redis-server without persistence on a free port. Call `stop()` in afterAll. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await findFreePort();
  let child: ChildProcess | undefined;
  let frozen = false;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let output = '';
      proc.stdout!.on('data', (d) => {
        output += d;
        if (output.includes('Ready to accept connections')) resolve();
      });
      proc.stderr!.on('data', (d) => (output += d));
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`)));
      proc.once('error', reject);
    });

  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    if (frozen) proc.kill('SIGCONT');
    frozen = false;
    proc.kill('SIGTERM');
    await exited;
  };

  // A failed or timed-out test file must not leave a redis-server behind when its process ends.
  process.once('exit', () => {
    if (frozen) child?.kill('SIGCONT');
    child?.kill('SIGKILL');
  });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    freeze() {
      frozen = true;
      child?.kill('SIGSTOP');
    },
    thaw() {
      frozen = false;
      child?.kill('SIGCONT');
    },
  };
}
