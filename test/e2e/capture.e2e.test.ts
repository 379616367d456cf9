
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveScreenshot, visitorOf, watchCollect } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import type { ExampleServer } from '../../examples/listing-site/serve.ts';

interface EventRow {
  client_event_id: string;
  event_type: string;
  event_value: string | null;
  listing_ref: string | null;
  page_url: string | null;
  visitor_id: string;
  site_id: string;
  lead_id: string | null;
  props: Record<string, unknown> | null;
}

const suite = useBrowserSuite();
let worker: TestWorker;
let example: ExampleServer;
let owner: ApiClient;
let siteId = '';
/** Where the tracker keeps this site's unsent events: localStorage `porchlight_q<site key>`. */
let queueKey = '';
/** Uncaught errors and unhandled rejections of every page this file opens: the tracker must throw nothing into the host. */

/** A fresh browser profile (its own localStorage, so its own visitor) with one page on the example site. */
async function openPage(options: BrowserContextOptions & { dnt?: boolean } = {}): Promise<Page> {
  const { dnt, ...contextOptions } = options;
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  suite.contexts.push(context);
  if (dnt) {
    // The DNT header alone does not change navigator.doNotTrack; the tracker reads the properties.
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
    });
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => suite.pageErrors.push(`${page.url()}: ${err.message}`));
  return page;
}

/** Opens `path` and waits until w.js has replaced the page's command-queue stub. */
async function visit(page: Page, path: string): Promise<string> {
  await page.goto(example.url + path);
  await page.waitForFunction(() => (window as any).porchlight?.l === 1);
  return visitorOf(page);
}

function rowsOf(visitorId: string): Promise<EventRow[]> {
  return suite.server.sql<EventRow>(
    `select client_event_id, event_type, event_value, listing_ref, page_url, visitor_id, site_id, lead_id, props
     from lead_analytics where site_id = $1 and visitor_id = $2 order by event_date, received_at`,
    [siteId, visitorId],
  );
}

/** Waits until the visitor has a row matching `match`; returns it. */
function waitForRow(visitorId: string, description: string, match: (row: EventRow) => boolean): Promise<EventRow> {
  return vi.waitFor(async () => {
    const found = (await rowsOf(visitorId)).find(match);
    expect(found, description).toBeTruthy();
    return found!;
  }, { ...WAIT, timeout: 10_000 });
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'capture-e2e-worker' });
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Maya Brooks' });
  let siteKey: string;
  ({ example, siteId, siteKey } = await startExampleSite(suite.server, owner, 'Hearth & Co. Realty'));
  queueKey = `porchlight_q${siteKey}`;
  // Do-Not-Track is respected by default (the DNT test relies on it).
  expect((await owner.get(`/v1/sites/${siteId}`)).body.settings.respectDnt).toBe(true);
});

afterAll(() => closeAll(example, worker));

describe('capture on the example listing site', () => {
  // One visitor's journey through the listing site; each step builds on the one before.
  let page: Page;
  let visitor = '';

  it('stores a page view on load with the listing, URL and anonymous visitor', async () => {
    page = await openPage();
    visitor = await visit(page, '/');
    expect(visitor).toMatch(/^[\w-]{36}$/);
    await expect.poll(() => page.locator('main').getAttribute('data-porchlight-listing')).toBe('oak-12');
    await expect.poll(() => page.locator('h1').textContent()).toBe('12 Oak Street');

    const view = await waitForRow(visitor, 'the page view', (r) => r.event_type === 'page_view');
    expect(view).toMatchObject({
      event_type: 'page_view',
      event_value: '/',
      listing_ref: 'oak-12',
      page_url: `${example.url}/`,
      visitor_id: visitor,
      site_id: siteId,
      lead_id: null,
    });
    // (HeadlessChrome's user agent is not on the bot list: no special user agent needed.)
    expect(view.props).toEqual({ title: '12 Oak Street, Springfield, IL — $485,000 | Hearth & Co. Realty' });
    await saveScreenshot(page, 'example-listing');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'example-listing-mobile');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('computes a monthly payment and stores the calculator, save and showing clicks as tool interactions', async () => {
    const form = page.locator('#mortgage-form');
    await form.getByLabel('Home price ($)').fill('400000');
    await form.getByLabel('Down payment ($)').fill('80000');
    await form.getByLabel('Interest rate (%)').fill('6');
    await form.getByLabel('Loan term').selectOption('30');
    await form.getByRole('button', { name: 'Calculate' }).click();
    // $320,000 at 6 % over 30 years: $1,918.56 a month.
    await expect.poll(() => page.locator('#monthly-payment').textContent()).toBe('$1,919');
    await expect.poll(() => page.locator('#down-percent').textContent()).toBe('20% of the price');
    await form.getByLabel('Loan term').selectOption('15');
    await form.getByLabel('Interest rate (%)').press('Enter'); // submits the form: $2,700.34
    await expect.poll(() => page.locator('#monthly-payment').textContent()).toBe('$2,700');

    await page.locator('button.save').click();
    await expect.poll(() => page.locator('button.save').getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Schedule a showing' }).click();
    await expect.poll(() => page.locator('#showing-note').isVisible()).toBe(true);

    const tools = await vi.waitFor(async () => {
      const rows = (await rowsOf(visitor)).filter((r) => r.event_type === 'tool_interaction');
      expect(rows.length, 'four tool interactions').toBeGreaterThanOrEqual(4);
      return rows;
    }, WAIT);
    expect(tools.map((r) => r.event_value)).toEqual(['mortgage_calculator', 'mortgage_calculator', 'save_listing', 'showing_request']);
    for (const row of tools) expect(row).toMatchObject({ listing_ref: 'oak-12', page_url: `${example.url}/`, lead_id: null });
  });

  it('stores a client-side navigation to another listing, and the way back, as page views', async () => {
    await page.getByRole('link', { name: /7 Maple Avenue/ }).click();
    await page.waitForURL(`${example.url}/listings/maple-7`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('7 Maple Avenue');
    expect(await page.locator('main').getAttribute('data-porchlight-listing')).toBe('maple-7');
    expect(await page.locator('[data-porchlight-form]').getAttribute('data-listing')).toBe('maple-7');
    const maple = await waitForRow(visitor, 'the SPA page view', (r) => r.event_type === 'page_view' && r.listing_ref === 'maple-7');
    expect(maple).toMatchObject({ page_url: `${example.url}/listings/maple-7`, event_value: '/listings/maple-7', lead_id: null });
    expect(maple.props).toEqual({ title: '7 Maple Avenue, Springfield, IL — $362,500 | Hearth & Co. Realty' });
    await saveScreenshot(page, 'example-listing-maple-7', { fullPage: false });

    await page.goBack();
    await page.waitForURL(`${example.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('12 Oak Street');
    await vi.waitFor(async () => expect((await rowsOf(visitor)).filter((r) => r.event_type === 'page_view' && r.listing_ref === 'oak-12').length, 'the page view after going back').toBe(2), WAIT);
    expect((await rowsOf(visitor)).filter((r) => r.event_type === 'page_view').map((r) => r.listing_ref)).toEqual(['oak-12', 'maple-7', 'oak-12']);
  });

  it("stores a porchlight('track') call from the page with its props", async () => {
    // The photo tour's room buttons call porchlight('track', 'virtual_tour', {room}).
    await page.getByRole('button', { name: 'Kitchen' }).click();
    await expect.poll(() => page.locator('#photo-caption').textContent()).toBe('Kitchen · 3 of 5');
    const tour = await waitForRow(visitor, 'the virtual tour event', (r) => r.event_type === 'virtual_tour');
    expect(tour).toMatchObject({ event_value: null, listing_ref: 'oak-12', props: { room: 'kitchen' }, lead_id: null });

    // The same call made by any script on the page.
    await page.evaluate(() => (window as any).porchlight('track', 'virtual_tour', { room: 'backyard', seconds: 42 }));
    const direct = await waitForRow(visitor, 'the direct track call', (r) => r.event_type === 'virtual_tour' && r.props?.room === 'backyard');
    expect(direct.props).toEqual({ room: 'backyard', seconds: 42 });
  });

  it("identify links the visitor to a lead and stitches its earlier anonymous events", { timeout: 30_000 }, async () => {
    const before = await rowsOf(visitor);
    expect(before.length).toBeGreaterThanOrEqual(9);
    expect(before.every((r) => r.lead_id === null)).toBe(true);

    // The site's own price-alert form calls porchlight('identify', {email}).
    await page.locator('#alert-email').fill('Jordan.Reyes@Example.com');
    await page.getByRole('button', { name: 'Notify me' }).click();
    await expect.poll(() => page.locator('#alert-status').textContent()).toContain('Thanks');

    const lead = await vi.waitFor(async () => {
      const found = (await suite.server.sql<{ lead_id: string; email: string; site_id: string }>("select lead_id, email, site_id from leads where email = 'jordan.reyes@example.com'"))[0];
      expect(found, 'the lead').toBeTruthy();
      return found!;
    }, WAIT);
    expect(lead.site_id).toBe(siteId);
    await vi.waitFor(async () => expect((await rowsOf(visitor)).every((r) => r.lead_id === lead.lead_id), 'stitching').toBeTruthy(), { ...WAIT, timeout: 15_000 });
    const after = await rowsOf(visitor);
    expect(after.length).toBe(before.length + 1);
    // Contact data lives on the lead only, never in the events table.
    expect(after.find((r) => r.event_type === 'identify')).toMatchObject({ props: null, event_value: null });

    // Later events carry the lead at once.
    await page.locator('button.save').click();
    const unsave = await vi.waitFor(async () => {
      const found = (await rowsOf(visitor)).filter((r) => r.event_value === 'save_listing')[1];
      expect(found, 'a later event').toBeTruthy();
      return found!;
    }, WAIT);
    expect(unsave.lead_id).toBe(lead.lead_id);
  });
});

describe('Do-Not-Track and Global Privacy Control', () => {
  it('stores no anonymous events for a visitor with DNT/GPC on, and all of them once the site opts out', { timeout: 30_000 }, async () => {
    const page = await openPage({ dnt: true });
    const collect = watchCollect(page);
    const visitor = await visit(page, '/');
    expect(await page.evaluate(() => [navigator.doNotTrack, (navigator as any).globalPrivacyControl])).toEqual(['1', true]);
    await page.locator('#mortgage-form').getByRole('button', { name: 'Calculate' }).click();
    await page.getByRole('link', { name: /7 Maple Avenue/ }).click();
    await page.getByRole('button', { name: 'Schedule a showing' }).click();
    // Positive signal: the API has answered (202, after deciding) every batch the page sent.
    await vi.waitFor(() => expect(new Set(collect.bodies.flatMap((b) => b.events.map((e: { id: string }) => e.id))).size === 4 && collect.statuses.length === collect.bodies.length, 'the DNT batches to be answered').toBeTruthy(), WAIT);
    expect(collect.statuses.every((status) => status === 202)).toBe(true);
    expect(collect.bodies.every((b) => b.dnt === true)).toBe(true);
    // A visitor without DNT, afterwards, is stored: ingestion works and has processed what came first.
    const control = await openPage();
    const controlVisitor = await visit(control, '/');
    await waitForRow(controlVisitor, 'the control page view', (r) => r.event_type === 'page_view');
    expect(await rowsOf(visitor)).toEqual([]);
    expect(await suite.server.sql('select 1 from visitors where site_id = $1 and visitor_id = $2', [siteId, visitor])).toEqual([]);

    // A site that sets respectDnt: false stores everything.
    expect((await owner.patch(`/v1/sites/${siteId}`, { settings: { respectDnt: false } })).status).toBe(200);
    try {
      await page.getByRole('button', { name: 'Kitchen' }).click();
      const tour = await waitForRow(visitor, 'the DNT visitor’s event on an opted-out site', (r) => r.event_type === 'virtual_tour');
      expect(tour).toMatchObject({ listing_ref: 'maple-7', props: { room: 'kitchen' } });
    } finally {
      expect((await owner.patch(`/v1/sites/${siteId}`, { settings: { respectDnt: true } })).status).toBe(200);
    }
  });
});

describe('retries and replays', () => {
  it('keeps one visitor id across reloads', async () => {
    const page = await openPage();
    const visitor = await visit(page, '/listings/oak-12');
    await waitForRow(visitor, 'the first page view', (r) => r.event_type === 'page_view');
    await page.reload();
    await page.waitForFunction(() => (window as any).porchlight?.l === 1);
    expect(await visitorOf(page)).toBe(visitor);
    const views = await vi.waitFor(async () => {
      const rows = (await rowsOf(visitor)).filter((r) => r.event_type === 'page_view');
      expect(rows, 'the page view after the reload').toHaveLength(2);
      return rows;
    }, WAIT);
    expect(views.map((r) => r.page_url)).toEqual([`${example.url}/listings/oak-12`, `${example.url}/listings/oak-12`]);
    expect(new Set(views.map((r) => r.client_event_id)).size).toBe(2);
  });

  it('stores each event of a failed batch once when it is retried from localStorage, and again once when it is replayed', { timeout: 30_000 }, async () => {
    const page = await openPage();
    // The API is unreachable: the tracker keeps the failed batches in localStorage porchlight_q<site key>.
    await page.route('**/v1/collect', (route) => route.abort('connectionrefused'));
    const visitor = await visit(page, '/');
    await page.locator('#mortgage-form').getByRole('button', { name: 'Calculate' }).click();
    const queued = await vi.waitFor(async () => {
      const events = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), queueKey)) ?? '[]') as { id: string; type: string }[];
      expect(events, 'two events in the retry queue').toHaveLength(2);
      return events;
    }, WAIT);
    expect(queued.map((e) => e.type)).toEqual(['page_view', 'tool_interaction']);
    expect(await rowsOf(visitor)).toEqual([]);

    // Back online: the next batch (a client-side navigation) carries the queued events with it.
    await page.unroute('**/v1/collect');
    await page.getByRole('link', { name: /7 Maple Avenue/ }).click();
    await vi.waitFor(async () => expect((await rowsOf(visitor)).length, 'the retried batch').toBe(3), WAIT);
    expect(await page.evaluate((key) => localStorage.getItem(key), queueKey)).toBeNull();

    // A replay of the same events (a retry whose first attempt did arrive) stores nothing new.
    await page.evaluate(([key, events]) => localStorage.setItem(key, JSON.stringify(events)), [queueKey, queued] as const);
    await page.getByRole('button', { name: 'Schedule a showing' }).click();
    await waitForRow(visitor, 'the event sent with the replay', (r) => r.event_value === 'showing_request');
    const rows = await rowsOf(visitor);
    expect(rows.map((r) => [r.event_type, r.event_value])).toEqual([
      ['page_view', '/'],
      ['tool_interaction', 'mortgage_calculator'],
      ['page_view', '/listings/maple-7'],
      ['tool_interaction', 'showing_request'],
    ]);
    for (const event of queued) expect(rows.filter((r) => r.client_event_id === event.id)).toHaveLength(1);
  });
});

describe('props the API cannot take', () => {
  it('costs only those props: an array and a BigInt go as null, the page view and the events next to them are stored, and later clicks are sent', { timeout: 30_000 }, async () => {
    const page = await openPage();
    // Queued through the snippet's stub before w.js runs, so both calls go in the page view's
    // batch. (An array got that batch refused, 400; a BigInt made JSON.stringify throw in every
    // flush from then on, so the page sent nothing more.)
    await page.addInitScript(() => {
      const stub: any = function () {
        stub.q = stub.q || [];
        // biome-ignore lint/complexity/noArguments: the stub queues arguments objects, as the snippet's does
        stub.q.push(arguments);
      };
      (window as any).porchlight = stub;
      stub('track', 'saved_listing', { tags: ['pool', 'garage'], beds: 4, source: 'card' });
      stub('track', 'price_checked', { price: BigInt(450000), currency: 'USD', nested: { a: 1 }, ok: true, none: null });
    });
    const collect = watchCollect(page);
    const visitor = await visit(page, '/');

    await vi.waitFor(() => expect(collect.statuses.length, 'the first batch answered').toBeGreaterThanOrEqual(1), WAIT);
    expect(collect.bodies[0].events.map((e) => e.type).sort()).toEqual(['page_view', 'price_checked', 'saved_listing']);
    expect(collect.statuses[0]).toBe(202);
    await waitForRow(visitor, 'the page view', (r) => r.event_type === 'page_view');
    const saved = await waitForRow(visitor, 'the event with an array prop', (r) => r.event_type === 'saved_listing');
    expect(saved.props).toEqual({ tags: null, beds: 4, source: 'card' });
    const price = await waitForRow(visitor, 'the event with a BigInt prop', (r) => r.event_type === 'price_checked');
    expect(price.props).toEqual({ price: null, currency: 'USD', nested: null, ok: true, none: null });

    // The tracker still sends: a click afterwards is stored.
    await page.getByRole('button', { name: 'Schedule a showing' }).click();
    await waitForRow(visitor, 'a later click', (r) => r.event_value === 'showing_request');
    expect(collect.statuses.every((status) => status === 202)).toBe(true);
  });
});

describe('the host page', () => {
  it('sees no error from the tracker or the form on any page of this file', () => {
    expect(suite.contexts.length).toBeGreaterThanOrEqual(5);
    expect(suite.pageErrors).toEqual([]);
  });
});
