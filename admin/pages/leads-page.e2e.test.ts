// The lead list's rows and filters in a real browser against the real API and Postgres: a call
// logged from the list closes the lead's automatic follow-up reminder on the server and the
// Follow-up column stops saying "overdue"; a bulk "Remind" shows the new follow-up on the cards
// (390×844); a band chip tapped while the search box's debounce is pending is kept; with a
// selection, no control focused with Tab is left under the bulk bar. Screenshots
// at 1440×900 and 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const HOUR_MS = 3_600_000;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** The Follow-up cell of a table row (select, lead, score, status, last activity, contacted, follow-up). */
const FOLLOW_UP_CELL = 'td:nth-child(7)';

const suite = useBrowserSuite();
let realtor: ApiClient;
let caseyId: string;
let robinId: string;

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const { server, browser, contexts, pageErrors } = suite;
  const phone = viewport.width < 640;
  return newSessionPage(browser, server, realtor, { viewport, hasTouch: phone, isMobile: phone, contexts, pageErrors, timeoutMs: 20_000 });
}

beforeAll(async () => {
  const { server } = suite;
  realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Dana Realtor' });
  caseyId = (await realtor.post('/v1/leads', { name: 'Casey Hartman', email: 'casey@example.com', phone: '(415) 555-0177' })).body.leadId;
  robinId = (await realtor.post('/v1/leads', { name: 'Robin Okafor', email: 'robin@example.com' })).body.leadId;
  await realtor.post('/v1/leads', { name: 'Jamie Rivera', email: 'jamie@example.com' });
  // The "call a hot lead" reminder, fired two hours ago and still open: the list shows it overdue.
  await makeReminder(server, {
    leadId: caseyId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'due',
    reminderDate: new Date(Date.now() - 2 * HOUR_MS), firedAt: new Date(Date.now() - 2 * HOUR_MS), message: 'Call Casey: turned hot',
  });
});

describe('the lead list after an action', () => {
  it('a call logged from the list closes the automatic follow-up: the row stops saying overdue', async () => {
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/leads`);
    const row = page.locator(`tr[data-lead-id="${caseyId}"]`);
    const followUp = row.locator(FOLLOW_UP_CELL);
    await followUp.locator('.is-overdue-text').waitFor();
    await saveScreenshot(page, 'leads-page-overdue-1440');

    await row.getByRole('button', { name: 'Log an activity for Casey Hartman' }).click();
    await row.getByRole('button', { name: 'Talked' }).click();
    await page.getByText('Logged “Talked” for Casey Hartman.').waitFor();
    // The server closed the reminder (core/activities/lead-contacts.ts); the row shows no follow-up.
    await followUp.locator('.is-overdue-text').waitFor({ state: 'detached' });
    expect(await followUp.textContent()).toBe('—');
    expect(await row.locator('td:nth-child(6) time').count()).toBe(1); // contacted just now
    const [reminder] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where lead_id = $1', [caseyId]);
    expect(reminder.status).toBe('done');
    await expectNoHorizontalOverflow(page, 'leads 1440');
    await saveScreenshot(page, 'leads-page-logged-1440');
  });

  it('a bulk "Remind" shows the new follow-up on the cards (390×844)', async () => {
    const page = await newPage(PHONE);
    await page.goto(`${suite.server.url}/app/leads`);
    const card = page.locator(`.lead-card[data-lead-id="${robinId}"]`);
    await card.waitFor();
    expect(await card.locator('.lead-card-meta').textContent()).not.toContain('follow up');
    await card.getByRole('checkbox').check();
    const bar = page.locator('.bulk-bar');
    await bar.getByRole('button', { name: 'Remind' }).click();
    await bar.getByRole('button', { name: 'Add reminder' }).click();
    await page.getByText('Added a reminder to 1 lead.').waitFor();
    await card.locator('.lead-card-meta').getByText(/follow up/).waitFor();
    await expectNoHorizontalOverflow(page, 'leads 390');
    await saveScreenshot(page, 'leads-page-reminded-390', { fullPage: false });
  });
});

describe('the lead list\'s filters', () => {
  it('a band chip tapped while the search is still waiting to apply is kept', async () => {
    const page = await newPage(DESKTOP);
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator(`tr[data-lead-id="${caseyId}"]`).waitFor();
    // Stop the page's timers: the 300 ms debounce runs only when the test says so.
    await page.clock.pauseAt(Date.now() + 1_000);
    await page.getByLabel('Search leads').fill('example.com');
    await page.getByRole('button', { name: /^Cold/ }).click();
    await page.waitForURL((url) => url.search === '?band=cold');
    await page.clock.runFor(500);
    await page.waitForURL((url) => new URLSearchParams(url.search).get('q') === 'example.com');
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ band: 'cold', q: 'example.com' });
    expect(await page.getByRole('button', { name: /^Cold/ }).getAttribute('aria-pressed')).toBe('true');
  });
});

describe('the lead list with a selection', () => {
  it('going through the list with Tab, no focused control is left under the bulk bar (390×844 and 1440×900)', { timeout: 60_000 }, async () => {
    // Enough leads that rows run past the bottom of the window.
    for (let i = 1; i <= 6; i++) await realtor.post('/v1/leads', { name: `Tab Lead ${i}`, email: `tab${i}@example.com`, phone: `(415) 555-01${10 + i}` });
    for (const viewport of [PHONE, DESKTOP]) {
      const page = await newPage(viewport);
      await page.goto(`${suite.server.url}/app/leads`);
      const first = page.getByRole('checkbox', { name: /^Select / }).filter({ visible: true }).first();
      await first.check();
      const bar = page.locator('.bulk-bar');
      await bar.waitFor();
      const hidden: string[] = [];
      let focused = 0;
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const control = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body || el.closest('.bulk-bar') || !el.closest('.leads-page')) return null;
          const box = el.getBoundingClientRect();
          const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
          return { name: el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName, visible: top !== null && (top === el || el.contains(top)) };
        });
        if (!control) continue;
        focused++;
        if (!control.visible) hidden.push(control.name);
      }
      expect(focused).toBeGreaterThan(20);
      expect(hidden, `${viewport.width}×${viewport.height}`).toEqual([]);
    }
  });
});
