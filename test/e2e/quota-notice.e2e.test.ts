// The daily event quota notice on a site's page, in a real browser: a quiet usage line while under
// the quota, then "Daily event quota reached at HH:MM UTC — events are being dropped until
// midnight UTC" once the site's beacons pass it. Needs `npm run build:admin` (npm test runs it).
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { launchBrowser, newSessionContext, saveScreenshot } from '#test/browser.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const nextIp = ipSource(11);

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  browser = await launchBrowser();
});
afterAll(() => closeAll(context, browser, server));

const collect = (key: string, n: number) =>
  sendIngest(`${server.url}/v1/collect`, { site: key, visitor: `v_${randomUUID().slice(0, 8)}`, events: Array.from({ length: n }, () => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/` })) }, { defaultOrigin: ORIGIN, nextIp });

describe('site page quota notice', () => {
  it('shows today\'s usage, then the quota-reached notice', { timeout: 60_000 }, async () => {
    const owner = new ApiClient(server.url);
    await owner.signUp();
    const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
    expect((await owner.patch(`/v1/sites/${site.siteId}`, { settings: { dailyEventQuota: 3 } })).status).toBe(200);
    expect((await collect(site.publicKey, 2)).status).toBe(202);
    await vi.waitFor(async () => expect((await owner.get(`/v1/sites/${site.siteId}/quota`)).body.usedToday).toBe(2), WAIT);

    context = await newSessionContext(browser, server, owner, { viewport: { width: 1440, height: 900 } });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/app/sites/${site.siteId}`);
    await page.getByText('2 of 3 events today (UTC); events are kept 13 months.').waitFor();

    expect((await collect(site.publicKey, 2)).status).toBe(429);
    await vi.waitFor(async () => expect((await owner.get(`/v1/sites/${site.siteId}/quota`)).body.reachedAt).not.toBeNull(), WAIT);
    await page.reload();
    const notice = page.getByRole('status').filter({ hasText: 'Daily event quota reached' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/Daily event quota reached at \d{2}:\d{2} UTC — events are being dropped until midnight UTC\./);
    expect(await notice.textContent()).toContain('Inquiries are still accepted');
    await saveScreenshot(page, 'admin-site-quota-reached-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await notice.waitFor();
    await saveScreenshot(page, 'admin-site-quota-reached-390');
  });
});
