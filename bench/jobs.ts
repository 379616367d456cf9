// `npm run bench:jobs`: how fast the background jobs turn activity into scores, measured on the
// real entry points (api/main.ts and worker/main.ts as child processes, as in production) so the
// figures do not depend on how the worker is wired inside. These are the timings the worker tests
// used to print; the tests now only assert behaviour.
//
//   burst    100 single-event beacons for one lead at once → time until the lead's score holds
//            all of them, and how many leads.score jobs ran (the debounce folds them)
//   rescore  PUT /v1/scoring-rules for a realtor with BENCH_RESCORE_LEADS leads → time until the
//            rescore reports finishedAt, and leads per second
//
// Traffic goes only to 127.0.0.1; every wait is bounded. Results go to bench/results/jobs-latest.json.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { CHROME_UA } from '../test/ingest.ts';
import { type NodeProcess, spawnNode, waitForLog } from '../test/process.ts';
import { resetDatabase } from './lib/stack.ts';

const DB_URL = process.env.BENCH_JOBS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porchlight_bench_jobs';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RESCORE_LEADS = Number(process.env.BENCH_RESCORE_LEADS ?? 2000);
const BURST_BEACONS = 100;
const WAIT_LIMIT_MS = 120_000;
const POLL_MS = 25;
const ORIGIN = 'https://homes.example';

/** Polls `probe` until it returns a value other than undefined; throws after WAIT_LIMIT_MS. */
async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench: gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function main() {
  await resetDatabase(DB_URL);
  const pool = new pg.Pool({ connectionString: DB_URL, max: 2 });
  const sql = async <T = Record<string, any>>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[];

  const env = { DATABASE_URL: DB_URL, REDIS_URL, QUEUE_PREFIX: `benchjobs${Date.now()}`, LOG_LEVEL: 'info', TRUST_PROXY: 'true' };
  const procs: NodeProcess[] = [];
  try {
    const api = spawnNode('api/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1' });
    procs.push(api);
    const worker = spawnNode('worker/main.ts', env);
    procs.push(worker);
    const { port } = await waitForLog(api, 'api listening');
    await waitForLog(worker, 'worker started');
    const base = `http://127.0.0.1:${port}`;

    const signup = await fetch(`${base}/v1/auth/signup`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', email: 'bench-jobs@example.com', password: 'benchmark password' }),
    });
    const cookie = signup.headers.getSetCookie()[0].split(';')[0];
    const { csrfToken, user } = await signup.json();
    const authed = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
    const site = await (await fetch(`${base}/v1/sites`, { method: 'POST', headers: authed, body: JSON.stringify({ name: 'Bench Realty', allowedOrigins: [ORIGIN] }) })).json();
    let ip = 0;
    const ingest = async (path: string, body: unknown) => {
      ip++;
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME_UA, 'x-forwarded-for': `10.9.${Math.floor(ip / 250)}.${(ip % 250) + 1}` },
        body: JSON.stringify(body),
      });
      if (res.status !== 202) throw new Error(`bench: ${path} answered ${res.status} ${await res.text()}`);
    };

    // ── burst ──
    const visitor = `v_${randomUUID().slice(0, 12)}`;
    await ingest('/v1/inquiries', { site: site.publicKey, id: randomUUID(), visitor, email: 'burst@example.com', name: 'Burst Buyer', message: 'Is it available?', consent: true });
    const leadId = await pollUntil('the inquiry scored', async () => {
      const [row] = await sql<{ lead_id: string }>('select lead_id from leads where email = $1 and scored_at is not null and not needs_rescore', ['burst@example.com']);
      return row?.lead_id;
    });
    const jobsBefore = worker.lines.filter((l) => l.includes('"job":"leads.score"') && l.includes('"job done"')).length;
    const burstStarted = performance.now();
    await Promise.all(
      Array.from({ length: BURST_BEACONS }, (_, k) =>
        ingest('/v1/collect', { site: site.publicKey, visitor, events: [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/l-${k % 10}`, listing: `l-${k % 10}` }] }),
      ),
    );
    const acceptedMs = performance.now() - burstStarted;
    await pollUntil('the burst scored', async () => {
      const [row] = await sql<{ views: number }>(
        `select coalesce(sum((s ->> 'count')::int), 0)::int as views from leads, jsonb_array_elements(score_breakdown -> 'signals') s
         where lead_id = $1 and not needs_rescore and s ->> 'key' like 'listing_view:%'`,
        [leadId],
      );
      return row && row.views >= BURST_BEACONS ? true : undefined;
    });
    const scoredMs = performance.now() - burstStarted;
    const jobs = worker.lines.filter((l) => l.includes('"job":"leads.score"') && l.includes('"job done"')).length - jobsBefore;

    // ── rescore ──
    await sql(
      `insert into leads (lead_id, user_id, site_id, email, score, score_band, score_breakdown, scored_at, last_activity_at)
       select gen_random_uuid(), $1, $2, 'rescore-' || i || '@example.com', 0, 'cold', jsonb_build_object('rulesVersion', 0, 'signals', '[]'::jsonb, 'computedAt', now()), now(), now()
       from generate_series(1, $3::int) i`,
      [user.userId, site.siteId, RESCORE_LEADS],
    );
    await sql(
      `insert into lead_analytics (analytic_id, lead_id, event_type, listing_ref, event_date, site_id, visitor_id)
       select gen_random_uuid(), lead_id, case when j = 1 then 'tool_interaction' else 'page_view' end, 'l-' || j, now() - (j || ' days')::interval, $2, 'v_seed'
       from leads cross join generate_series(1, 4) j where user_id = $1 and email like 'rescore-%'`,
      [user.userId, site.siteId],
    );
    const rescoreStarted = performance.now();
    const put = await fetch(`${base}/v1/scoring-rules`, { method: 'PUT', headers: authed, body: JSON.stringify({ rules: { bands: { hot: 50, warm: 20 } } }) });
    if (put.status !== 200) throw new Error(`bench: PUT /v1/scoring-rules answered ${put.status}`);
    const total: number = (await put.json()).rescore.total;
    await pollUntil('the rescore to finish', async () => {
      const progress = await (await fetch(`${base}/v1/scoring-rules/rescore`, { headers: { cookie } })).json();
      return progress.finishedAt ? true : undefined;
    });
    const rescoreMs = performance.now() - rescoreStarted;

    const results = {
      burst: { beacons: BURST_BEACONS, acceptedMs: Math.round(acceptedMs), scoredMs: Math.round(scoredMs), scoreJobs: jobs },
      rescore: { leads: total, ms: Math.round(rescoreMs), leadsPerSec: Math.round((total / rescoreMs) * 1000) },
    };
    console.log(`burst:   ${BURST_BEACONS} beacons accepted in ${results.burst.acceptedMs} ms, scored ${results.burst.scoredMs} ms after the first, ${jobs} leads.score job(s)`);
    console.log(`rescore: ${total} leads in ${results.rescore.ms} ms (PUT → finishedAt), ${results.rescore.leadsPerSec} leads/s`);
    await mkdir(new URL('results/', import.meta.url), { recursive: true });
    await writeFile(new URL('results/jobs-latest.json', import.meta.url), `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
  } finally {
    for (const proc of procs) if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
