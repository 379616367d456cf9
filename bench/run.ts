// `npm run bench`: throughput of the hot HTTP paths, reported as ratios to a baseline measured in
// the same run on the same machine (GET /healthz through the full middleware stack), so results
// compare across machines. Traffic goes only to 127.0.0.1 and every scenario is bounded in time.
//
//   npm run bench                 # all scenarios, 5 s each
//   BENCH_SECONDS=10 npm run bench
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createApp } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { createRuntime } from '../core/runtime.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porchlight_bench';
const ORIGIN = 'http://bench.example';

async function main() {
  const admin = new pg.Client({ connectionString: new URL('/postgres', DB_URL).toString() });
  await admin.connect();
  await admin.query(`drop database if exists "${new URL(DB_URL).pathname.slice(1)}" with (force)`);
  await admin.end();

  const config = loadConfig({ DATABASE_URL: DB_URL, QUEUE_PREFIX: `bench${Date.now()}`, LOG_LEVEL: 'silent', TRUST_PROXY: 'true' });
  const runtime = await createRuntime({ name: 'bench', config, migrate: true, orm: { pool: { min: 2, max: 10 } } });
  const app = createApp(runtime);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Fixtures: one realtor with an API key, 50 sites (spreads the per-site rate limit), LEADS leads.
  const signup = await fetch(`${base}/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', email: 'bench@example.com', password: 'benchmark password' }) });
  const cookie = signup.headers.getSetCookie()[0].split(';')[0];
  const { csrfToken, user } = await signup.json();
  const authed = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  const siteKeys: string[] = [];
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${base}/v1/sites`, { method: 'POST', headers: authed, body: JSON.stringify({ name: `s${i}`, allowedOrigins: [ORIGIN] }) });
    siteKeys.push((await res.json()).publicKey);
  }
  const key = (await (await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: authed, body: JSON.stringify({ name: 'bench' }) })).json()).key;
  const pool = new pg.Pool({ connectionString: DB_URL, max: 2 });
  await pool.query(
    `insert into leads (lead_id, user_id, name, email, score, score_band, created_at, updated_at, last_activity_at)
     select gen_random_uuid(), $1, 'Lead ' || g, 'lead' || g || '@example.com', (g * 7919) % 101,
            case when (g * 7919) % 101 >= 60 then 'hot' when (g * 7919) % 101 >= 25 then 'warm' else 'cold' end,
            now() - (g || ' minutes')::interval, now(), now() - (g || ' seconds')::interval
     from generate_series(1, $2::int) g`,
    [user.userId, LEADS],
  );
  await pool.query('analyze leads');
  await pool.end();

  const run = (title: string, opts: Partial<autocannon.Options>) =>
    autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, title, ...opts } as autocannon.Options);

  let n = 0;
  const collectBody = () =>
    JSON.stringify({
      site: siteKeys[n++ % siteKeys.length],
      visitor: `v${n % 5000}`,
      events: Array.from({ length: 10 }, (_, i) => ({ id: randomUUID(), type: i % 3 ? 'page_view' : 'tool_interaction', value: i % 3 ? undefined : 'mortgage_calculator', url: `${ORIGIN}/listing/${i}`, listing: `l${i}` })),
    });

  const results: Record<string, { reqPerSec: number; p50Ms: number; p99Ms: number; non2xx: number }> = {};
  const record = (name: string, r: autocannon.Result) => {
    results[name] = { reqPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx };
  };

  record('baseline: GET /healthz', await run('healthz', { requests: [{ method: 'GET', path: '/healthz' }] }));
  record('POST /v1/collect (10 events)', await run('collect', {
    requests: [{
      method: 'POST', path: '/v1/collect',
      setupRequest: (req) => ({ ...req, headers: { 'content-type': 'text/plain', origin: ORIGIN, 'x-forwarded-for': `10.${n % 250}.${(n >> 8) % 250}.${n % 7}` }, body: collectBody() }),
    }],
  }));
  const leadsPath = '/v1/leads?sort=score&limit=50';
  const probe = await fetch(base + leadsPath, { headers: { authorization: `Bearer ${key}` } });
  if (probe.ok) {
    record(`GET /v1/leads first page (${LEADS} leads)`, await run('leads', { requests: [{ method: 'GET', path: leadsPath, headers: { authorization: `Bearer ${key}` } }] }));
    record(`GET /v1/leads?q= search (${LEADS} leads)`, await run('leads-search', { requests: [{ method: 'GET', path: '/v1/leads?q=lead4242&limit=50', headers: { authorization: `Bearer ${key}` } }] }));
  }

  const baseline = results['baseline: GET /healthz'].reqPerSec;
  const rows = Object.entries(results).map(([name, r]) => ({ scenario: name, 'req/s': Math.round(r.reqPerSec), 'ratio to baseline': +(r.reqPerSec / baseline).toFixed(3), 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms, non2xx: r.non2xx }));
  console.table(rows);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, node: process.version, rows }, null, 2)}\n`);

  server.close();
  server.closeAllConnections();
  await runtime.close();
}

await main();
