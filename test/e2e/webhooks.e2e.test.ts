// The Webhooks page in a real browser against the real API, a worker and a local receiver
// (the test config allow-lists 127.0.0.1): create an endpoint, reveal its secret, send a test
// event and see it in the delivery log with its attempt; then a failing receiver's attempts; at
// 390×844 the page (secret revealed) is no wider than the phone. Screenshots at 1440×900 and
// 390×844 go to test-results/screenshots.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebhookSecret } from '#core/webhooks/webhook-secret-at-rest.ts';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { ApiClient } from '#test/http.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

const suite = useBrowserSuite({ WEBHOOK_RETRY_SCHEDULE: '0,1,1' });
let worker: TestWorker;
let receiver: TestReceiver;
let owner: ApiClient;

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  return newSessionPage(suite.browser, suite.server, owner, { viewport, contexts: suite.contexts, timeoutMs: 10_000 });
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'webhooks-e2e-worker' });
  receiver = await startTestReceiver();
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
});

afterAll(() => closeAll(receiver, worker));

describe('webhooks page', () => {
  it('creates an endpoint, sends a test event and shows it in the delivery log with its attempt', { timeout: 90_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    await page.goto(`${suite.server.url}/app/webhooks`);
    await page.getByRole('button', { name: 'Add your first endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill('http://10.0.0.1/hooks');
    await page.getByLabel('Description (optional)').fill('Follow Up Boss');
    // The catalogue: choosing types shows each with its description and an example payload.
    await page.getByLabel('All events').uncheck();
    await expect.poll(() => page.getByText('inquiry.created', { exact: true }).count()).toBeGreaterThan(0);
    await page.locator('label.event-type', { hasText: 'inquiry.created' }).getByRole('checkbox').check();
    await page.locator('label.event-type', { hasText: 'lead.created' }).getByRole('checkbox').check();
    await saveScreenshot(page, 'webhooks-create-1440');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    // A private address is refused with a clear reason.
    await expect.poll(() => page.getByText(/private address/).count()).toBeGreaterThan(0);

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.waitForURL(/\/app\/webhooks\/[0-9a-f-]{36}\?created=1$/);
    const endpointId = new URL(page.url()).pathname.split('/').at(-1)!;
    // The secret is revealed right after creation, ready to copy.
    const secretText = await page.locator('#webhook-secret').textContent();
    const [row] = await suite.server.sql<{ secret: string; event_types: string[] }>('select secret, event_types from webhook_endpoints where endpoint_id = $1', [endpointId]);
    // Stored encrypted; the page shows the whsec_ value inside.
    expect(row.secret).toMatch(/^enc1:/);
    const secret = openWebhookSecret(row.secret, suite.server.config.DATA_ENCRYPTION_KEY);
    expect(secretText).toBe(secret);
    expect(row.event_types).toEqual(['inquiry.created', 'lead.created']);

    await page.getByRole('button', { name: 'Send test event' }).click();
    const [w] = await receiver.waitFor((all) => all.length >= 1);
    expect(receiver.verify(w, secret)).toMatchObject({ type: 'webhook.test', data: { endpointId } });
    // The log shows the delivery; refresh until it has succeeded, then open its attempts.
    const log = page.locator('.delivery-list');
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await log.locator('.delivery-summary', { hasText: 'succeeded' }).count()) > 0;
    }, { timeout: 15_000 }).toBe(true);
    await log.locator('.delivery-summary', { hasText: 'webhook.test' }).first().click();
    const attempts = page.locator('table.attempts tbody tr');
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().locator('td').nth(1).textContent()).toBe('204');
    expect(await page.getByText('Healthy').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'webhooks-endpoint-1440');

    // A failing receiver: the log shows each attempt with its status and response excerpt.
    receiver.answers.push({ status: 500, body: 'CRM is down for maintenance' });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await receiver.waitFor((all) => all.length >= 3);
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return page.locator('.delivery-summary', { hasText: '2 attempts' }).count();
    }, { timeout: 15_000 }).toBe(1);
    await page.locator('.delivery-summary', { hasText: '2 attempts' }).click();
    await expect.poll(() => page.getByText('CRM is down for maintenance').count()).toBe(1);

    // The list page shows the endpoint's health.
    await page.goto(`${suite.server.url}/app/webhooks`);
    await expect.poll(() => page.getByRole('link', { name: 'Follow Up Boss' }).count()).toBe(1);
    await saveScreenshot(page, 'webhooks-list-1440');

    // Phone size.
    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await phone.locator('.delivery-summary').first().waitFor();
    await phone.locator('.delivery-summary', { hasText: '2 attempts' }).click();
    await expect.poll(() => phone.getByText('CRM is down for maintenance').count()).toBe(1);
    // The revealed secret (56 characters, no spaces) wraps instead of widening the page.
    await phone.getByRole('button', { name: 'Reveal secret' }).click();
    await phone.locator('#webhook-secret').waitFor();
    await expectNoHorizontalOverflow(phone, 'endpoint page with its secret revealed at 390×844');
    await saveScreenshot(phone, 'webhooks-endpoint-390');
    await phone.goto(`${suite.server.url}/app/webhooks`);
    await phone.getByRole('link', { name: 'Follow Up Boss' }).waitFor();
    await saveScreenshot(phone, 'webhooks-list-390');
    expect(pageErrors).toEqual([]);
  });

  it('an endpoint disabled by its receiver is announced on every page until dismissed, with a link to review it', { timeout: 60_000 }, async () => {
    const gone = await startTestReceiver();
    try {
      const created = await owner.post('/v1/webhook-endpoints', { url: gone.url, description: 'Old CRM' });
      const endpointId = created.body.endpointId as string;
      gone.answers.push({ status: 410 });
      expect((await owner.post(`/v1/webhook-endpoints/${endpointId}/test`)).status).toBe(202);
      await expect.poll(async () => (await owner.get(`/v1/webhook-endpoints/${endpointId}`)).body.health.disabledBy, { timeout: 15_000 }).toBe('delivery');

      const page = await newPage({ width: 1440, height: 900 });
      await page.goto(`${suite.server.url}/app/today`);
      const notice = page.getByTestId('webhook-disabled-notice');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/Webhook endpoint Old CRM was disabled: The receiver answered 410 Gone/);
      await saveScreenshot(page, 'webhook-disabled-notice-1440');
      // Phone size: the notice wraps inside the viewport.
      const phone = await newPage({ width: 390, height: 844 });
      await phone.goto(`${suite.server.url}/app/today`);
      await phone.getByTestId('webhook-disabled-notice').getByRole('button', { name: 'Dismiss' }).waitFor();
      await expectNoHorizontalOverflow(phone, 'today with the disabled-webhook notice at 390×844');
      await saveScreenshot(phone, 'webhook-disabled-notice-390');
      await notice.getByRole('link', { name: 'Review' }).click();
      await page.waitForURL(new RegExp(`/app/webhooks/${endpointId}$`));
      // The endpoint page says when, in the viewer's zone (no raw ISO time in the reason).
      const disabled = page.locator('.callout-danger', { hasText: 'Disabled' });
      expect(await disabled.textContent()).toMatch(/^Disabled [^.]*\b\d{4}\b[^.]*\d:\d{2}[^.T]*\. The receiver answered 410 Gone, asking not to be called again\.Enable endpoint$/);
      await saveScreenshot(page, 'webhook-endpoint-disabled-1440');
      await phone.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
      await phone.locator('.callout-danger', { hasText: 'Disabled' }).waitFor();
      await expectNoHorizontalOverflow(phone, 'disabled endpoint page at 390×844');
      await saveScreenshot(phone, 'webhook-endpoint-disabled-390');
      await notice.getByRole('button', { name: 'Dismiss' }).click();
      await expect.poll(() => notice.count()).toBe(0);
      await page.goto(`${suite.server.url}/app/today`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await notice.count()).toBe(0);
    } finally {
      await gone.close();
    }
  });

  it('the notice goes as soon as the endpoint is enabled on its page, and an endpoint created disabled is never announced', { timeout: 90_000 }, async () => {
    const realtor = new ApiClient(suite.server.url);
    await realtor.signUp({ username: 'Sam Realtor' });
    const gone = await startTestReceiver();
    try {
      // Switched off by the realtor when it was created: nothing went wrong with its deliveries.
      const paused = await realtor.post('/v1/webhook-endpoints', { url: receiver.url, description: 'Paused CRM', enabled: false });
      expect(paused.body.health.disabledBy).toBe('realtor');
      const created = await realtor.post('/v1/webhook-endpoints', { url: gone.url, description: 'Old CRM' });
      const endpointId = created.body.endpointId as string;
      const disableByReceiver = async () => {
        gone.answers.push({ status: 410 });
        expect((await realtor.post(`/v1/webhook-endpoints/${endpointId}/test`)).status).toBe(202);
        await expect.poll(async () => (await realtor.get(`/v1/webhook-endpoints/${endpointId}`)).body.health.disabledBy, { timeout: 15_000 }).toBe('delivery');
      };

      for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
        await disableByReceiver();
        const pageErrors: string[] = [];
        const page = await newSessionPage(suite.browser, suite.server, realtor, { viewport, contexts: suite.contexts, timeoutMs: 10_000, pageErrors });
        const at = `${suite.server.url}/app/webhooks/${endpointId}`;
        await page.goto(at);
        const notices = page.getByTestId('webhook-disabled-notice');
        await notices.first().waitFor();
        // One notice: the endpoint its receiver turned away, not the one the realtor paused.
        expect(await notices.allTextContents()).toEqual([expect.stringMatching(/^Webhook endpoint Old CRM was disabled: The receiver answered 410 Gone/)]);
        await expectNoHorizontalOverflow(page, `disabled endpoint page with its notice at ${viewport.width}`);
        await saveScreenshot(page, `webhook-notice-before-enable-${viewport.width}`);

        await page.locator('.callout-danger').getByRole('button', { name: 'Enable endpoint' }).click();
        // Gone without leaving the page (it was asked again only on navigation, focus or every 5 minutes).
        await notices.first().waitFor({ state: 'detached' });
        expect(page.url()).toBe(at);
        await page.locator('.callout-danger').waitFor({ state: 'detached' });
        await saveScreenshot(page, `webhook-notice-after-enable-${viewport.width}`);
        expect(pageErrors).toEqual([]);
      }
    } finally {
      await gone.close();
    }
  });
});
