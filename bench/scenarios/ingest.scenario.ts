// ingest.*: POST /v1/collect, one realistic page_view per request, 50 connections, 50 sites,
// against the API process — and, in the same run with the same load, (a) a bare Koa app that
// answers 202 (the ceiling) and (b) a naive handler doing one ORM insert per request. Each runs
// as its own process; the load generator is another one (wrk when installed, else autocannon:
// bench/lib/load.ts). Afterwards every event answered 202
// is looked up in Postgres. The API's RSS is sampled during its load: memory.api-rss.
import { writeFile } from 'node:fs/promises';
import { cpuSnapshot, cpuSplit } from '../lib/cpu.ts';
import { COLLECT_GENERATOR, runLoad, type LoadResult, type LoadSpec } from '../lib/load.ts';
import { readRssMb, startProcess, stopProcess } from '../lib/stack.ts';
import { measure, type Scenario, type ScenarioContext } from './scenario.ts';

export const INGEST_CONNECTIONS = 50;
export const INGEST_SITES = 50;
/** Distinct visitors (each with its own address) the beacons come from. */
export const INGEST_VISITORS = 5000;
const ORIGIN = 'https://listings.bench.example';
const RSS_SAMPLE_MS = 200;
const ID_CHUNK = 10_000;

async function createSites(ctx: ScenarioContext): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < INGEST_SITES; i++) {
    const res = await fetch(`${ctx.stack.base}/v1/sites`, { method: 'POST', headers: ctx.stack.authed, body: JSON.stringify({ name: `Bench site ${i}`, allowedOrigins: [ORIGIN] }) });
    if (res.status !== 201) throw new Error(`bench: creating a site answered ${res.status} ${await res.text()}`);
    keys.push((await res.json()).publicKey);
  }
  return keys;
}

/** Warm-up load (not measured), then the measured load. */
async function measureTarget(ctx: ScenarioContext, label: string, url: string, siteKeys: string[], during?: () => () => Promise<number>, generator = COLLECT_GENERATOR): Promise<{ result: LoadResult; peakRssMb?: number }> {
  const { loadSeconds, warmupSeconds } = ctx.options;
  const spec = (durationSec: number, trackAccepted: boolean): LoadSpec => ({
    url, connections: INGEST_CONNECTIONS, durationSec, generator,
    collect: { siteKeys, origin: ORIGIN, visitors: INGEST_VISITORS, trackAccepted },
  });
  ctx.log(`ingest: ${label}: warm-up ${warmupSeconds} s, then ${loadSeconds} s with ${INGEST_CONNECTIONS} connections (${generator})`);
  await runLoad(spec(warmupSeconds, false));
  const stopSampling = during?.();
  const result = await runLoad(spec(loadSeconds, true));
  const peakRssMb = await stopSampling?.();
  ctx.log(`ingest: ${label}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, statuses ${JSON.stringify(result.statusCodes)}, errors ${result.errors}; the load generator used ${result.generatorCpuUsPerRequest} µs of CPU per request`);
  ctx.chart({ label: `${label} (${Math.round(result.reqPerSec)} req/s)`, latencyMs: result.latencyMs });
  return { result, peakRssMb };
}

/** Samples a process's RSS until the returned stop function is called; resolves with the peak. */
function sampleRss(pid: number): () => () => Promise<number> {
  return () => {
    let peak = 0;
    const timer = setInterval(() => {
      readRssMb(pid).then((mb) => (peak = Math.max(peak, mb)), () => undefined);
    }, RSS_SAMPLE_MS);
    return async () => {
      clearInterval(timer);
      peak = Math.max(peak, await readRssMb(pid));
      return peak;
    };
  };
}

/** Several rounds of one target as one result: requests/s over the total time, the worst of each percentile. */
function combine(runs: { result: LoadResult; peakRssMb?: number }[], seconds: number): { result: LoadResult; peakRssMb?: number } {
  const results = runs.map((r) => r.result);
  const sum = (f: (r: LoadResult) => number) => results.reduce((acc, r) => acc + f(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, count] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const latencyMs = { ...results[0].latencyMs };
  for (const key of Object.keys(latencyMs) as (keyof LoadResult['latencyMs'])[]) latencyMs[key] = Math.max(...results.map((r) => r.latencyMs[key]));
  const rss = runs.map((r) => r.peakRssMb).filter((v): v is number => v !== undefined);
  return {
    result: {
      requests: sum((r) => r.requests), reqPerSec: sum((r) => r.requests) / (seconds * results.length), latencyMs, statusCodes,
      non2xx: sum((r) => r.non2xx), errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts),
      acceptedIds: results.flatMap((r) => r.acceptedIds ?? []),
    },
    peakRssMb: rss.length ? Math.max(...rss) : undefined,
  };
}

export const ingestScenario: Scenario = {
  name: 'ingest',
  async run(ctx) {
    const { stack } = ctx;
    const siteKeys = await createSites(ctx);
    const splits: ReturnType<typeof cpuSplit>[] = [];
    type Run = Awaited<ReturnType<typeof measureTarget>>;
    // bareOther: bare Koa under autocannon as well when wrk drives the loads. A Node server spends
    // more per request under wrk (docs/performance.md, "The ingest load generator"), so the
    // ceiling of each round is whichever generator got more out of bare Koa: the ratio never gains from wrk's lower one.
    // Not in --quick (a smoke check that must stay under a minute).
    const runs = { bare: [] as Run[], bareOther: [] as Run[], naive: [] as Run[], api: [] as Run[] };
    // Rounds interleave the three targets, so a burst of load from elsewhere on a shared machine
    // hits all of them rather than one.
    for (let round = 1; round <= ctx.options.rounds; round++) {
      ctx.log(`ingest: round ${round} of ${ctx.options.rounds}`);
      const bare = await startProcess('baseline-bare-koa', 'bench/baselines/bare-koa.ts', { PORT: '0' }, 'listening');
      await (async () => {
        runs.bare.push(await measureTarget(ctx, 'bare Koa', `http://127.0.0.1:${bare.port}`, siteKeys));
        if (COLLECT_GENERATOR !== 'autocannon' && !ctx.options.quick) runs.bareOther.push(await measureTarget(ctx, 'bare Koa under autocannon', `http://127.0.0.1:${bare.port}`, siteKeys, undefined, 'autocannon'));
      })().finally(() => stopProcess(bare));
      const naive = await startProcess('baseline-naive-orm', 'bench/baselines/naive-collect.ts', { PORT: '0', DATABASE_URL: stack.databaseUrl }, 'listening');
      runs.naive.push(await measureTarget(ctx, 'naive ORM insert', `http://127.0.0.1:${naive.port}`, siteKeys).finally(() => stopProcess(naive)));
      // RSS sampled and CPU read over the measured load only (after the warm-up).
      const pid = stack.api.child.pid!;
      const rss = sampleRss(pid);
      let cpuBefore = cpuSnapshot(pid);
      let cpuAfter = cpuBefore;
      const apiRun = await measureTarget(ctx, 'POST /v1/collect', stack.base, siteKeys, () => {
        cpuBefore = cpuSnapshot(pid);
        const stop = rss();
        return () => {
          cpuAfter = cpuSnapshot(pid);
          return stop();
        };
      });
      const split = cpuSplit(cpuBefore, cpuAfter, apiRun.result.requests);
      splits.push(split);
      ctx.log(`ingest: CPU per accepted beacon: API ${split.apiUs} µs, Postgres ${split.postgresUs} µs, the rest of the machine (load generator, Redis, worker) ${split.otherUs} µs; machine ${split.machineBusy} % busy`);
      runs.api.push(apiRun);
    }
    // The baseline: in each round the higher of bare Koa's two runs (only one without wrk), averaged.
    const bareOfRound = (i: number) => Math.max(runs.bare[i].result.reqPerSec, runs.bareOther[i]?.result.reqPerSec ?? 0);
    const bareRps = runs.bare.reduce((sum, _, i) => sum + bareOfRound(i), 0) / runs.bare.length;
    const bareOwn = combine(runs.bare, ctx.options.loadSeconds);
    const bareOther = runs.bareOther.length ? combine(runs.bareOther, ctx.options.loadSeconds) : undefined;
    const ceiling = bareOther
      ? `; bare Koa did ${Math.round(bareOwn.result.reqPerSec)} req/s under ${COLLECT_GENERATOR} and ${Math.round(bareOther.result.reqPerSec)} under autocannon, the baseline is each round's higher`
      : '';
    const naiveRun = combine(runs.naive, ctx.options.loadSeconds);
    const api = combine(runs.api, ctx.options.loadSeconds);
    if (ctx.options.rounds > 1) {
      ctx.log(`ingest: all rounds: bare ${Math.round(bareRps)} req/s (the baseline${ceiling}), naive ${Math.round(naiveRun.result.reqPerSec)} req/s, collect ${Math.round(api.result.reqPerSec)} req/s (worst p99 ${api.result.latencyMs.p99} ms)`);
    }
    // Every event answered 202 must be in Postgres (the 202 is sent after the commit).
    const accepted = api.result.acceptedIds ?? [];
    let found = 0;
    const transactions = new Set<string>();
    for (let i = 0; i < accepted.length; i += ID_CHUNK) {
      const { rows } = await stack.pool.query<{ xmin: string }>('select xmin::text as xmin from lead_analytics where client_event_id = any($1::uuid[])', [accepted.slice(i, i + ID_CHUNK)]);
      found += rows.length;
      for (const r of rows) transactions.add(r.xmin);
    }
    const lost = accepted.length - found;
    ctx.log(`ingest: ${accepted.length} events answered 202, ${found} found in Postgres (${lost} missing), in ${transactions.size} transactions (${(found / Math.max(1, transactions.size)).toFixed(1)} events per commit)`);
    if (lost !== 0) ctx.log(`ingest: ASSERTION FAILED: ${lost} events answered 202 are not in Postgres`);
    const non202 = api.result.requests - (api.result.statusCodes['202'] ?? 0);

    // Partition pruning: the dashboard's events-per-day query over the last 7 days of one site.
    // A 7-day range touches at most two month partitions; the plan goes to bench/results/.
    const { rows: [one] } = await stack.pool.query<{ site_id: string }>('select site_id from lead_analytics limit 1');
    const to = new Date();
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const query = `select to_char(event_date at time zone 'UTC', 'YYYY-MM-DD') as day, event_type, count(*) from lead_analytics
    where site_id = '${one.site_id}' and event_date >= '${from.toISOString()}' and event_date < '${to.toISOString()}' group by 1, 2 order by 1, 2`;
    const { rows: planRows } = await stack.pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off, timing off) ${query}`);
    const plan = planRows.map((r) => r['QUERY PLAN']).join('\n');
    const scanned = [...new Set(plan.match(/lead_analytics_(p\d{6}|default)\b/g) ?? [])].sort();
    const { rows: [parts] } = await stack.pool.query<{ n: number }>(`select count(*)::int as n from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname = 'lead_analytics'`);
    await writeFile(new URL('../results/partition-pruning.txt', import.meta.url), `-- ${parts.n} partitions of lead_analytics; this query reads ${scanned.join(', ')}\n${query};\n\n${plan}\n`);
    ctx.log(`ingest: a 7-day events-per-day query reads ${scanned.length} of ${parts.n} partitions (${scanned.join(', ')}); plan in bench/results/partition-pruning.txt`);

    const rps = api.result.reqPerSec;
    const perRound = runs.api.map((r, i) => (r.result.reqPerSec / bareOfRound(i)).toFixed(3)).join(', ');
    const generatorUs = (list: typeof runs.api) => list.map((r) => r.result.generatorCpuUsPerRequest).join('/');
    return [
      measure({ name: 'ingest.throughput-vs-bare-koa', metric: `POST /v1/collect req/s ÷ bare Koa req/s, loads by ${COLLECT_GENERATOR} (per round: ${perRound}${ceiling}; the load generator's own CPU per request, per round: ${generatorUs(runs.bare)} µs against bare Koa, ${generatorUs(runs.api)} µs against collect; CPU per beacon, per round: ${splits.map((c) => `API ${c.apiUs} µs, Postgres ${c.postgresUs} µs, rest ${c.otherUs} µs at ${c.machineBusy} % busy`).join('; ')})`, value: rps, unit: 'req/s', baseline: bareRps, target: { on: 'ratio', op: '>=', threshold: 0.3 } }),
      measure({ name: 'ingest.throughput-vs-naive', metric: 'POST /v1/collect req/s ÷ naive ORM handler req/s', value: rps, unit: 'req/s', baseline: naiveRun.result.reqPerSec, target: { on: 'ratio', op: '>=', threshold: 2 } }),
      measure({ name: 'ingest.latency-p99', metric: 'p99 latency at 50 connections', value: api.result.latencyMs.p99, unit: 'ms', target: { on: 'value', op: '<', threshold: 50 } }),
      measure({ name: 'ingest.latency-p50', metric: 'p50 latency at 50 connections (reported with the p99 target)', value: api.result.latencyMs.p50, unit: 'ms', target: { on: 'value', op: '<', threshold: 50 } }),
      measure({ name: 'ingest.lost-events', metric: `events answered 202 but missing in Postgres (of ${accepted.length})`, value: lost, unit: 'events', target: { on: 'value', op: '<=', threshold: 0 } }),
      measure({ name: 'ingest.non-202', metric: 'answers other than 202 (errors, 429, 5xx)', value: non202 + api.result.errors, unit: 'requests', target: { on: 'value', op: '<=', threshold: 0 } }),
      measure({ name: 'ingest.partition-pruning', metric: `lead_analytics partitions a 7-day dashboard query reads (of ${parts.n}; EXPLAIN in bench/results/partition-pruning.txt)`, value: scanned.length, unit: 'partitions', target: { on: 'value', op: '<=', threshold: 2 } }),
      measure({ name: 'memory.api-rss', metric: 'API process peak RSS under the ingest load', value: api.peakRssMb ?? 0, unit: 'MB', target: { on: 'value', op: '<', threshold: 200 } }),
    ];
  },
};
