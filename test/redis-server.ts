// A throwaway redis-server (the binary on PATH) on a free port outside the OS's ephemeral range
// (findFreePort), for tests that take Redis away: stop it, freeze it, start it again on the same
// port. Never the shared Redis on 6379.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** The lowest port findFreePort picks: above the registered ports most services use (5432, 6379, 8080…). */
const LOWEST_PORT = 15_000;
/** Linux's default ephemeral range, for a machine whose range cannot be read. */
const DEFAULT_EPHEMERAL_RANGE: [number, number] = [32_768, 60_999];

/** The range the OS picks ports from for outgoing connections and `listen(0)`. */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return [low, high];
  } catch {
    // not Linux
  }
  return DEFAULT_EPHEMERAL_RANGE;
}

/** Whether nothing listens on `port` at 127.0.0.1 right now (a bind that succeeds, then released). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on right now, chosen outside the OS's ephemeral range, for a server that is
 * stopped and started again on the same port. A port the OS handed out (`listen(0)`) is in that
 * range: while the server is down, any outgoing connection on the machine may be given it as its
 * local port, and the restart then fails with EADDRINUSE. Below the range the OS never assigns a
 * port by itself; the choice is random (and bind-checked) so test files running in parallel do not
 * pick the same one. Released before the caller binds it, so callers starting a server on it retry
 * with another port on EADDRINUSE before they hand the port out.
 */
export async function findFreePort(): Promise<number> {
  const [low, high] = ephemeralPortRange();
  // Ports outside the range: below it from LOWEST_PORT, and above it up to 65535.
  const below = Math.max(0, low - LOWEST_PORT);
  const above = Math.max(0, 65_535 - high);
  if (below + above === 0) throw new Error(`no ports outside the ephemeral range ${low}-${high} (/proc/sys/net/ipv4/ip_local_port_range) to run a restartable server on`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const pick = randomInt(below + above);
    const port = pick < below ? LOWEST_PORT + pick : high + 1 + (pick - below);
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port found outside the ephemeral range ${low}-${high} after 50 tries`);
}

/** Starts a redis-server without persistence on a free port. Call `stop()` in afterAll. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  let port = await findFreePort();
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
  // The first start may lose its port to another process between the check and the bind: nobody
  // knows the port yet, so another one will do. A restart keeps its port (clients reconnect to it).
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/i.test(String((err as Error).message))) throw err;
      port = await findFreePort();
    }
  }
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
