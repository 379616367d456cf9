// The scoring page when its rescore does not move, in Chromium against the real API and Postgres
// with no worker running (so the rescore a save starts stays at 0 of 3). The server answers how
// long the rescore has not moved (`idleMs`, from scoring_rules.rescore_progressed_at); the tests
// set that time back in SQL instead of waiting. A page opened on a rescore that stalled long ago
// says so at once; on an open page the notice comes with the first poll past a minute, not at half
// a minute, and goes with the next batch. The page's clock is Playwright's, so polls happen only
// when a test runs it forward. Screenshot in test-results/screenshots. Run `npm run build:admin` first.
import { describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeLeads, makeRealtor } from '#test/factories.ts';
import { RESCORE_STALL_MESSAGE } from '../rescore-stall.ts';

const suite = useBrowserSuite();

/** Says the user's rescore last moved `seconds` ago (and, with `done`, that it counted so many). */
async function setProgress(userId: string, seconds: number, done?: number): Promise<void> {
  await suite.server.sql(
    `update scoring_rules set rescore_progressed_at = now() - make_interval(secs => $2), rescore_done = coalesce($3, rescore_done) where user_id = $1`,
    [userId, seconds, done ?? null],
  );
}

describe('scoring rules page, rescore with no worker', () => {
  it('says at once that a rescore which stalled before the page opened has not moved (no poll, no clock advance)', { timeout: 60_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    await makeLeads(suite.server, [{ userId: realtor.userId }, { userId: realtor.userId }, { userId: realtor.userId }]);
    expect((await realtor.client.put('/v1/scoring-rules', { rules: { bands: { hot: 70 } } })).status).toBe(200);
    await setProgress(realtor.userId, 10 * 60);
    const page = await suite.adminPage(realtor.client, { viewport: { width: 390, height: 844 } });
    // Installed and never run: the page's polls cannot fire, so the notice comes from the page's first answer.
    await page.clock.install();
    const polls: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/scoring-rules/rescore')) polls.push(r.url());
    });
    await page.goto(`${suite.server.url}/app/scoring`);
    const card = page.locator('section[aria-labelledby="rescore-title"]');
    await card.getByText('0 of 3 leads rescored').waitFor();
    await card.getByText(RESCORE_STALL_MESSAGE).waitFor();
    expect(polls).toEqual([]);
    await card.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'scoring-rescore-stalled-390', { fullPage: false });
  });

  it('on an open page: no notice at half a minute without progress, the notice past a minute, gone with the next batch', { timeout: 60_000 }, async () => {
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
    expect(await stalled.count()).toBe(0);

    /** Runs the page's clock to its next poll and waits for the page to have its answer. */
    const nextPoll = async () => {
      const polled = page.waitForResponse((r) => r.url().endsWith('/v1/scoring-rules/rescore'));
      await page.clock.runFor(1_000);
      await polled;
    };
    await setProgress(realtor.userId, 30);
    await nextPoll();
    await nextPoll(); // the first answer has surely rendered by the time the second arrives
    expect(await stalled.count()).toBe(0);

    await setProgress(realtor.userId, 61);
    await nextPoll();
    await stalled.waitFor();
    expect(await card.getByText('0 of 3 leads rescored').isVisible()).toBe(true);

    await setProgress(realtor.userId, 0, 1);
    await nextPoll();
    await card.getByText('1 of 3 leads rescored').waitFor();
    await stalled.waitFor({ state: 'detached' });
  });
});
