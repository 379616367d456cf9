// webhook.*: (1) inquiry → signed webhook: form submissions at a steady rate, time from the
// request's start to the signed `inquiry.created` webhook arriving at a local receiver, and to the
// new-inquiry email arriving at the local SMTP server (the stack's SMTP_URL); (2) fan-out: how
// many deliveries per second one worker process (the stack's) makes to a local receiver, with
// every attempt logged in webhook_attempts.
import { randomUUID } from 'node:crypto';
import { type BenchReceiver, type BenchWebhook, percentile, startBenchReceiver } from '../lib/receiver.ts';
import { measure, type Measurement, type Scenario, type ScenarioContext } from './scenario.ts';

const ORIGIN = 'https://listings.webhook.example';
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** Inquiries per second of the steady form load. */
const INQUIRY_RATE = 10;
/** Endpoints the fan-out spreads over (each allows WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT, 32, at once). */
const FANOUT_ENDPOINTS = 8;
const WAIT_LIMIT_MS = 60_000;
/** In a quick run, how long the inquiry part waits for its webhooks and emails. */
const QUICK_WAIT_MS = 10_000;

async function api(ctx: ScenarioContext, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${ctx.stack.base}${path}`, { method, headers: ctx.stack.authed, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`bench: ${method} ${path} answered ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function createEndpoint(ctx: ScenarioContext, url: string, eventTypes: string[]): Promise<{ endpointId: string; secret: string }> {
  const endpoint = await api(ctx, 'POST', '/v1/webhook-endpoints', { url, eventTypes });
  const endpointId = endpoint.endpointId ?? endpoint.endpoint?.endpointId;
  const secret = endpoint.secret ?? (await api(ctx, 'GET', `/v1/webhook-endpoints/${endpointId}/secret`)).secret;
  return { endpointId, secret };
}

async function inquiryLatency(ctx: ScenarioContext, receiver: BenchReceiver): Promise<Measurement[]> {
  const count = Math.max(10, Math.round(INQUIRY_RATE * (ctx.options.quick ? 1 : ctx.options.loadSeconds)));
  const site = await api(ctx, 'POST', '/v1/sites', { name: 'Webhook bench site', allowedOrigins: [ORIGIN] });
  const { secret } = await createEndpoint(ctx, `${receiver.url}/inquiries`, ['inquiry.created']);
  const webhookAt = new Map<string, { at: number; valid: boolean }>();
  const tokens: string[] = [];
  receiver.onRequest = (w: BenchWebhook) => {
    const token = tokens.find((t) => w.body.includes(t));
    if (token && !webhookAt.has(token)) webhookAt.set(token, { at: w.receivedAt, valid: receiver.verify(w, secret) });
  };
  ctx.log(`webhook: ${count} inquiries at ${INQUIRY_RATE}/s → signed webhook and email`);
  const started = new Map<string, number>();
  const emails: Promise<number>[] = [];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const token = `wb${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    tokens.push(token);
    emails.push(ctx.stack.smtp.waitFor((m) => m.raw.includes(token), { timeoutMs: ctx.options.quick ? QUICK_WAIT_MS + 5000 : WAIT_LIMIT_MS, description: `the email of ${token}` }).then(() => performance.now(), () => Number.NaN));
    started.set(token, performance.now());
    sends.push(fetch(`${ctx.stack.base}/v1/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': CHROME_UA, 'x-forwarded-for': `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}` },
      body: JSON.stringify({ site: site.publicKey, id: randomUUID(), visitor: `v_${token}`, name: 'Bench Buyer', email: `${token}@example.com`, message: `Is it still available? ${token}`, consent: true, hp: '' }),
    }).then(async (res) => {
      if (res.status !== 202) throw new Error(`bench: inquiry answered ${res.status} ${await res.text()}`);
    }));
    await new Promise((r) => setTimeout(r, 1000 / INQUIRY_RATE));
  }
  await Promise.all(sends);
  const waitMs = ctx.options.quick ? QUICK_WAIT_MS : WAIT_LIMIT_MS;
  const deadline = performance.now() + waitMs;
  while (webhookAt.size < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const emailAt = await Promise.all(emails);
  receiver.onRequest = null;
  const hookMs = tokens.filter((t) => webhookAt.has(t)).map((t) => webhookAt.get(t)!.at - started.get(t)!);
  const invalid = [...webhookAt.values()].filter((w) => !w.valid).length;
  const mailMs = tokens.map((t, i) => emailAt[i] - started.get(t)!).filter(Number.isFinite);
  ctx.log(`webhook: ${hookMs.length}/${count} webhooks (${invalid} with a bad signature): p50 ${percentile(hookMs, 50).toFixed(1)} ms, p99 ${percentile(hookMs, 99).toFixed(1)} ms; emails p50 ${percentile(mailMs, 50).toFixed(0)} ms`);
  ctx.chart({ label: `inquiry → webhook (${count} at ${INQUIRY_RATE}/s)`, latencyMs: distribution(hookMs) });
  return [
    measure({ name: 'webhook.inquiry-latency-p50', metric: `inquiry request start → signed webhook at a local receiver, p50 of ${count} at ${INQUIRY_RATE}/s`, value: percentile(hookMs, 50), unit: 'ms', target: { on: 'value', op: '<', threshold: 100 } }),
    measure({ name: 'webhook.inquiry-latency-p99', metric: 'the same, p99', value: percentile(hookMs, 99), unit: 'ms', target: { on: 'value', op: '<', threshold: 500 } }),
    measure({ name: 'webhook.missing-or-unsigned', metric: `inquiry webhooks missing or failing signature verification (of ${count})`, value: count - hookMs.length + invalid, unit: 'webhooks', target: { on: 'value', op: '<=', threshold: 0 } }),
    measure({ name: 'webhook.email-latency-p50', metric: `inquiry request start → new-inquiry email at a local SMTP server, p50 (${mailMs.length} of ${count} arrived)`, value: mailMs.length === count ? percentile(mailMs, 50) : Number.POSITIVE_INFINITY, unit: 'ms', target: { on: 'value', op: '<', threshold: 1000 } }),
  ];
}

function distribution(ms: number[]) {
  const p = (q: number) => percentile(ms, q);
  return { p1: p(1), p2_5: p(2.5), p10: p(10), p25: p(25), p50: p(50), p75: p(75), p90: p(90), p95: p(95), p97_5: p(97.5), p99: p(99), p99_9: p(99.9), max: Math.max(...ms), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}

async function fanOut(ctx: ScenarioContext, receiver: BenchReceiver): Promise<Measurement[]> {
  // Quick: enough that the fixed costs (the recover requests, the first wake-up, the 25 ms polling)
  // stay small next to the sending itself, which takes about a second at the target rate.
  const perEndpoint = ctx.options.quick ? 250 : 1500;
  const total = perEndpoint * FANOUT_ENDPOINTS;
  const endpoints = [];
  for (let i = 0; i < FANOUT_ENDPOINTS; i++) endpoints.push(await createEndpoint(ctx, `${receiver.url}/fanout/${i}`, ['webhook.test']));
  // The deliveries as the outbox would hold them after a receiver outage: failed, then recovered
  // all at once (POST …/recover), so the worker's throughput is all that is measured.
  const runId = randomUUID().slice(0, 8);
  await ctx.stack.pool.query(
    `insert into webhook_messages (message_id, user_id, event_type, payload, created_at)
     select 'msg_bench' || $2 || '_' || i, $1, 'webhook.test', jsonb_build_object('type', 'webhook.test', 'timestamp', now(), 'data', jsonb_build_object('n', i)), now()
     from generate_series(1, $3::int) i`,
    [ctx.stack.userId, runId, perEndpoint],
  );
  await ctx.stack.pool.query(
    `insert into webhook_deliveries (delivery_id, message_id, endpoint_id, status, attempt_count, created_at, updated_at)
     select gen_random_uuid(), 'msg_bench' || $1 || '_' || i, e, 'failed', 8, now(), now()
     from generate_series(1, $2::int) i cross join unnest($3::uuid[]) e`,
    [runId, perEndpoint, endpoints.map((e) => e.endpointId)],
  );
  const before = receiver.count;
  ctx.log(`webhook: fan-out of ${total} deliveries over ${FANOUT_ENDPOINTS} endpoints from one worker process`);
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const started = performance.now();
  await Promise.all(endpoints.map((e) => api(ctx, 'POST', `/v1/webhook-endpoints/${e.endpointId}/recover`, { since })));
  const ids = endpoints.map((e) => e.endpointId);
  const deadline = started + (ctx.options.quick ? 5_000 : 2 * WAIT_LIMIT_MS);
  let done = 0;
  while (performance.now() < deadline) {
    const { rows } = await ctx.stack.pool.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where endpoint_id = any($1::uuid[]) and status = 'succeeded'`, [ids]);
    done = rows[0].n;
    if (done >= total) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const seconds = (performance.now() - started) / 1000;
  // Every request the receiver got must have its attempt in webhook_attempts. Stop new claims
  // (disable the endpoints), then let the attempts in flight land: the worker records each right
  // after its answer.
  await Promise.all(endpoints.map((e) => api(ctx, 'PATCH', `/v1/webhook-endpoints/${e.endpointId}`, { enabled: false })));
  const countLogged = async () => (await ctx.stack.pool.query<{ attempts: number; deliveries: number }>(
    `select count(*)::int as attempts, count(distinct d.delivery_id)::int as deliveries
     from webhook_deliveries d join webhook_attempts a on a.delivery_id = d.delivery_id where d.endpoint_id = any($1::uuid[])`,
    [ids],
  )).rows[0];
  let logged = await countLogged();
  const settle = performance.now() + 15_000;
  while (logged.attempts < receiver.count - before && performance.now() < settle) {
    await new Promise((r) => setTimeout(r, 100));
    logged = await countLogged();
  }
  const received = receiver.count - before;
  // Deliveries still pending after the wait would keep the worker busy during the next scenario:
  // deleting the endpoints deletes them (their jobs then find nothing to do).
  for (const e of endpoints) await api(ctx, 'DELETE', `/v1/webhook-endpoints/${e.endpointId}`);
  const rate = done / seconds;
  ctx.log(`webhook: fan-out: ${done}/${total} delivered in ${seconds.toFixed(1)} s (${Math.round(rate)}/s), receiver got ${received}, ${logged.attempts} attempts logged for ${logged.deliveries} deliveries`);
  return [
    measure({ name: 'webhook.fanout-throughput', metric: `deliveries/s from one worker process to a local receiver (${total} over ${FANOUT_ENDPOINTS} endpoints)`, value: rate, unit: 'deliveries/s', target: { on: 'value', op: '>=', threshold: 1000 } }),
    measure({ name: 'webhook.fanout-unlogged', metric: `requests the receiver got without an attempt logged in webhook_attempts (of ${received}; ${done} of ${total} deliveries done within the wait)`, value: Math.max(0, received - logged.attempts), unit: 'requests', target: { on: 'value', op: '<=', threshold: 0 } }),
  ];
}

export const webhookScenario: Scenario = {
  name: 'webhook',
  async run(ctx) {
    const receiver = await startBenchReceiver();
    try {
      return [...(await inquiryLatency(ctx, receiver)), ...(await fanOut(ctx, receiver))];
    } finally {
      await receiver.close();
    }
  },
};
