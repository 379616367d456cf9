// Runs a load in a separate process (lib/load-child.ts) and returns its result.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasWrk, runWrkCollect } from './wrk.ts';

export interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** What generates a collect load (default COLLECT_GENERATOR); other loads always use autocannon. */
  generator?: 'wrk' | 'autocannon';
  /** POST /v1/collect beacons (one page_view each) for these sites. */
  collect?: { siteKeys: string[]; origin: string; visitors: number; trackAccepted: boolean };
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  /** autocannon's percentiles, plus `p95` computed from every response's latency (nearest rank). */
  latencyMs: Record<'p1' | 'p2_5' | 'p10' | 'p25' | 'p50' | 'p75' | 'p90' | 'p95' | 'p97_5' | 'p99' | 'p99_9' | 'max' | 'mean', number>;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Event ids answered 202 (collect loads with trackAccepted). */
  acceptedIds?: string[];
  /** CPU (user + system) the load generator itself used per request, µs: it shares the machine with the target. */
  generatorCpuUsPerRequest?: number;
}

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/** Which load generator collect loads use: wrk when installed, unless BENCH_LOAD_GENERATOR=autocannon. */
export const COLLECT_GENERATOR: 'wrk' | 'autocannon' = process.env.BENCH_LOAD_GENERATOR === 'autocannon' || !hasWrk() ? 'autocannon' : 'wrk';

/** Runs the load in a child process, bounded by the spec's duration. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'porchlight-bench-'));
  try {
    if (spec.collect && (spec.generator ?? COLLECT_GENERATOR) === 'wrk') return await runWrkCollect({ ...spec, collect: spec.collect }, dir);
    const specFile = join(dir, 'spec.json');
    const resultFile = join(dir, 'result.json');
    await writeFile(specFile, JSON.stringify(spec));
    const child = spawn(process.execPath, [CHILD, specFile, resultFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), (spec.durationSec + 60) * 1000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    if (code !== 0) throw new Error(`bench: the load generator exited with ${code}`);
    return JSON.parse(await readFile(resultFile, 'utf8')) as LoadResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
