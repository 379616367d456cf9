// The load generator, always in its own process (never in a server's event loop): runs one
// autocannon load described by a JSON file and writes the result as JSON.
//   node bench/lib/load-child.ts <spec.json> <result.json>
// For `collect` loads every request is a realistic tracker beacon (one page_view, a new event id)
// and the ids answered 202 are written out, so the caller can check each is in Postgres.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { LoadResult, LoadSpec } from './load.ts';

const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const spec = JSON.parse(await readFile(process.argv[2], 'utf8')) as LoadSpec;
const accepted: string[] = [];
let n = 0;

/** A page view as the tracker sends it: one event, visitor ids and addresses from a fixed pool. */
function beacon(): { id: string; ip: string; body: string } {
  const c = spec.collect!;
  n++;
  const v = n % c.visitors;
  const site = c.siteKeys[v % c.siteKeys.length];
  const listing = `mls-${(n * 7919) % 500}`;
  const id = randomUUID();
  const body = JSON.stringify({
    site,
    visitor: `00000000-0000-4000-8000-${String(v).padStart(12, '0')}`,
    events: [{
      id, type: 'page_view', ts: Date.now(), listing,
      url: `${c.origin}/listings/${listing}?utm_source=bench`,
      props: { title: `3 bd 2 ba craftsman — ${listing}`, referrer: 'https://www.google.com/' },
    }],
  });
  return { id, ip: `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`, body };
}

const opts: autocannon.Options = {
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSec,
  ...(spec.collect
    ? {
        requests: [{
          method: 'POST',
          path: '/v1/collect',
          setupRequest: (req: any, context: any) => {
            const b = beacon();
            context.eventId = b.id;
            return { ...req, headers: { 'content-type': 'text/plain;charset=UTF-8', origin: spec.collect!.origin, 'user-agent': CHROME_UA, 'x-forwarded-for': b.ip }, body: b.body };
          },
          onResponse: (status: number, _body: string, context: any) => {
            if (status === 202 && spec.collect!.trackAccepted) accepted.push(context.eventId);
          },
        }] as any,
      }
    : { method: (spec.method ?? 'GET') as autocannon.Request['method'], path: spec.path ?? '/', headers: spec.headers }),
};

// Every response's latency, for percentiles autocannon's summary lacks (p95: the dashboard target).
const latencies: number[] = [];
// Without a callback autocannon returns an instance that is both an EventEmitter and a promise.
const instance = autocannon(opts) as unknown as Promise<autocannon.Result> & { on(event: 'response', fn: (...args: never[]) => void): void };
instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
  latencies.push(responseTime);
});
const cpuBefore = process.cpuUsage();
const r = await instance;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
/** Nearest-rank percentile of the recorded latencies (ms). */
const percentile = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : Number.NaN);
const result: LoadResult = {
  requests: r.requests.total,
  reqPerSec: r.requests.average,
  latencyMs: {
    p1: r.latency.p1, p2_5: r.latency.p2_5, p10: r.latency.p10, p25: r.latency.p25, p50: r.latency.p50, p75: r.latency.p75,
    p90: r.latency.p90, p95: Math.round(percentile(0.95) * 100) / 100, p97_5: r.latency.p97_5, p99: r.latency.p99, p99_9: r.latency.p99_9, max: r.latency.max, mean: r.latency.mean,
  },
  statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count])),
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  acceptedIds: spec.collect?.trackAccepted ? accepted : undefined,
  generatorCpuUsPerRequest: Math.round(((cpu.user + cpu.system) / Math.max(1, r.requests.total)) * 10) / 10,
};
await writeFile(process.argv[3], JSON.stringify(result));
