// Lead-supplied text cannot execute in the admin (issue #11's security list): hostile markup in
// every field a website visitor or an API client controls — the lead's name and contact note,
// the inquiry's name and message, page-view URLs, listing refs and values, reminder messages —
// is shown as text on the leads list, the lead page (breakdown, timeline, inquiries) and the
// reminders page of a real Chromium. Each payload would set window.__pwned or open a dialog if
// it ever became HTML or a followed javascript: URL. Run `npm run build:admin` first.
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newSessionContext, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://xss.example';
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload="window.__pwned=1">',
  "'><script>window.__pwned=1</script>",
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  '<a href="javascript:window.__pwned=1">click</a>',
  '{{constructor.constructor("window.__pwned=1")()}}',
];
const nextIp = ipSource(99);

const suite = useBrowserSuite({ TRUST_PROXY: 'true' });
let context: BrowserContext;
let leadId: string;
const dialogs: string[] = [];

beforeAll(async () => {
  const owner = new ApiClient(suite.server.url);
  await owner.signUp();
  const site = (await owner.post('/v1/sites', { name: PAYLOADS[0], allowedOrigins: [ORIGIN] })).body;
  // Through the widget: the inquiry's name and message, and page views with hostile URLs, listings and values.
  const email = 'xss-visitor@example.com';
  const inquiry = { site: site.publicKey, id: randomUUID(), visitor: 'v_xss', name: PAYLOADS[1], email, message: PAYLOADS.join('\n'), consent: true, hp: '' };
  expect((await sendIngest(`${suite.server.url}/v1/inquiries`, inquiry, { defaultOrigin: ORIGIN, nextIp })).status).toBe(202);
  const events = PAYLOADS.map((p, i) => ({ id: randomUUID(), type: i % 2 ? 'page_view' : 'tool_use', url: `${ORIGIN}/listings/${encodeURIComponent(p)}`, listing: p.slice(0, 60), value: p, ts: Date.now() - i * 1000 }));
  const collected = await sendIngest(`${suite.server.url}/v1/collect`, { site: site.publicKey, visitor: 'v_xss', events }, { defaultOrigin: ORIGIN, nextIp });
  expect(collected.status).toBe(202);
  [{ lead_id: leadId }] = await suite.server.sql<{ lead_id: string }>('select lead_id from leads where email = $1', [email]);
  // Through the API: the lead's own fields, a manual inquiry and a reminder.
  expect((await owner.patch(`/v1/leads/${leadId}`, { name: PAYLOADS[2], contactInfo: PAYLOADS[3] })).status).toBe(200);
  expect((await owner.post(`/v1/leads/${leadId}/inquiries`, { message: PAYLOADS[4] })).status).toBe(201);
  expect((await owner.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() - 60_000).toISOString(), reminderMessage: PAYLOADS[5] + PAYLOADS[0] })).status).toBe(201);
  expect((await owner.post('/v1/leads', { name: PAYLOADS[0], contactInfo: PAYLOADS[4] })).status).toBe(201);

  context = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1440, height: 900 } });
  suite.contexts.push(context);
});

async function visit(path: string, ready: (page: Page) => Promise<unknown>): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  await page.goto(`${suite.server.url}/app${path}`);
  await ready(page);
  return page;
}

async function expectInert(page: Page, name: string) {
  // Click every link the page shows: a javascript: URL would run now.
  for (const link of await page.locator('main a[href^="javascript:" i]').all()) await link.click({ trial: true });
  expect(await page.locator('main a[href^="javascript:" i]').count(), `${name}: javascript: links`).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), `${name}: a payload ran`).toBeUndefined();
  expect(await page.locator('main [onerror], main [onload], main script, main iframe, main svg[onload]').count(), `${name}: injected elements`).toBe(0);
  expect(dialogs).toEqual([]);
  await saveScreenshot(page, `security-xss-${name}`);
}

describe('lead-supplied text in the admin', () => {
  it('is text on the leads list', async () => {
    const page = await visit('/leads', (p) => p.getByText(PAYLOADS[2]).first().waitFor());
    expect(await page.getByText(PAYLOADS[0]).count()).toBeGreaterThan(0);
    await expectInert(page, 'leads-list');
    await page.close();
  });

  it('is text on the lead page: header, contact note, timeline, inquiries', async () => {
    const page = await visit(`/leads/${leadId}`, (p) => p.getByRole('heading', { name: PAYLOADS[2], level: 1 }).waitFor());
    await page.getByText(PAYLOADS[4]).first().waitFor();
    await expectInert(page, 'lead-page');
    await page.close();
  });

  it('is text on the reminders page', async () => {
    const page = await visit('/reminders', (p) => p.getByText(PAYLOADS[5], { exact: false }).first().waitFor());
    await expectInert(page, 'reminders');
    await page.close();
  });
});
