// The sites list (/app/sites) on a phone and on a desktop, in Chromium against the real API and
// Postgres: at 390×844 each site is a stacked row (admin/styles.css, `.sites-table`) whose name,
// status, public key, origins and install check are all on screen, nothing wider than the viewport;
// at 1440×900 it stays a table with its column headers. Screenshots at 1440×900 and 390×844 go to
// test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeRealtor, makeSite, type Realtor } from '#test/factories.ts';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const suite = useBrowserSuite();
const adminPage = (realtor: Realtor, viewport = DESKTOP): Promise<Page> => suite.adminPage(realtor.client, { viewport });

/** Three sites: a long name with several origins, a plain one, and a disabled one. */
async function threeSites(realtor: Realtor) {
  const long = await makeSite(realtor, {
    name: 'Hearth & Harbour Realty — Waterfront Listings Portfolio',
    allowedOrigins: ['https://www.hearth-harbour.example', 'https://listings.hearth-harbour.example', 'https://hearth-harbour.example'],
  });
  const plain = await makeSite(realtor, { name: 'Oak Realty', allowedOrigins: ['https://oak.example'] });
  const off = await makeSite(realtor, { name: 'Old Maple Homes' });
  expect((await realtor.client.patch(`/v1/sites/${off.siteId}`, { enabled: false })).status).toBe(200);
  return [long, plain, off];
}

describe('sites list', () => {
  it('at 390 px each site is a stacked row within the screen, its name, status, key, origins and install check visible', { timeout: 60_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const sites = await threeSites(realtor);
    const page = await adminPage(realtor, PHONE);
    await page.goto(`${suite.server.url}/app/sites`);
    await page.locator('.sites-table tbody tr').nth(2).waitFor();

    for (const site of sites) {
      const row = page.locator(`.sites-table tr[data-site-id="${site.siteId}"]`);
      const box = await row.boundingBox();
      expect(box, site.name).not.toBeNull();
      expect(box!.x, site.name).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, `${site.name}: row's right edge`).toBeLessThanOrEqual(PHONE.width);
      for (const part of [row.getByRole('link', { name: site.name }), row.locator('code.key', { hasText: site.publicKey }), row.locator('.site-origins'), row.locator('.site-install .badge'), row.locator('.site-status .badge')]) {
        expect(await part.isVisible(), `${site.name}: ${part}`).toBe(true);
        const partBox = await part.boundingBox();
        expect(partBox!.x + partBox!.width, `${site.name}: ${part} right edge`).toBeLessThanOrEqual(PHONE.width);
      }
    }
    const long = page.locator(`.sites-table tr[data-site-id="${sites[0].siteId}"]`);
    expect(await long.locator('.site-origins').textContent()).toBe('Allowed origins 3 origins');
    expect(await page.locator(`.sites-table tr[data-site-id="${sites[2].siteId}"] .site-status`).textContent()).toBe('Disabled');
    // The column headers are hidden: each value carries its own label.
    expect(await page.locator('.sites-table thead').isVisible()).toBe(false);
    await expectNoHorizontalOverflow(page, 'sites list at 390');
    await saveScreenshot(page, 'sites-list-390');

    const desktop = await adminPage(realtor, DESKTOP);
    await desktop.goto(`${suite.server.url}/app/sites`);
    await desktop.locator('.sites-table tbody tr').nth(2).waitFor();
    expect(await desktop.getByRole('columnheader', { name: 'Public key' }).isVisible()).toBe(true);
    expect(await desktop.locator('.sites-table .cell-label').first().isVisible()).toBe(false);
    await expectNoHorizontalOverflow(desktop, 'sites list at 1440');
    await saveScreenshot(desktop, 'sites-list-1440');
  });
});
