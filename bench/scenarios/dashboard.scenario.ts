// dashboard.*: the realtor's dashboard with a big account — 100,000 leads, 5,000,000 analytics
// events (`--quick`: 2,000 and 40,000) of one realtor on two sites, spread over a year, loaded
// with INSERT … SELECT generate_series and analysed. The worker's `analytics.rollup` job then
// backfills the daily rollups (its time is reported). Each target is measured over HTTP with the
// load generator in its own process (10 connections, the realtor's session), p95 from every
// response's latency (the load child records them; autocannon's own summary has no p95).
// Afterwards the exact SQL each endpoint runs is captured from the core functions in this process
// and EXPLAIN (ANALYZE, BUFFERS)'d; the plans go to bench/results/dashboard-explain.txt. The two
// analytics targets are served from the API's answer cache as in production; their uncached p95
// (every request computed) is measured as well and written into the metric.
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { tenantOfUser } from '../../core/accounts/tenant.ts';
import { getLeadAnalytics } from '../../core/analytics/lead-analytics.ts';
import { getAnalyticsSummary } from '../../core/analytics/analytics-summary.ts';
import { loadConfig } from '../../core/config.ts';
import { getLeadTimeline } from '../../core/leads/lead-timeline.ts';
import { listLeads } from '../../core/leads/list-leads.ts';
import { createRuntime } from '../../core/runtime.ts';
import { cpuSnapshot, cpuSplit } from '../lib/cpu.ts';
import { runLoad } from '../lib/load.ts';
import { measure, type Measurement, type Scenario, type ScenarioContext } from './scenario.ts';

export const DASHBOARD_CONNECTIONS = 10;
const FULL = { leads: 100_000, events: 5_000_000 };
const QUICK = { leads: 2_000, events: 40_000 };
/** Visitors per lead (most visitors never become leads). */
const VISITORS_PER_LEAD = 2.5;
const LISTINGS = 500;
const DAYS = 365;
const INSERT_BATCH = 500_000;
const ROLLUP_WAIT_MS = 10 * 60_000;
const P95_TARGET_MS = 30;
const ANALYTICS_CACHE_NOTE = 'ANALYTICS_CACHE_SECONDS, default 5 s';

/** Loads the data set with a handful of set-based statements; returns the lead whose timeline is read. */
async function load(ctx: ScenarioContext, sites: string[], size: { leads: number; events: number }): Promise<string> {
  const { pool, userId } = ctx.stack;
  const client = await pool.connect();
  const visitors = Math.round(size.leads * VISITORS_PER_LEAD);
  const t0 = performance.now();
  try {
    await client.query('set synchronous_commit = off');
    // Bulk load: skip the per-row foreign-key triggers (the rows are consistent by construction).
    await client.query(`set session_replication_role = replica`);
    // Seconds into the past, spread over the year by a multiplicative hash of n.
    // A minute back at the latest, so the rollup (15 s behind the clock) can count everything at once.
    const spread = (n: string) => `now() - interval '1 minute' - ((${n}::bigint * 104729) % ${DAYS * 86_400}) * interval '1 second'`;
    await client.query(`
      insert into leads (lead_id, user_id, site_id, name, email, phone, status, score, score_band, created_at, updated_at, last_activity_at, first_contacted_at)
      select md5('lead' || n)::uuid, $1, ($2::uuid[])[1 + n % 2],
        'Lead ' || n || ' ' || (array['Smith','Jones','Garcia','Nguyen','Brown','Okafor'])[1 + n % 6], 'lead' || n || '@example.com', '+1555' || lpad(n::text, 7, '0'),
        'new', s, case when s >= 60 then 'hot' when s >= 25 then 'warm' else 'cold' end, c, c, c,
        case when n % 3 > 0 then c + ((n * 7919) % 7200) * interval '1 second' end
      from (select n, (n * 7919) % 100 as s, ${spread('n')} as c from generate_series(1, $3) n) x`, [userId, sites, size.leads]);
    await client.query(`
      insert into inquiries (inquiry_id, lead_id, message, created_at, site_id, source, listing_ref)
      select gen_random_uuid(), md5('lead' || n)::uuid, 'Is this home still available?', ${spread('n')}, ($1::uuid[])[1 + n % 2], 'widget', 'mls-' || (n % ${LISTINGS})
      from generate_series(1, $2) n`, [sites, size.leads]);
    await client.query(`
      insert into visitors (site_id, visitor_id, lead_id, first_seen_at, last_seen_at, stitched_at)
      select ($1::uuid[])[1 + n % 2], 'v' || n, case when n <= $3 then md5('lead' || n)::uuid end, ${spread('n * 31')}, now(), now()
      from generate_series(1, $2) n`, [sites, visitors, size.leads]);
    ctx.log(`dashboard: ${size.leads} leads, ${size.leads} inquiries, ${visitors} visitors in ${Math.round(performance.now() - t0)} ms`);
    // Secondary indexes of lead_analytics are dropped for the load and rebuilt after it (one sort
    // each instead of 5M random inserts); the ones backing constraints stay.
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(`
      select i.indexname, i.indexdef from pg_indexes i where i.schemaname = current_schema() and i.tablename = 'lead_analytics'
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`);
    for (const i of indexes) await client.query(`drop index "${i.indexname.replaceAll('"', '""')}"`);
    for (let lo = 1; lo <= size.events; lo += INSERT_BATCH) {
      const hi = Math.min(size.events, lo + INSERT_BATCH - 1);
      await client.query(`
        insert into lead_analytics (analytic_id, lead_id, event_type, event_value, event_date, site_id, visitor_id, client_event_id, listing_ref, page_url, props, received_at)
        select gen_random_uuid(), case when v <= $2 then md5('lead' || v)::uuid end, t,
          case when t = 'page_view' then '/listings/' || coalesce(l, '') end, d, ($1::uuid[])[1 + v % 2], 'v' || v, gen_random_uuid(), l,
          'https://listings.bench.example/listings/' || coalesce(l, ''),
          case when t = 'page_view' and l is not null and i % 50 = 0 then jsonb_build_object('listingTitle', (i % ${LISTINGS}) || ' Oak Street') end, d
        from (
          select i, 1 + (i * 7) % $3 as v, d,
            (array['page_view','page_view','page_view','page_view','page_view','page_view','page_view','tool_interaction','save_listing','showing_request'])[1 + i % 10] as t,
            case when i % 10 < 6 or i % 10 = 8 then 'mls-' || (i % ${LISTINGS}) end as l
          from (select i, ${spread('i')} as d from generate_series($4::bigint, $5::bigint) i) s
        ) x`, [sites, size.leads, visitors, lo, hi]);
      ctx.log(`dashboard: events ${hi} / ${size.events} (${Math.round(performance.now() - t0)} ms)`);
    }
    await client.query(`set maintenance_work_mem = '256MB'`);
    for (const i of indexes) await client.query(i.indexdef.replace(' ON ONLY ', ' ON '));
    ctx.log(`dashboard: ${indexes.length} indexes of lead_analytics rebuilt (${Math.round(performance.now() - t0)} ms)`);
    await client.query('set session_replication_role = origin');
    // As on a database that had these events before the rollup migration: the job backfills from the epoch.
    await client.query(`truncate analytics_daily, analytics_daily_totals, analytics_listing_weeks, listings`);
    await client.query(`update analytics_rollup_state set watermark = 'epoch' where name = 'events'`);
    // What autovacuum does on a live database: statistics, and visibility maps for index-only scans.
    await client.query('vacuum analyze leads, inquiries, visitors, lead_analytics');
    ctx.log(`dashboard: loaded and analysed in ${Math.round(performance.now() - t0)} ms`);
  } finally {
    client.release();
  }
  // The lead whose visitor id is v1: ~events / visitors events of its own, and one inquiry.
  return (await pool.query<{ id: string }>(`select md5('lead1')::uuid::text as id`)).rows[0].id;
}

/**
 * Waits until the worker's rollup job has counted every event loaded on `sites`; returns how long
 * that took. Only those: the ingest scenario's events arrived seconds ago, and the rollup counts
 * an event only once it is ROLLUP_LAG_MS old, which made a quick run wait ~10 s for them.
 */
async function waitForRollup(ctx: ScenarioContext, sites: string[]): Promise<number> {
  const t0 = performance.now();
  const { pool } = ctx.stack;
  const target = (await pool.query<{ t: string }>('select max(received_at)::text as t from lead_analytics where site_id = any($1)', [sites])).rows[0].t;
  for (;;) {
    const { rows } = await pool.query<{ done: boolean }>(`select watermark > $1::timestamptz as done from analytics_rollup_state where name = 'events'`, [target]);
    if (rows[0]?.done) break;
    if (performance.now() - t0 > ROLLUP_WAIT_MS) throw new Error('bench: the analytics rollup did not catch up in time');
    await new Promise((r) => setTimeout(r, 250));
  }
  const ms = performance.now() - t0;
  const rows = (await pool.query<{ n: string }>('select count(*)::text as n from analytics_daily')).rows[0].n;
  ctx.log(`dashboard: rollup backfill done in ${Math.round(ms)} ms (${rows} analytics_daily rows)`);
  // The lead analytics rollups' delta rows appended during the load (one per lead whose first
  // inquiry the load set) are folded by the same job; vacuum them as autovacuum would.
  await pool.query('vacuum analyze analytics_daily, analytics_daily_totals, analytics_listing_weeks, listings, lead_daily_counts, speed_daily_counts, inquiry_daily_counts, visitor_daily_counts');
  return ms;
}

/**
 * Runs `fn` while recording every statement this process sends through `pg`, then EXPLAINs the
 * reads among them (same text, same parameters) on the bench database.
 */
async function explainCalls(ctx: ScenarioContext, title: string, fn: () => Promise<unknown>): Promise<string> {
  const captured: { text: string; values: unknown[] }[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string') captured.push({ text, values: (typeof config === 'object' ? config.values : values) ?? [] });
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  let out = `### ${title}\n\n`;
  for (const q of captured.filter((c) => /^\s*(select|with|\()/i.test(c.text))) {
    const plan = await ctx.stack.pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${q.text}`, q.values);
    out += `${q.text.replace(/\s+/g, ' ').trim()}\n\n${plan.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}\n\n`;
  }
  return out;
}

export const dashboardScenario: Scenario = {
  name: 'dashboard',
  async run(ctx) {
    const { stack, options } = ctx;
    const size = options.quick ? QUICK : FULL;
    const sites: string[] = [];
    for (const name of ['Dashboard bench A', 'Dashboard bench B']) {
      const res = await fetch(`${stack.base}/v1/sites`, { method: 'POST', headers: stack.authed, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`bench: creating a site answered ${res.status} ${await res.text()}`);
      sites.push((await res.json()).siteId);
    }
    const leadId = await load(ctx, sites, size);
    const rollupMs = await waitForRollup(ctx, sites);

    const { cookie } = stack.authed;
    const targets = [
      { key: 'leads-by-score', label: 'leads, first page by score', path: '/v1/leads?sort=score&limit=50' },
      { key: 'leads-hot', label: 'leads, band filter (hot)', path: '/v1/leads?sort=score&band=hot&limit=50' },
      { key: 'leads-search', label: 'leads, search q=4242', path: '/v1/leads?sort=score&q=4242&limit=50' },
      { key: 'lead-timeline', label: 'a lead’s timeline', path: `/v1/leads/${leadId}/timeline` },
      // Served as in production: from the API's answer cache (ANALYTICS_CACHE_SECONDS) after the
      // first computation. The same load with `Cache-Control: no-cache` (every request computed)
      // is measured too and reported in the metric, so the cache's part is visible.
      { key: 'analytics-summary', label: 'analytics summary, 30 days', path: '/v1/analytics/summary', cached: true },
      { key: 'analytics-leads', label: 'lead analytics (speed-to-lead, funnel), 30 days', path: '/v1/analytics/leads', cached: true },
    ];
    const results: Measurement[] = [];
    for (const t of targets) {
      const check = await fetch(`${stack.base}${t.path}`, { headers: { cookie } });
      if (check.status !== 200) throw new Error(`bench: GET ${t.path} answered ${check.status} ${await check.text()}`);
      // --quick: no warm-up and 2 s per target, so the whole quick run stays within its minute.
      if (!options.quick) await runLoad({ url: `${stack.base}${t.path}`, headers: { cookie }, connections: DASHBOARD_CONNECTIONS, durationSec: options.warmupSeconds });
      const cpuBefore = cpuSnapshot(stack.api.child.pid!);
      const r = await runLoad({ url: `${stack.base}${t.path}`, headers: { cookie }, connections: DASHBOARD_CONNECTIONS, durationSec: options.quick ? Math.min(2, options.loadSeconds) : options.loadSeconds });
      const cpu = cpuSplit(cpuBefore, cpuSnapshot(stack.api.child.pid!), r.requests);
      const bad = r.requests - (r.statusCodes['200'] ?? 0) + r.errors;
      ctx.log(`dashboard: ${t.label}: ${Math.round(r.reqPerSec)} req/s, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p97.5 ${r.latencyMs.p97_5} ms, p99 ${r.latencyMs.p99} ms, non-200 ${bad}; CPU per request: API ${cpu.apiUs} µs, Postgres ${cpu.postgresUs} µs, the rest ${cpu.otherUs} µs (load generator ${r.generatorCpuUsPerRequest} µs); machine ${cpu.machineBusy} % busy`);
      ctx.chart({ label: `dashboard ${t.key} (${Math.round(r.reqPerSec)} req/s)`, latencyMs: r.latencyMs });
      let uncached = '';
      if ('cached' in t) {
        const u = await runLoad({ url: `${stack.base}${t.path}`, headers: { cookie, 'cache-control': 'no-cache' }, connections: DASHBOARD_CONNECTIONS, durationSec: options.quick ? 1 : options.loadSeconds });
        ctx.log(`dashboard: ${t.label}, uncached (Cache-Control: no-cache): ${Math.round(u.reqPerSec)} req/s, p50 ${u.latencyMs.p50} ms, p95 ${u.latencyMs.p95} ms, p99 ${u.latencyMs.p99} ms`);
        uncached = `; served from the answer cache (${ANALYTICS_CACHE_NOTE}) — every request computed (no-cache): p95 ${u.latencyMs.p95} ms at ${Math.round(u.reqPerSec)} req/s`;
      }
      results.push(measure({
        name: `dashboard.${t.key}`, metric: `GET ${t.label}: p95 latency (every response timed), ${DASHBOARD_CONNECTIONS} connections, ${Math.round(r.reqPerSec)} req/s${bad ? `, ${bad} non-200` : ''}${uncached}; CPU per request: API ${cpu.apiUs} µs, Postgres ${cpu.postgresUs} µs, rest ${cpu.otherUs} µs at ${cpu.machineBusy} % busy`,
        value: bad ? Number.POSITIVE_INFINITY : r.latencyMs.p95, unit: 'ms', target: { on: 'value', op: '<', threshold: P95_TARGET_MS },
      }));
    }
    results.push(measure({
      name: 'dashboard.rollup-backfill', metric: `analytics.rollup backfill of ${size.events} events (worker, chunks of 200k)`, value: rollupMs / 1000, unit: 's',
      target: { on: 'value', op: '<', threshold: 600 },
    }));

    // The plans, from the exact statements the core functions send.
    const runtime = await createRuntime({
      name: 'bench-explain', config: loadConfig({ DATABASE_URL: stack.databaseUrl, LOG_LEVEL: 'silent' }), redis: false, orm: { pool: { min: 0, max: 2 } },
    });
    try {
      const em = () => runtime.orm.em.fork() as EntityManager;
      const tenant = tenantOfUser(stack.userId);
      const now = new Date();
      let report = `# Dashboard EXPLAIN plans (${options.quick ? 'quick' : 'full'}: ${size.leads} leads, ${size.events} events; ${now.toISOString()})\n\n`;
      report += await explainCalls(ctx, 'Leads, first page by score', () => listLeads({ em: em(), tenant, filters: { sort: 'score' }, limit: 50 }));
      report += await explainCalls(ctx, 'Leads, band filter', () => listLeads({ em: em(), tenant, filters: { sort: 'score', band: 'hot' }, limit: 50 }));
      report += await explainCalls(ctx, 'Leads, search', () => listLeads({ em: em(), tenant, filters: { sort: 'score', q: '4242' }, limit: 50 }));
      report += await explainCalls(ctx, 'Lead timeline', () => getLeadTimeline({ em: em(), tenant, leadId, limit: 50 }));
      report += await explainCalls(ctx, 'Analytics summary (30 days)', () => getAnalyticsSummary({ em: em(), tenant, query: {}, now }));
      report += await explainCalls(ctx, 'Lead analytics (30 days)', () => getLeadAnalytics({ em: em(), tenant, query: {}, now }));
      const file = new URL(`../results/dashboard-explain${options.quick ? '-quick' : ''}.md`, import.meta.url);
      await writeFile(file, report);
      ctx.log(`dashboard: EXPLAIN plans written to bench/results/dashboard-explain${options.quick ? '-quick' : ''}.md`);
    } finally {
      await runtime.close();
    }
    return results;
  },
};
