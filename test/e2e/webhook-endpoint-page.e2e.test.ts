// The endpoint page's delivery log in a real browser against the real API, a worker and a local
// receiver: a new filter never shows the previous filter's rows (a spinner while its answer comes,
// the error with "Try again" when it fails) while Refresh keeps the rows on screen; the log and
// health follow a test event and a resend without pressing Refresh; a delivery whose attempts fail
// to load says so; and the row counts every logged attempt, not only those since a resend.
// Failing requests are played by Playwright routes (a 500 from the browser's side); everything
// else is the real server. Screenshots at 1440×900 and 390×844 go to test-results/screenshots.
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { ApiClient } from '#test/http.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

const suite = useBrowserSuite({ WEBHOOK_RETRY_SCHEDULE: '0,1,1' });
let worker: TestWorker;
let receiver: TestReceiver;
let owner: ApiClient;

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  return suite.adminPage(owner, { viewport, timeoutMs: 10_000 });
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'webhook-endpoint-page-e2e-worker' });
  receiver = await startTestReceiver();
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
});

afterAll(() => closeAll(receiver, worker));

async function makeEndpoint(description: string): Promise<string> {
  const created = await owner.post('/v1/webhook-endpoints', { url: receiver.url, description });
  expect(created.status).toBe(201);
  return created.body.endpointId as string;
}

interface ListedDelivery { deliveryId: string; status: string; attemptCount: number; loggedAttemptCount: number }

async function listDeliveries(endpointId: string): Promise<ListedDelivery[]> {
  return (await owner.get(`/v1/webhook-endpoints/${endpointId}/deliveries`)).body.items as ListedDelivery[];
}

/** Sends `n` test events and waits (through the API) until the worker has settled every one. */
async function sendSettledTests(endpointId: string, n: number, settled: 'succeeded' | 'failed' = 'succeeded'): Promise<ListedDelivery[]> {
  for (let i = 0; i < n; i += 1) expect((await owner.post(`/v1/webhook-endpoints/${endpointId}/test`)).status).toBe(202);
  await expect.poll(async () => (await listDeliveries(endpointId)).map((d) => d.status), { timeout: 15_000 }).toEqual(Array(n).fill(settled));
  return listDeliveries(endpointId);
}

const isDeliveryList = (url: URL) => url.pathname.endsWith('/deliveries');
const isDeliveryDetail = (url: URL) => /\/v1\/webhook-deliveries\/[^/]+$/.test(url.pathname);
const failWith500 = (route: Route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong on our side.' } }) });

/** Holds the matching requests until `release()`; `held` resolves once the first one is held. */
async function holdRequests(page: Page, match: (url: URL) => boolean) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => { onHeld = resolve; });
  const passed: Array<Promise<void>> = [];
  const handler = (route: Route) => {
    onHeld();
    const pass = gate.then(() => route.continue());
    passed.push(pass);
    return pass;
  };
  await page.route(match, handler);
  return {
    held,
    /** Lets the held requests through, then stops holding (unrouting first would answer them twice). */
    async release() {
      release();
      await Promise.all(passed);
      await page.unroute(match, handler);
    },
  };
}

describe('webhook endpoint page', () => {
  it('a new filter shows a spinner, then its own answer; a failed load shows the error with Try again, never the old filter’s rows', { timeout: 60_000 }, async () => {
    const endpointId = await makeEndpoint('Filters CRM');
    await sendSettledTests(endpointId, 3);
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    const rows = page.locator('.delivery-summary');
    await expect.poll(() => rows.count()).toBe(3);
    const status = page.getByLabel('Status', { exact: true });

    // A slow answer for "Pending": the three succeeded rows are not shown as pending ones meanwhile.
    const slow = await holdRequests(page, isDeliveryList);
    await status.selectOption('pending');
    await slow.held;
    await page.getByText('Loading deliveries…').waitFor();
    expect(await rows.count()).toBe(0);
    await saveScreenshot(page, 'webhook-log-filter-loading-1440');
    await slow.release();
    await page.getByText('No deliveries match these filters.').waitFor();

    // "Failed" answers 500: the error with Try again, and neither the old rows nor an empty list.
    await page.route(isDeliveryList, failWith500);
    await status.selectOption('failed');
    const failed = page.getByRole('alert').filter({ hasText: 'Could not load the deliveries' });
    await failed.waitFor();
    expect(await rows.count()).toBe(0);
    expect(await page.getByText('No deliveries match these filters.').count()).toBe(0);
    await saveScreenshot(page, 'webhook-log-filter-error-1440');
    await page.unroute(isDeliveryList, failWith500);
    await failed.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
    expect(await failed.count()).toBe(0);

    // Back to every status, then Refresh (the same question again): the rows stay while it reloads.
    await status.selectOption('');
    await expect.poll(() => rows.count()).toBe(3);
    const refresh = await holdRequests(page, isDeliveryList);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await refresh.held;
    expect(await rows.count()).toBe(3);
    expect(await page.getByText('Loading deliveries…').count()).toBe(0);
    await refresh.release();

    // A Refresh that fails keeps the rows it had (they still answer "every status") under the error.
    await page.route(isDeliveryList, failWith500);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await failed.waitFor();
    expect(await rows.count()).toBe(3);
    await page.unroute(isDeliveryList, failWith500);

    const phone = await newPage(PHONE);
    await phone.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await expect.poll(() => phone.locator('.delivery-summary').count()).toBe(3);
    await phone.route(isDeliveryList, failWith500);
    await phone.getByLabel('Status', { exact: true }).selectOption('failed');
    await phone.getByRole('alert').filter({ hasText: 'Could not load the deliveries' }).waitFor();
    expect(await phone.locator('.delivery-summary').count()).toBe(0);
    await expectNoHorizontalOverflow(phone, 'delivery log load error at 390×844');
    await saveScreenshot(phone, 'webhook-log-filter-error-390');
  });

  it('after Send test event the log and health follow the delivery to succeeded without Refresh', { timeout: 60_000 }, async () => {
    const endpointId = await makeEndpoint('Polling CRM');
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await page.getByText('No deliveries yet. Send a test event to try your receiver.').waitFor();

    // The receiver holds the request: the page shows the delivery waiting first.
    receiver.answers.push('hang');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await receiver.nextHeld();
    const row = page.locator('.delivery-summary', { hasText: 'webhook.test' });
    await page.locator('.delivery-summary', { hasText: 'pending' }).waitFor();
    await saveScreenshot(page, 'webhook-log-pending-1440');
    receiver.release();

    await page.locator('.delivery-summary', { hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toMatch(/succeeded.*1 attempt(?!s)/);
    const health = page.locator('.health-grid');
    await expect.poll(() => health.locator('div', { hasText: 'Waiting to send' }).locator('dd').textContent()).toBe('0');
    expect(await health.locator('div', { hasText: 'Last success' }).locator('dd').textContent()).not.toBe('Never');
    await saveScreenshot(page, 'webhook-log-polled-1440');
  });

  it('a delivery whose attempts fail to load says so with Try again, then shows them', { timeout: 60_000 }, async () => {
    const endpointId = await makeEndpoint('Details CRM');
    await sendSettledTests(endpointId, 1);
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await page.route(isDeliveryDetail, failWith500);
    await page.locator('.delivery-summary', { hasText: 'succeeded' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'Could not load this delivery’s attempts' });
    await failed.waitFor();
    expect(await page.getByText('Loading attempts…').count()).toBe(0);
    await saveScreenshot(page, 'webhook-delivery-detail-error-1440');
    await page.unroute(isDeliveryDetail, failWith500);
    await failed.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.locator('table.attempts tbody tr').count()).toBe(1);
    expect(await failed.count()).toBe(0);

    const phone = await newPage(PHONE);
    await phone.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await phone.route(isDeliveryDetail, failWith500);
    await phone.locator('.delivery-summary', { hasText: 'succeeded' }).click();
    await phone.getByRole('alert').filter({ hasText: 'Could not load this delivery’s attempts' }).waitFor();
    await expectNoHorizontalOverflow(phone, 'delivery detail load error at 390×844');
    await saveScreenshot(phone, 'webhook-delivery-detail-error-390');
  });

  it('after a resend the row counts the attempts since it and every attempt in the table', { timeout: 60_000 }, async () => {
    const endpointId = await makeEndpoint('Resend CRM');
    receiver.answers.push({ status: 500, body: 'down' }, { status: 500, body: 'down' }, { status: 500, body: 'down' });
    const [gaveUp] = await sendSettledTests(endpointId, 1, 'failed');
    const logged = gaveUp.loggedAttemptCount;
    expect(logged).toBeGreaterThan(1);
    receiver.answers.length = 0;

    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    const row = page.locator('.delivery-summary', { hasText: 'webhook.test' });
    expect(await row.textContent()).toMatch(new RegExp(`failed.*${logged} attempts`));
    await row.click();
    const attempts = page.locator('table.attempts tbody tr');
    await expect.poll(() => attempts.count()).toBe(logged);

    await page.getByRole('button', { name: 'Resend', exact: true }).click();
    // No Refresh: the log polls while the resent delivery is pending.
    await page.locator('.delivery-summary', { hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain(`1 attempt since resend · ${logged + 1} in all`);
    await expect.poll(() => attempts.count()).toBe(logged + 1);
    await saveScreenshot(page, 'webhook-log-resent-1440');

    const phone = await newPage(PHONE);
    await phone.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await phone.locator('.delivery-summary', { hasText: 'succeeded' }).click();
    await expect.poll(() => phone.locator('table.attempts tbody tr').count()).toBe(logged + 1);
    await expectNoHorizontalOverflow(phone, 'resent delivery at 390×844');
    await saveScreenshot(phone, 'webhook-log-resent-390');
  });
});
