// The admin's live stream refused (GET /v1/live answers 503 while Redis is away), in a real
// browser against the real API on a throwaway redis-server: the browser gives a refused
// EventSource up for good, so the admin opens a new one itself after a growing wait
// (admin/use-live-events.ts); once one is open the page reloads what it may have missed — a lead
// and a due reminder that arrived meanwhile — and new leads arrive live again, all without a page
// reload. A stream refused because its session ended (401) is retried the same way until the
// admin's next request sends the realtor to the login page; then the retries stop. The page's
// clock skips the waits. Run `npm run build:admin` first.
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pauseClock } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { WAIT } from '#test/env.ts';
import { makeLead, makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';
import { LIVE_RETRY_BASE_MS } from '../../admin/use-live-events.ts';

let redis: ThrowawayRedis;
/** Stopped by a test and not started again yet (a failed test leaves it for afterEach). */
let redisStopped = false;
// Redis starts first: the suite's beforeAll reads `env` when it starts the test server. Its
// afterAll is registered before the suite's, so it runs after it (Redis stops last, as before).
const env: Record<string, string> = {};
beforeAll(async () => {
  redis = await startThrowawayRedis();
  env.REDIS_URL = redis.url;
});
afterAll(async () => {
  await redis?.stop();
});
const suite = useBrowserSuite(env);
let owner: ApiClient;
let userId: string;
let credentials: { email: string; password: string };

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  const { email, password, ...signedUp } = await owner.signUp({ username: 'Dana Realtor' });
  ({ userId } = signedUp);
  credentials = { email, password };
  await makeLead(suite.server, { userId, name: 'Jordan Avery' });
});

afterEach(async () => {
  if (!redisStopped) return;
  await redis.start();
  redisStopped = false;
});

/**
 * The page's requests to GET /v1/live and how each ended, in order: the status answered, or 0 for
 * a request that failed without an answer (the admin closing a stream it had just retried, when it
 * sends the realtor to log in).
 */
function watchLive(page: Page): { sent: () => number; answers: number[] } {
  let sent = 0;
  const answers: number[] = [];
  const answered = new Set<Request>();
  const isLive = (url: string) => new URL(url).pathname === '/v1/live';
  page.on('request', (r) => {
    if (isLive(r.url())) sent++;
  });
  page.on('response', (r) => {
    if (!isLive(r.url())) return;
    answered.add(r.request());
    answers.push(r.status());
  });
  // A stream closed after its answer also fails (its body ends early): counted once, by its status.
  page.on('requestfailed', (r) => {
    if (isLive(r.url()) && !answered.has(r)) answers.push(0);
  });
  return { sent: () => sent, answers };
}

/**
 * Moves the paused page clock on 100 ms at a time until the page sends its request number `n` to
 * /v1/live; returns the page's time then. Not past it: the answer takes real time, and the next
 * wait starts only when it is in.
 */
async function advanceUntilRequest(page: Page, live: ReturnType<typeof watchLive>, n: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (live.sent() < n) {
    if (Date.now() > deadline) throw new Error(`no request ${n} to /v1/live (${live.sent()} sent; answers ${live.answers.join(', ')})`);
    await page.clock.runFor(100);
  }
  return page.evaluate(() => Date.now());
}

describe('live updates after the stream was refused', () => {
  it('a stream refused while Redis is away comes back by itself, and the page catches up without a reload', { timeout: 90_000 }, async () => {
    await redis.stop();
    redisStopped = true;
    const page = await suite.adminPage(owner, { viewport: { width: 1280, height: 900 }, timeoutMs: 20_000 });
    const live = watchLive(page);
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Jordan Avery').first().waitFor();
    await pauseClock(page);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    expect(await page.getByTestId('due-count').count()).toBe(0);
    await expect.poll(() => live.answers, WAIT).toEqual([503]);

    // Meanwhile a lead comes in and a reminder falls due; with Redis away nothing announces them.
    const created = await owner.post('/v1/leads', { name: 'Riley Outage-Arrival' });
    expect(created.status).toBe(201);
    const dueAt = new Date(Date.now() - 60_000);
    await makeReminder(suite.server, { leadId: created.body.leadId, userId, status: 'due', reminderDate: dueAt, firedAt: dueAt, message: 'Call Riley' });

    // Still refused: the admin tries again, and again, each wait longer than the one before.
    await advanceUntilRequest(page, live, 2);
    await expect.poll(() => live.answers, WAIT).toEqual([503, 503]);
    const secondRefusedAt = await page.evaluate(() => Date.now());
    const thirdSentAt = await advanceUntilRequest(page, live, 3);
    // The second wait is LIVE_RETRY_BASE_MS doubled, less at most half of it for the jitter.
    expect(thirdSentAt - secondRefusedAt).toBeGreaterThanOrEqual(LIVE_RETRY_BASE_MS);
    await expect.poll(() => live.answers, WAIT).toEqual([503, 503, 503]);
    expect(await page.getByText('Riley Outage-Arrival').count()).toBe(0);

    // Redis is back: the next attempt opens a stream (one more refusal while the API's Redis
    // clients reconnect is allowed for), and the page reloads what it missed.
    await redis.start();
    redisStopped = false;
    while (!live.answers.includes(200)) {
      await advanceUntilRequest(page, live, live.answers.length + 1);
      await expect.poll(() => live.answers.length, { ...WAIT, timeout: 15_000 }).toBe(live.sent());
    }
    expect(live.answers.filter((status) => status === 200)).toHaveLength(1);
    await page.clock.resume();
    await page.getByText('Riley Outage-Arrival').first().waitFor();
    await expect.poll(() => page.getByTestId('due-count').first().textContent(), WAIT).toMatch(/^1/);

    // And the new stream carries events again.
    expect((await owner.post('/v1/leads', { name: 'Casey Live-Arrival' })).status).toBe(201);
    await page.getByText('Casey Live-Arrival').first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(live.sent(), 'one stream open, no other attempt').toBe(live.answers.length);
  });

  it('a stream left open through a Redis outage is told to reset: the page reloads the lead and the due count that arrived meanwhile, without a reload', { timeout: 90_000 }, async () => {
    // A realtor of their own: the first test leaves a due reminder behind.
    const realtor = new ApiClient(suite.server.url);
    const { userId: ownId } = await realtor.signUp({ username: 'Sam Lister' });
    await makeLead(suite.server, { userId: ownId, name: 'Morgan Before-Outage' });
    const page = await suite.adminPage(realtor, { viewport: { width: 1280, height: 900 }, timeoutMs: 20_000 });
    const live = watchLive(page);
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Morgan Before-Outage').first().waitFor();
    await expect.poll(() => live.answers, WAIT).toEqual([200]);
    // From here the page's timers (the due count's minute poll among them) run only when the test says.
    await pauseClock(page);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    expect(await page.getByTestId('due-count').count()).toBe(0);

    await redis.stop();
    redisStopped = true;
    const created = await realtor.post('/v1/leads', { name: 'Riley Unannounced' });
    expect(created.status).toBe(201);
    const dueAt = new Date(Date.now() - 60_000);
    await makeReminder(suite.server, { leadId: created.body.leadId, userId: ownId, status: 'due', reminderDate: dueAt, firedAt: dueAt, message: 'Call Riley' });
    await redis.start();
    redisStopped = false;

    // The stream stayed open (one request in all); the server's reset makes the page ask again. The
    // page's time moves on 100 ms at a time (the list's reload waits out a short debounce), and
    // stays well short of the due count's minute poll: the count comes from the reset.
    const pausedAt = await page.evaluate(() => Date.now());
    await vi.waitFor(async () => {
      await page.clock.runFor(100);
      expect(await page.getByText('Riley Unannounced').count(), 'the lead made during the outage').toBeGreaterThan(0);
      expect(await page.getByTestId('due-count').allTextContents(), 'the due count').toEqual([expect.stringMatching(/^1/)]);
    }, { timeout: 20_000, interval: 100 });
    expect(await page.evaluate(() => Date.now()) - pausedAt, 'page time used').toBeLessThan(30_000);
    expect(live.sent(), 'the same stream throughout').toBe(1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('a stream refused because the session ended is retried until the admin sends the realtor to log in, then never again', { timeout: 90_000 }, async () => {
    const realtor = new ApiClient(suite.server.url);
    const login = await realtor.post('/v1/auth/login', credentials);
    expect(login.status).toBe(200);
    realtor.csrfToken = login.body.csrfToken;
    const page = await suite.adminPage(realtor, { viewport: { width: 1280, height: 900 }, timeoutMs: 20_000 });
    const live = watchLive(page);
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Jordan Avery').first().waitFor();
    await expect.poll(() => live.answers, WAIT).toEqual([200]);
    await pauseClock(page);

    // Logged out elsewhere: the server ends the stream, the browser reconnects by itself (after the
    // stream's `retry: 3000`, real time) and is refused; the admin then retries on its own.
    expect((await realtor.post('/v1/auth/logout')).status).toBe(204);
    await expect.poll(() => live.answers, { ...WAIT, timeout: 15_000 }).toEqual([200, 401]);
    await advanceUntilRequest(page, live, 3);
    await expect.poll(() => live.answers, WAIT).toEqual([200, 401, 401]);
    expect(page.url()).toBe(`${suite.server.url}/app/leads`);

    // The navigation's due count asks again within a minute: its 401 ends the signed-in admin.
    await page.clock.runFor(60_000);
    await page.clock.resume();
    await page.waitForURL((url) => url.pathname === '/app/login');
    await page.getByText('Your session has ended. Log in to continue.').waitFor();
    await expect.poll(() => live.answers.length, WAIT).toBe(live.sent());
    const attempts = live.sent();

    // Nobody listens any more: ten minutes on, no attempt. The page's own request afterwards is
    // reported after any the retry timers would have started.
    await pauseClock(page);
    await page.clock.runFor(10 * 60_000);
    expect(await page.evaluate(() => fetch('/v1/auth/me').then((r) => r.status))).toBe(401);
    expect(live.sent()).toBe(attempts);
  });
});
