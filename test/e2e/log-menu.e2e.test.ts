// The Log menu (components/quick-log.tsx) on a phone (390×844): on Today, where the Log button
// starts a row of its own, and on the leads page's cards, where it ends the row, the open menu is
// as wide as its choices (each on one line) and stays inside the screen. Before, the phone layout
// made it as narrow as the button: "Called — no answer" wrapped over four lines.

import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeActivity } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const suite = useBrowserSuite();
let realtor: ApiClient;

beforeAll(async () => {
  const { server } = suite;
  realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Dana Realtor' });
  const { leadId } = (await realtor.post('/v1/leads', { name: 'Showing Lead', email: 'showing@example.com', phone: '+1 415 555 0201' })).body;
  await makeActivity(server, { userId, leadId, type: 'showing', occurredAt: new Date(), body: '1 Linden Avenue' });
});

/** Opens the first Log menu under `scope` and measures it and its choices. */
async function openLogMenu(page: Page, scope: string) {
  await page.locator(scope).first().getByRole('button', { name: /^Log an activity/ }).click();
  const menu = page.locator(`${scope} .menu-popover`).first();
  await menu.waitFor();
  const box = (await menu.boundingBox())!;
  const choice = (await menu.getByRole('button', { name: 'Called — no answer' }).boundingBox())!;
  const lineHeight = await menu.getByRole('button', { name: 'Called — no answer' }).evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight));
  return { box, choiceLines: Math.round((choice.height - 16) / lineHeight) };
}

it('on Today and on the lead cards at 390×844 the open Log menu shows each choice on one line, inside the screen', { timeout: 60_000 }, async () => {
  const { server, browser, contexts, pageErrors } = suite;
  const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width: 390, height: 844 } });
  for (const [path, scope, shot] of [
    ['/app/today', '.today-item-actions', 'log-menu-today-390'],
    ['/app/leads', '.lead-card-actions', 'log-menu-lead-card-390'],
  ] as const) {
    await page.goto(`${server.url}${path}`);
    await page.locator(scope).first().waitFor();
    const { box, choiceLines } = await openLogMenu(page, scope);
    await saveScreenshot(page, shot, { fullPage: false });
    expect(box.width, `${path}: the menu's width`).toBeGreaterThanOrEqual(200);
    expect(box.x, `${path}: its left edge`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${path}: its right edge`).toBeLessThanOrEqual(390);
    expect(choiceLines, `${path}: lines of "Called — no answer"`).toBe(1);
  }
});
