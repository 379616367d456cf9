// The daily event quota notice on a site's page, in a real browser: a quiet usage line while under
// the quota, then "Daily event quota reached at HH:MM UTC — events are being dropped until
// midnight UTC" once the site's beacons pass it. Needs `npm run build:admin` (npm test runs it).
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { newSessionContext, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const nextIp = ipSource(11);

const suite = useBrowserSuite({ TRUST_PROXY: 'true' });
let context: BrowserContext;

afterAll(() => closeAll(context));

const collect = (key: string, n: number) =>
  sendIngest(`${suite.server.url}/v1/collect`, { site: key, visitor: `v_${randomUUID().slice(0, 8)}`, events: Array.from({ length: n }, () => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/` })) }, { defaultOrigin: ORIGIN, nextIp });

describe('site page quota notice', () => {
  it('shows today\'s usage, then the quota-reached notice', { timeout: 60_000 }, async () => {
    const owner = new ApiClient(suite.server.url);
    await owner.signUp();
    const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
    expect((await owner.patch(`/v1/sites/${site.siteId}`, { settings: { dailyEventQuota: 3 } })).status).toBe(200);
    expect((await collect(site.publicKey, 2)).status).toBe(202);
    await vi.waitFor(async () => expect((await owner.get(`/v1/sites/${site.siteId}/quota`)).body.usedToday).toBe(2), WAIT);

    context = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1440, height: 900 } });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${suite.server.url}/app/sites/${site.siteId}`);
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

  it('sets the site’s data limits: defaults shown, a bad number refused, a shorter retention confirmed first', { timeout: 60_000 }, async () => {
    const owner = new ApiClient(suite.server.url);
    await owner.signUp();
    const site = (await owner.post('/v1/sites', { name: 'Maple Homes', allowedOrigins: [ORIGIN] })).body;
    const limits = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1440, height: 900 } });
    try {
      const page: Page = await limits.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${suite.server.url}/app/sites/${site.siteId}`);
      const card = page.getByRole('region', { name: 'Data limits' });
      await card.getByText('Empty: the server default, 13 months.').waitFor();
      await card.getByText('Empty: the server default, 100,000 a day.').waitFor();
      const months = card.getByLabel('Keep analytics events for (months)');
      const perDay = card.getByLabel('Analytics events accepted per day');

      // Out of range: refused in the page, nothing saved.
      await perDay.fill('0');
      await card.getByRole('button', { name: 'Save limits' }).click();
      await card.getByText('Enter a whole number of events from 1 to 100,000,000, or leave it empty for the default').first().waitFor();
      expect((await owner.get(`/v1/sites/${site.siteId}`)).body.settings.dailyEventQuota ?? null).toBeNull();

      // A higher quota and a longer retention: saved at once, and the quota line follows.
      await perDay.fill('250,000');
      await months.fill('24');
      await card.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('0 of 250,000 events today (UTC); events are kept 24 months.').waitFor();
      expect((await owner.get(`/v1/sites/${site.siteId}`)).body.settings).toMatchObject({ dailyEventQuota: 250_000, retentionMonths: 24 });

      // Shorter than now: asks first; Cancel keeps 24, confirming keeps 6.
      await months.fill('6');
      await card.getByRole('button', { name: 'Save limits' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete older events?' });
      await dialog.getByText('Events older than 6 months will be deleted within the hour (now 24 months are kept).').waitFor();
      await saveScreenshot(page, 'admin-site-limits-confirm-1440');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect((await owner.get(`/v1/sites/${site.siteId}`)).body.settings.retentionMonths).toBe(24);
      await card.getByRole('button', { name: 'Save limits' }).click();
      await dialog.getByRole('button', { name: 'Keep 6 months' }).click();
      await page.getByText('0 of 250,000 events today (UTC); events are kept 6 months.').waitFor();
      expect((await owner.get(`/v1/sites/${site.siteId}`)).body.settings.retentionMonths).toBe(6);

      // Emptied: back to the server's defaults.
      await months.fill('');
      await perDay.fill('');
      await card.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('0 of 100,000 events today (UTC); events are kept 13 months.').waitFor();
      expect((await owner.get(`/v1/sites/${site.siteId}`)).body.settings).toMatchObject({ dailyEventQuota: null, retentionMonths: null });
      await page.setViewportSize({ width: 390, height: 844 });
      await card.scrollIntoViewIfNeeded();
      await saveScreenshot(page, 'admin-site-limits-390');
    } finally {
      await limits.close();
    }
  });
});
