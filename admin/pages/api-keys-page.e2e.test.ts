// The API keys page in a real browser against the real API and Postgres: on a phone (390×844)
// the keys table is a list of stacked rows — nothing scrolls sideways in its card, and every key's
// Revoke is on screen and works; at 1440×900 it stays a table. Screenshots at both sizes in
// test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';

const DAY_MS = 86_400_000;
const LONG_NAME = 'Follow Up Boss nightly sync for the downtown team (do not delete)';

const suite = useBrowserSuite();
let realtor: ApiClient;

beforeAll(async () => {
  const { server } = suite;
  realtor = new ApiClient(server.url);
  await realtor.signUp({ username: 'Dana Realtor' });
  const make = async (body: Record<string, unknown>) => (await realtor.post('/v1/api-keys', body)).body as { apiKeyId: string; key: string };
  // Used once (Last used: just now), read and write, a year to go; one that never expires; one expired.
  const used = await make({ name: LONG_NAME, scope: 'read_write', expiresAt: new Date(Date.now() + 365 * DAY_MS).toISOString() });
  const bearer = new ApiClient(server.url);
  bearer.bearer = used.key;
  expect((await bearer.get('/v1/leads')).status).toBe(200);
  await make({ name: 'Zapier', scope: 'read', expiresAt: null });
  const old = await make({ name: 'Old spreadsheet export', scope: 'read', expiresAt: new Date(Date.now() + DAY_MS).toISOString() });
  await server.sql(`update api_keys set expires_at = now() - interval '1 day' where api_key_id = $1`, [old.apiKeyId]);
});

async function openKeys(width: number, height: number): Promise<Page> {
  const { server, browser, contexts, pageErrors } = suite;
  const phone = width < 640;
  const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width, height }, isMobile: phone, hasTouch: phone });
  await page.goto(`${server.url}/app/api-keys`);
  await page.getByRole('button', { name: `Revoke ${LONG_NAME}` }).waitFor();
  return page;
}

/** The keys card's and its scroll box's widths: what they show against what they hold. */
function widths(page: Page) {
  return page.locator('.api-keys-card').evaluate((card) => {
    const wrap = card.querySelector('.table-wrap') as HTMLElement;
    return { card: [card.scrollWidth, card.clientWidth], wrap: [wrap.scrollWidth, wrap.clientWidth] };
  });
}

/** Every Revoke button lies inside the viewport's width (reachable without scrolling sideways). */
async function expectRevokesInView(page: Page, width: number): Promise<void> {
  const buttons = page.locator('.api-keys-card').getByRole('button', { name: /^Revoke / });
  expect(await buttons.count()).toBe(await page.locator('.api-keys-card tbody tr').count());
  expect(await buttons.count()).toBeGreaterThanOrEqual(2);
  for (const button of await buttons.all()) {
    expect(await button.isVisible()).toBe(true);
    const box = (await button.boundingBox())!;
    expect(box.x, `${await button.getAttribute('aria-label')} starts inside`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${await button.getAttribute('aria-label')} ends inside`).toBeLessThanOrEqual(width);
  }
}

describe('the API keys table', () => {
  it('at 390×844 the keys stack: no sideways scroll in the card, every Revoke in view, and Revoke works', async () => {
    const page = await openKeys(390, 844);
    await page.locator('.api-keys-card').scrollIntoViewIfNeeded();
    const w = await widths(page);
    expect(w.card[0], 'card scrollWidth = clientWidth').toBe(w.card[1]);
    expect(w.wrap[0], 'table-wrap scrollWidth = clientWidth').toBe(w.wrap[1]);
    await expectRevokesInView(page, 390);
    await expectNoHorizontalOverflow(page, 'api keys 390');
    // What the columns said is still said: the access, when last used, when it expires.
    const row = page.locator('.api-keys-card tr', { hasText: LONG_NAME });
    expect(await row.textContent()).toMatch(/Read and write/);
    expect(await row.textContent()).toMatch(/Last used\s*just now/);
    expect(await page.locator('.api-keys-card tr', { hasText: 'Zapier' }).textContent()).toMatch(/Expires\s*Never/);
    await saveScreenshot(page, 'api-keys-390');

    await page.getByRole('button', { name: 'Revoke Zapier' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('Revoked “Zapier”').waitFor();
    expect(await page.locator('.api-keys-card').getByRole('button', { name: /^Revoke / }).count()).toBe(2);
  });

  it('at 1440×900 it is a table that fits its card', async () => {
    const page = await openKeys(1440, 900);
    const w = await widths(page);
    expect(w.card[0]).toBe(w.card[1]);
    expect(w.wrap[0]).toBe(w.wrap[1]);
    expect(await page.locator('.api-keys-card thead').isVisible()).toBe(true);
    await expectRevokesInView(page, 1440);
    await expectNoHorizontalOverflow(page, 'api keys 1440');
    await saveScreenshot(page, 'api-keys-1440');
  });
});
