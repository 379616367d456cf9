// Collect loads with wrk (C, an event loop per thread, LuaJIT for the beacons: bench/lib/wrk-collect.lua)
// when it is installed: it spends a few µs of CPU per request where autocannon spends 25–70, and on
// a two-core machine the load generator's CPU is taken from the server it measures
// (docs/performance.md, "The load generator"). Same beacons, same result shape as lib/load-child.ts.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.ts';

const SCRIPT = fileURLToPath(new URL('./wrk-collect.lua', import.meta.url));
const REQUEST_TIMEOUT = '10s';

/** Whether wrk is on the PATH (`apt-get install -y wrk`). */
export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version prints its usage and exits 1; only a missing binary is ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

interface WrkOutput {
  requests: number;
  durationUs: number;
  errors: Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
  latencyMs: Record<string, number>;
  statusCodes: Record<string, number>;
  cpuMs: number;
  acceptedIds: string[];
}

/** Runs one collect load with wrk (one thread), bounded by the spec's duration. */
export async function runWrkCollect(spec: LoadSpec & { collect: NonNullable<LoadSpec['collect']> }, dir: string): Promise<LoadResult> {
  const resultFile = join(dir, 'wrk-result.json');
  const c = spec.collect;
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationSec}s`, '--timeout', REQUEST_TIMEOUT, '-s', SCRIPT, spec.url,
    '--', c.siteKeys.join(','), c.origin, String(c.visitors), c.trackAccepted ? '1' : '0', randomBytes(4).toString('hex')];
  const child = spawn('wrk', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WRK_RESULT: resultFile } });
  const killer = setTimeout(() => child.kill('SIGKILL'), (spec.durationSec + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`bench: wrk exited with ${code}`);
  const out = JSON.parse(await readFile(resultFile, 'utf8')) as WrkOutput;
  const l = out.latencyMs;
  const non2xx = Object.entries(out.statusCodes).reduce((n, [status, count]) => n + (status.startsWith('2') ? 0 : count), 0);
  return {
    requests: out.requests,
    reqPerSec: out.requests / (out.durationUs / 1e6),
    latencyMs: {
      p1: l['1'], p2_5: l['2.5'], p10: l['10'], p25: l['25'], p50: l['50'], p75: l['75'], p90: l['90'], p95: l['95'],
      p97_5: l['97.5'], p99: l['99'], p99_9: l['99.9'], max: l.max, mean: Math.round(l.mean * 100) / 100,
    },
    statusCodes: out.statusCodes,
    non2xx,
    errors: out.errors.connect + out.errors.read + out.errors.write,
    timeouts: out.errors.timeout,
    acceptedIds: c.trackAccepted ? out.acceptedIds : undefined,
    generatorCpuUsPerRequest: Math.round((out.cpuMs * 1000 / Math.max(1, out.requests)) * 10) / 10,
  };
}
