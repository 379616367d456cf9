// The scoring page when its rescore does not move, in Chromium against the real API and Postgres
// with no worker running (so the rescore a save starts stays at 0 of 3): after a minute without
// progress the card says so instead of showing its bar forever; half a minute in, it does not yet.
// The page's clock is Playwright's, run forward. Screenshot in test-results/screenshots. Run
// `npm run build:admin` first.
import { describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeLeads, makeRealtor } from '#test/factories.ts';
import { RESCORE_STALL_MESSAGE } from '../rescore-stall.ts';

const suite = useBrowserSuite();

describe('scoring rules page, rescore with no worker', () => {
  it('says the rescore has not moved after a minute without progress, not after half a minute (a controlled page clock)', { timeout: 60_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    await makeLeads(suite.server, [{ userId: realtor.userId }, { userId: realtor.userId }, { userId: realtor.userId }]);
    const page = await suite.adminPage(realtor.client, { viewport: { width: 390, height: 844 } });
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/scoring`);
    await page.locator('.rules-form input').first().fill('10');
    await page.getByRole('button', { name: 'Save and rescore' }).click();
    const card = page.locator('section[aria-labelledby="rescore-title"]');
    await card.getByText('0 of 3 leads rescored').waitFor();
    const stalled = card.getByText(RESCORE_STALL_MESSAGE);

    const polled = () => page.waitForResponse((r) => r.url().endsWith('/v1/scoring-rules/rescore'));
    let next = polled();
    await page.clock.runFor(30_000);
    await next;
    next = polled();
    await next;
    expect(await stalled.count()).toBe(0);

    await page.clock.runFor(31_000);
    await stalled.waitFor();
    expect(await card.getByText('0 of 3 leads rescored').isVisible()).toBe(true);
    await card.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'scoring-rescore-stalled-390', { fullPage: false });
  });
});
