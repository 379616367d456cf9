// Redis only schedules: when it goes away, logins and ingestion keep answering (rate limits fail
// open, wake-ups are left to the sweeper) within a bounded time instead of hanging, and when it
// comes back everything is used again. A throwaway redis-server is stopped, frozen and restarted;
// the shared one is never touched.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP } from '#api/middleware/login-throttle.ts';
import { REDIS_COMMAND_TIMEOUT_MS } from '#core/redis.ts';
import { startTestServer, type TestServer } from './app.ts';
import { ApiClient } from './http.ts';
import { ipSource, sendIngest } from './ingest.ts';
import { startThrowawayRedis, type ThrowawayRedis } from './redis-server.ts';

const ORIGIN = 'https://homes.example';
/**
 * What "answers, not hangs" means here. Each Redis command of a request is refused at once when
 * Redis is stopped, or fails after REDIS_COMMAND_TIMEOUT_MS when it is frozen; the longest request
 * (an inquiry) waits for four in a row: two rate limits, then two wake-ups after the commit.
 */
const ANSWER_BOUND_MS = 4 * REDIS_COMMAND_TIMEOUT_MS + 2000;

let redis: ThrowawayRedis;
let server: TestServer;
let realtor: { email: string; password: string };
let siteKey: string;
let siteId: string;
const nextIp = ipSource(7);

beforeAll(async () => {
  redis = await startThrowawayRedis();
  server = await startTestServer({ REDIS_URL: redis.url, TRUST_PROXY: 'true' });
  const owner = new ApiClient(server.url);
  realtor = await owner.signUp();
  const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteKey = site.publicKey;
  siteId = site.siteId;
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

function logIn(password: string) {
  return timed(() => new ApiClient(server.url).post('/v1/auth/login', { email: realtor.email, password }));
}

function collect(visitor: string) {
  const events = [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/oak-12`, listing: 'oak-12', ts: Date.now() }];
  return timed(() => sendIngest(`${server.url}/v1/collect`, { site: siteKey, visitor, events }, { defaultOrigin: ORIGIN, nextIp }));
}

function submitInquiry(email: string) {
  const body = { site: siteKey, id: randomUUID(), visitor: `v_${randomUUID().slice(0, 8)}`, name: 'Dana Whitaker', email, message: 'Is 12 Oak St still available?', consent: true, hp: '' };
  return timed(() => sendIngest(`${server.url}/v1/inquiries`, body, { defaultOrigin: ORIGIN, nextIp }));
}

async function storedEvents(visitor: string): Promise<number> {
  const [row] = await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where site_id = $1 and visitor_id = $2', [siteId, visitor]);
  return row.n;
}

/** Logins, ingestion and the outbox rows the sweeper needs, with Redis unavailable. */
async function expectServedWithoutRedis(label: string, failedLogins: number): Promise<void> {
  for (let i = 0; i < failedLogins; i++) {
    const wrong = await logIn('not the password');
    expect(wrong.result.status, `${label}: failed login ${i + 1}`).toBe(401);
    expect(wrong.ms).toBeLessThan(ANSWER_BOUND_MS);
  }
  const right = await logIn(realtor.password);
  expect(right.result.status).toBe(200);
  expect(right.result.body.csrfToken).toEqual(expect.any(String));
  expect(right.ms).toBeLessThan(ANSWER_BOUND_MS);

  const visitor = `v_${randomUUID().slice(0, 8)}`;
  const collected = await collect(visitor);
  expect(collected.result.status).toBe(202);
  expect(collected.ms).toBeLessThan(ANSWER_BOUND_MS);
  expect(await storedEvents(visitor)).toBe(1);

  // 202 means committed: the lead is flagged for rescoring in Postgres, the sweeper's to pick up.
  const email = `dana-${randomUUID().slice(0, 8)}@example.com`;
  const submitted = await submitInquiry(email);
  expect(submitted.result.status).toBe(202);
  expect(submitted.ms).toBeLessThan(ANSWER_BOUND_MS);
  const [lead] = await server.sql<{ needs_rescore: boolean; inquiries: number }>(
    'select l.needs_rescore, (select count(*)::int from inquiries i where i.lead_id = l.lead_id) as inquiries from leads l where l.email = $1',
    [email],
  );
  expect(lead).toEqual({ needs_rescore: true, inquiries: 1 });

  const ready = await timed(() => fetch(`${server.url}/readyz`));
  expect(ready.result.status).toBe(503);
  expect((await ready.result.json()).checks.postgres).toBe('ok');
  expect(ready.ms).toBeLessThan(ANSWER_BOUND_MS);
}

describe('when Redis is unavailable', () => {
  it('stopped: logins fail open and collect answers 202 with its rows in Postgres, without waiting for Redis', async () => {
    await redis.stop();
    await vi.waitFor(() => expect(server.redis.status).not.toBe('ready'));
    // More failures than the per-email limit: none is counted, so none is refused with 429.
    await expectServedWithoutRedis('stopped', LOGIN_MAX_FAILURES_PER_ACCOUNT_IP + 1);
  });

  it('restarted: the connection comes back, limits count again and wake-ups are enqueued again', async () => {
    await redis.start();
    await vi.waitFor(() => expect(server.redis.status).toBe('ready'), { timeout: 10_000 });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP; i++) expect((await logIn('not the password')).result.status).toBe(401);
    const limited = await logIn('not the password');
    expect(limited.result.status).toBe(429);
    expect(limited.result.headers.get('retry-after')).toMatch(/^\d+$/);

    // The restarted Redis is empty: the inquiry's scoring and stitching wake-ups are the only jobs.
    expect(await server.queues.leads.count()).toBe(0);
    expect((await submitInquiry(`erin-${randomUUID().slice(0, 8)}@example.com`)).result.status).toBe(202);
    expect(await server.queues.leads.count()).toBeGreaterThan(0);
  });

  it('frozen (the socket stays open, nothing answers): commands time out and requests still answer', async () => {
    // The email's failure budget is spent (above), but the limiter cannot read it: it lets logins through.
    redis.freeze();
    try {
      await expectServedWithoutRedis('frozen', 1);
    } finally {
      redis.thaw();
    }
    await vi.waitFor(async () => expect(await server.redis.ping()).toBe('PONG'));
  });
});
