// The Analytics page in Chromium at 1440×900 and 390×844: events, speed-to-lead, leads per day,
// funnel and listings with data from the rollups; legends show totals before any hover; plain
// words instead of jargon; nothing overflows; empty and error states. Screenshots in
// test-results/screenshots/analytics-*.png.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { fromWallTime } from '#core/email/local-time.ts';
import { newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeEvents, makeInquiries, makeLead, makeRealtor, makeSite, makeVisitor, type EventSeed } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

const suite = useBrowserSuite();
let alice: ApiClient;
let empty: ApiClient;
/** A realtor in Los Angeles (Settings) with one page view at 23:30 there, three days ago: the next day in UTC and Tokyo. */
let zoned: ApiClient;
let zonedDay: { la: string; utc: string };
const DAY = 86_400_000;
const LONG_DAY = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

function openAnalytics(client: ApiClient, viewport: { width: number; height: number }, timezoneId = 'UTC'): Promise<Page> {
  return newSessionPage(suite.browser, suite.server, client, { viewport, timezoneId, locale: 'en-US', contexts: suite.contexts, timeoutMs: 15_000 });
}

async function noHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, 'the page scrolls sideways').toBeLessThanOrEqual(client);
}

beforeAll(async () => {
  const { server } = suite;
  const realtor = await makeRealtor(server);
  alice = realtor.client;
  // Analytics counts the days of the realtor's zone (Settings); the data below is laid out in UTC days.
  expect((await alice.patch('/v1/notification-preferences', { timeZone: 'UTC' })).status).toBe(200);
  ({ client: empty } = await makeRealtor(server));
  const site = (await makeSite(realtor, { name: 'Oak Realty' })).siteId;
  const now = Date.now();
  const at = (daysAgo: number, hour = 12) => new Date(Math.floor((now - daysAgo * DAY) / DAY) * DAY + hour * 3_600_000);
  const events: EventSeed[] = [];
  for (let d = 0; d < 14; d++) {
    for (let k = 0; k < 5 + ((d * 7) % 9); k++) {
      events.push({ siteId: site, type: 'page_view', listingRef: k % 2 ? 'oak-12' : 'maple-7', at: at(d, k % 20), receivedAt: new Date(now - 600_000),
        props: k % 2 ? { title: 'x', listingTitle: '12 Oak Street' } : { title: '7 Maple Avenue | Oak Realty' }, pageUrl: `https://oak.example/l/${k % 2 ? 'oak-12' : 'maple-7'}` });
    }
    events.push({ siteId: site, type: 'tool_interaction', value: 'mortgage_calculator', at: at(d, 9), receivedAt: new Date(now - 600_000) });
    if (d % 3 === 0) events.push({ siteId: site, type: 'identify', at: at(d, 10), receivedAt: new Date(now - 600_000) });
  }
  await makeEvents(server, events);
  for (let v = 0; v < 30; v++) await makeVisitor(server, { siteId: site, visitorId: `v${v}`, firstSeenAt: at(v % 14) });
  for (let i = 0; i < 12; i++) {
    const created = at(i, 8 + (i % 8));
    const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: site, createdAt: created, score: 10 + i * 7, scoreBand: i > 8 ? 'hot' : i > 4 ? 'warm' : 'cold' });
    await makeInquiries(server, [{ leadId, siteId: site, source: 'widget', listingRef: i % 2 ? 'oak-12' : 'maple-7', createdAt: created }]);
    if (i % 4 !== 3) await server.sql(`update leads set first_contacted_at = $2 where lead_id = $1`, [leadId, new Date(created.getTime() + [120, 900, 4_000][i % 3] * 1000)]);
  }
  const other = await makeRealtor(server);
  zoned = other.client;
  expect((await zoned.patch('/v1/notification-preferences', { timeZone: 'America/Los_Angeles' })).status).toBe(200);
  const zonedSite = (await makeSite(other, { name: 'Pine Realty' })).siteId;
  const laToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date());
  const d = new Date(Date.parse(`${laToday}T00:00:00Z`) - 3 * DAY);
  const lateEvening = fromWallTime({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 23, minute: 30 }, 'America/Los_Angeles');
  zonedDay = { la: d.toISOString().slice(0, 10), utc: lateEvening.toISOString().slice(0, 10) };
  await makeEvents(server, [{ siteId: zonedSite, type: 'page_view', at: lateEvening, receivedAt: new Date(now - 600_000) }]);
  await rollupEvents({ em: server.orm.em.fork() as EntityManager, lagMs: 0 });
});

describe('the Analytics page', () => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    it(`shows events, speed-to-lead, leads per day, the funnel and listings at ${viewport.width}×${viewport.height}`, async () => {
      const page = await openAnalytics(alice, viewport);
      await page.goto(`${suite.server.url}/app/analytics`);
      await page.getByRole('heading', { name: 'Events per day' }).waitFor();
      await page.getByText('Median time to first contact').waitFor();
      // The page says whose days it counts: the realtor's time zone (UTC here).
      await page.getByText('Days run from midnight to midnight in your time zone (UTC, change it in Settings).', { exact: false }).waitFor();
      await page.locator('.events-chart canvas').first().waitFor();
      await page.locator('.leads-chart canvas').first().waitFor();

      // Before any hover the legends show totals, not "—".
      const legend = await page.locator('.events-chart .u-legend').textContent();
      expect(legend).toContain('Total');
      expect(legend).not.toContain('—');
      expect(await page.locator('.leads-chart .u-legend').textContent()).toMatch(/New leads:?\s*12/);
      // Plain words: "Contact details given", never "Contacts shared".
      expect(await page.getByText('Contacts shared').count()).toBe(0);
      expect(await page.locator('.events-chart .u-legend').getByText('Contact details given').count()).toBe(1);
      // Speed-to-lead from the crafted answers (2 min, 15 min, 67 min; every fourth lead never).
      expect(await page.locator('.kpi', { hasText: 'Answered within 5 minutes' }).locator('.kpi-value').textContent()).toBe('25%');
      expect(await page.locator('.kpi', { hasText: 'Answered within 1 hour' }).locator('.kpi-value').textContent()).toBe('50%');
      // The funnel and the listing titles captured by the tracker.
      expect(await page.locator('.bar-list-wide .bar-row').count()).toBe(5);
      // One meaning of "new leads" on the page: the Overview's tile is the visitors who became one,
      // and the funnel gives no leads-of-visitors share (leads added by hand came from no visitor).
      expect(await page.locator('.kpi', { hasText: 'Visitors who became leads' }).count()).toBe(1);
      expect(await page.locator('.kpi', { hasText: /^New leads/ }).count()).toBe(0);
      expect(await page.locator('.bar-list-wide .bar-row', { hasText: 'Leads' }).locator('.bar-share').count()).toBe(0);
      expect(await page.locator('.bar-list-wide .bar-row', { hasText: 'Contacted' }).locator('.bar-share').count()).toBe(1);
      await page.getByRole('link', { name: '12 Oak Street' }).waitFor();
      await page.getByText('7 Maple Avenue | Oak Realty').waitFor();
      await noHorizontalOverflow(page);
      await saveScreenshot(page, `analytics-${viewport.width}x${viewport.height}`);
      // Viewport-sized views of the charts, to read them at the device's scale.
      for (const heading of ['Events per day', 'Leads and inquiries per day', 'From visitor to closed']) {
        await page.getByRole('heading', { name: heading }).scrollIntoViewIfNeeded();
        await saveScreenshot(page, `analytics-${viewport.width}x${viewport.height}-${heading}`, { fullPage: false });
      }
    });
  }

  it('counts the days of the realtor’s time zone from Settings, not the browser’s: a page view at 23:30 in Los Angeles is on that day there, the next one in Tokyo', async () => {
    expect(zonedDay.utc).not.toBe(zonedDay.la);
    for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      // The browser is in Tokyo; the realtor's settings say Los Angeles.
      const page = await openAnalytics(zoned, viewport, 'Asia/Tokyo');
      await page.goto(`${suite.server.url}/app/analytics`);
      await page.getByText('Days run from midnight to midnight in your time zone (America/Los Angeles, change it in Settings).', { exact: false }).waitFor();
      await page.getByText(`Busiest day: ${LONG_DAY.format(new Date(`${zonedDay.la}T00:00:00Z`))} (1).`, { exact: false }).waitFor();
      await noHorizontalOverflow(page);
      await saveScreenshot(page, `analytics-los-angeles-${viewport.width}x${viewport.height}`);
    }
    // The page links to Settings; a new zone saved there counts from the next visit to Analytics, without a reload.
    const page = await openAnalytics(zoned, { width: 1440, height: 900 }, 'America/Los_Angeles');
    await page.goto(`${suite.server.url}/app/analytics`);
    await page.getByRole('link', { name: 'change it in Settings' }).click();
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Alert settings saved.').first().waitFor();
    await page.getByRole('link', { name: 'Analytics' }).first().click();
    await page.getByText('Days run from midnight to midnight in your time zone (Asia/Tokyo, change it in Settings).', { exact: false }).waitFor();
    await page.getByText(`Busiest day: ${LONG_DAY.format(new Date(`${zonedDay.utc}T00:00:00Z`))} (1).`, { exact: false }).waitFor();
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  });

  it('shows an empty state for a realtor without activity, and an error with a retry when lead analytics fail', async () => {
    const page = await openAnalytics(empty, { width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/analytics`);
    await page.getByText('No activity in this period').waitFor();
    await page.getByText(/No leads or inquiries from/).waitFor();
    await noHorizontalOverflow(page);

    let fail = true;
    await page.route('**/v1/analytics/leads**', (route) => (fail ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"Boom"}}' }) : route.continue()));
    await page.reload();
    await page.getByText('Could not load lead analytics').waitFor();
    fail = false;
    await page.getByRole('button', { name: /retry|try again/i }).click();
    await page.getByText(/No leads or inquiries from/).waitFor();
  });

  it('Refresh asks for answers computed now: a lead added behind the API’s back shows at once', async () => {
    const { client, userId } = await makeRealtor(suite.server);
    const page = await openAnalytics(client, { width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/analytics`);
    await page.getByText(/No leads or inquiries from/).waitFor();
    const sent: Array<string | undefined> = [];
    page.on('request', (req) => {
      if (req.url().includes('/v1/analytics/')) sent.push(req.headers()['cache-control']);
    });
    // A lead written straight to Postgres (as the widget's inquiries are, in another process):
    // a reload within the cache's few seconds may still show the cached answer; Refresh does not.
    await makeLead(suite.server, { userId, name: 'Walk-in', createdAt: new Date() });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.leads-chart canvas').first().waitFor();
    expect(await page.locator('.leads-chart .u-legend').textContent()).toMatch(/New leads:?\s*1/);
    expect(sent).toEqual(['no-cache', 'no-cache']);
  });
});
