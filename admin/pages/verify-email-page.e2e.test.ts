// The verify-email page in a real browser against the real API: a link that did not work offers
// "Send a new link" to a signed-in, unconfirmed realtor, and a refused resend (the budget of five
// an hour spent: 429) says so on the page instead of doing nothing; the button stays, and the
// next try that goes through says the link is on its way. Screenshots in
// test-results/screenshots. Run `npm run build:admin` first.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_RESEND_PER_USER_IP } from '#api/routes/account-email.routes.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { launchBrowser, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';

let server: TestServer;
let browser: Browser;
let realtor: Realtor;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
  realtor = await makeRealtor(server); // signed in, address not confirmed yet
});

afterAll(async () => {
  expect(pageErrors).toEqual([]);
  await closeAll(...contexts, browser, server);
});

describe('verify-email page: "Send a new link"', () => {
  it('shows a refused resend (429) and lets the realtor try again', async () => {
    // The browser and this client both come from 127.0.0.1: spend the realtor's resend budget.
    for (let i = 0; i < VERIFY_RESEND_PER_USER_IP; i++) expect((await realtor.client.post('/v1/auth/verify-email/resend')).status).toBe(202);

    const page = await newSessionPage(browser, server, realtor.client, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width: 1280, height: 860 } });
    await page.goto(`${server.url}/app/verify-email#token=not-a-link-we-sent`);
    await page.getByText('This link is not valid.').waitFor();
    const send = page.getByRole('button', { name: 'Send a new link' });
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v1/auth/verify-email/resend')), send.click()]);
    expect(refused.status()).toBe(429);
    const alert = page.getByRole('alert').filter({ hasText: 'The link could not be sent' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Too many attempts, try again in \d+ seconds/);
    expect(await page.getByText('A new link is on its way.').count()).toBe(0);
    await saveScreenshot(page, 'verify-email-01-resend-refused');

    // The hour has passed (its key expiring is what the clock would do): the button works again.
    const keys = await server.redis.keys(`${server.config.QUEUE_PREFIX}:rl:verify-resend:*`);
    expect(keys.length).toBeGreaterThan(0);
    await server.redis.del(...keys);
    const [sent] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v1/auth/verify-email/resend')), send.click()]);
    expect(sent.status()).toBe(202);
    await page.getByRole('status').filter({ hasText: 'A new link is on its way.' }).waitFor();
    expect(await page.getByText('The link could not be sent').count()).toBe(0);
    await saveScreenshot(page, 'verify-email-02-resent');
  });
});
