// `npm run bench`: issue #11's benchmark. Starts the stack as in production (API and worker as
// child processes on a bench database of their own, with their own queue prefix), runs every
// scenario (bench/scenarios/index.ts) with the load generator in a separate process, prints a
// table and writes bench/results/latest.json and bench/results/latency.svg.
//
//   npm run bench                 # every scenario, full length (about 2½ minutes)
//   npm run bench -- --quick      # every scenario briefly (under 60 s): a smoke check
//
// Environment: BENCH_DATABASE_URL (dropped and re-created!), REDIS_URL, BENCH_SECONDS (measured
// load per target), BENCH_ROUNDS (interleaved rounds of the ingest targets, default 4), BENCH_LOG_LEVEL (the API's and worker's, default info as in production),
// BENCH_LOAD_GENERATOR=autocannon (the ingest loads use wrk when it is installed: `apt-get install -y wrk`).
// Traffic goes only to 127.0.0.1; every load is bounded in time. Exit code 1 if a target is missed.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { renderLatencyChart } from './lib/chart.ts';
import { COLLECT_GENERATOR } from './lib/load.ts';
import { startStack } from './lib/stack.ts';
import { SCENARIOS } from './scenarios/index.ts';
import type { BenchOptions, LatencySeries, Measurement } from './scenarios/scenario.ts';

const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porchlight_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
if (!/^postgres(ql)?:\/\/[^/]*(127\.0\.0\.1|localhost)[:/]/.test(DB_URL)) throw new Error('bench: BENCH_DATABASE_URL must point at 127.0.0.1 or localhost');

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const options: BenchOptions = args.quick
  ? { quick: true, loadSeconds: Number(process.env.BENCH_SECONDS ?? 2), warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1), rounds: 1 }
  : { quick: false, loadSeconds: Number(process.env.BENCH_SECONDS ?? 10), warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2), rounds: Number(process.env.BENCH_ROUNDS ?? 4) };

function describeMachine() {
  const loadavg = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).map(Number);
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMb: Math.round(freemem() / 2 ** 20),
    loadAverageAtStart: loadavg,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    postgres: '',
    /** What generated the ingest loads (bench/lib/wrk.ts): the other loads always use autocannon. */
    ingestLoadGenerator: COLLECT_GENERATOR,
  };
}

const fmt = (n: number | undefined) => (n === undefined ? '' : Math.abs(n) >= 100 ? String(Math.round(n)) : String(Math.round(n * 1000) / 1000));
const fmtTarget = (m: Measurement) => `${m.target.on === 'ratio' ? 'ratio ' : ''}${m.target.op} ${m.target.threshold}${m.target.on === 'value' ? ` ${m.unit}` : ''}`;

async function main() {
  const started = performance.now();
  const machine = describeMachine();
  const log = (message: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`);
  log(`bench: ${options.quick ? 'quick' : 'full'} run, ${options.loadSeconds} s per load, ingest loads by ${COLLECT_GENERATOR}; starting the stack on ${DB_URL}`);
  const stack = await startStack({ databaseUrl: DB_URL, redisUrl: REDIS_URL, logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
  const measurements: Measurement[] = [];
  const series: LatencySeries[] = [];
  try {
    machine.postgres = (await stack.pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0].v;
    for (const scenario of SCENARIOS) {
      if (args.only && !scenario.name.startsWith(args.only)) continue;
      log(`bench: scenario ${scenario.name}`);
      measurements.push(...(await scenario.run({ stack, options, chart: (s) => series.push(s), log })));
    }
  } finally {
    await stack.stop();
  }

  console.table(measurements.map((m) => ({
    name: m.name, value: `${fmt(m.value)} ${m.unit}`, baseline: fmt(m.baseline), ratio: fmt(m.ratio), target: fmtTarget(m), met: m.met ? 'yes' : 'NO',
  })));
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  const at = new Date().toISOString();
  await writeFile(new URL('latest.json', results), `${JSON.stringify({ at, mode: options.quick ? 'quick' : 'full', loadSeconds: options.loadSeconds, machine, scenarios: measurements }, null, 2)}\n`);
  if (series.length) await writeFile(new URL('latency.svg', results), renderLatencyChart(`POST /v1/collect latency, 50 connections (${at.slice(0, 16)}Z, ${machine.nproc} CPUs)`, series));
  const missed = measurements.filter((m) => !m.met);
  log(`bench: done; ${measurements.length - missed.length}/${measurements.length} targets met; bench/results/latest.json${series.length ? ' and latency.svg' : ''} written`);
  if (missed.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
