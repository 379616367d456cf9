// Consent records through the real widget form (docs/consent.md): on the example listing site,
// the form sends the consent wording it showed and its version, and the API stores them with the
// inquiry and the time. Needs `npm run build:widget` (the test server serves dist/widget).
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import type { ExampleServer } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
let example: ExampleServer;
let context: BrowserContext;
let owner: ApiClient;
let siteId: string;

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
  ({ example, siteId } = await startExampleSite(suite.server, owner, 'Oak Realty'));
  context = await suite.browser.newContext({ viewport: { width: 1100, height: 900 } });
  suite.contexts.push(context);
});
afterAll(() => closeAll(example));

describe('the widget form’s consent record', () => {
  it('stores the wording the visitor saw, its version and the time with the inquiry', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => suite.pageErrors.push(err.message));
    await page.goto(`${example.url}/`);
    const form = page.locator('[data-porchlight-form]').first();
    await form.locator('form').waitFor({ state: 'visible' });
    const shown = (await form.locator('label.c').textContent())?.trim();
    expect(shown).toMatch(/agree/i);

    const before = Date.now();
    await form.getByLabel('Name').fill('Cora Consent');
    await form.getByLabel('Email').fill('cora.consent@example.com');
    await form.getByLabel('Message').fill('Is the garden south-facing?');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: /send/i }).click();
    await form.getByRole('status').waitFor();

    const [row] = await suite.server.sql<{ consent_text: string; consent_version: string; consent_at: Date }>(
      "select i.consent_text, i.consent_version, i.consent_at from inquiries i join leads l using (lead_id) where l.email = 'cora.consent@example.com'",
    );
    expect(row.consent_text).toBe(shown);
    expect(row.consent_version).toBe('form-1');
    expect(row.consent_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(suite.pageErrors).toEqual([]);
  });

  it('the site page switches the requirement off and on (saved at once)', async () => {
    const settings = async () => (await suite.server.sql<{ settings: Record<string, boolean> }>('select settings from sites where site_id = $1', [siteId]))[0].settings;
    for (const [name, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
      const page = await suite.adminPage(owner, { viewport });
      await page.goto(`${suite.server.url}/app/sites/${siteId}`);
      const box = page.getByLabel('Require consent with every inquiry');
      await box.waitFor();
      expect(await box.isChecked()).toBe(true);
      await box.scrollIntoViewIfNeeded();
      await saveScreenshot(page, `consent-setting-${name}`, { fullPage: false });
      await box.uncheck();
      await page.getByText('Inquiries without consent are accepted now.').waitFor();
      expect((await settings()).requireConsent).toBe(false);
      await box.check();
      await page.getByText('Inquiries now need the visitor’s consent.').waitFor();
      expect((await settings()).requireConsent).toBe(true);
    }
    expect(suite.pageErrors).toEqual([]);
  });
});
