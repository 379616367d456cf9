// The Reminders page's refreshes in a real browser against the real API and Postgres: a refresh
// (the 15 s timer, the tab regaining focus, a completed reminder) loads again every page a
// section shows, so the reminders "Load more" brought stay on screen (admin/cursor-pager.ts).
// Screenshots at 1440×900 and 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { expectNoHorizontalOverflow, launchBrowser, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { REMINDERS_PAGE_SIZE } from '../reminders-api.ts';

const MINUTE_MS = 60_000;
/** More than a page, so "Load more" brings a second one. */
const UPCOMING = REMINDERS_PAGE_SIZE + 3;

let server: TestServer;
let browser: Browser;
let realtor: ApiClient;
let leadId: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
  realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Sam Lister' });
  leadId = (await realtor.post('/v1/leads', { name: 'Riley Chen', email: 'riley@example.com' })).body.leadId;
  for (let i = 1; i <= UPCOMING; i++) {
    await makeReminder(server, { leadId, userId, reminderDate: new Date(Date.now() + i * 60 * MINUTE_MS), message: `Upcoming call ${i}` });
  }
  await makeReminder(server, { leadId, userId, status: 'due', reminderDate: new Date(Date.now() - 30 * MINUTE_MS), firedAt: new Date(), message: 'Send the comparables' });
});

afterAll(async () => {
  expect(pageErrors).toEqual([]);
  await closeAll(...contexts, browser, server);
});

async function openWithSecondPage(width: number, height: number): Promise<Page> {
  const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width, height } });
  await page.goto(`${server.url}/app/reminders`);
  const upcoming = page.locator('[data-section="upcoming"]');
  await upcoming.getByRole('button', { name: 'Load more' }).click();
  await upcoming.getByText(`Upcoming call ${UPCOMING}`, { exact: true }).waitFor();
  return page;
}

describe('the Reminders page refreshes in place', () => {
  it('a refresh (the tab regains focus) keeps the reminders "Load more" brought, and shows a new one', async () => {
    const page = await openWithSecondPage(1440, 900);
    const upcoming = page.locator('[data-section="upcoming"]');
    expect(await upcoming.locator('li.reminder').count()).toBe(UPCOMING);

    // A reminder set elsewhere, sooner than all of them; then the tab regains focus.
    await realtor.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() + 30 * MINUTE_MS).toISOString(), reminderMessage: 'Set from the phone' });
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await upcoming.getByText('Set from the phone', { exact: true }).waitFor();
    // Every page shown comes back in one go: the second page is still there.
    expect(await upcoming.locator('li.reminder').count()).toBe(UPCOMING + 1);
    expect(await upcoming.getByText(`Upcoming call ${UPCOMING}`, { exact: true }).count()).toBe(1);
    await expectNoHorizontalOverflow(page, 'reminders 1440');
    await saveScreenshot(page, 'reminders-refreshed-1440');
  });

  it('completing a reminder keeps the second page of the other sections (390×844)', async () => {
    const page = await openWithSecondPage(390, 844);
    const upcoming = page.locator('[data-section="upcoming"]');
    const due = page.locator('[data-section="due"]');
    // Set elsewhere meanwhile: its arrival shows the upcoming section has refreshed too.
    await realtor.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() + 20 * MINUTE_MS).toISOString(), reminderMessage: 'Also set from the phone' });
    await due.getByRole('button', { name: 'Complete' }).first().click();
    await page.locator('[data-section="done"]').getByText('Send the comparables', { exact: true }).waitFor();
    await upcoming.getByText('Also set from the phone', { exact: true }).waitFor();
    expect(await due.locator('li.reminder').count()).toBe(0);
    expect(await upcoming.locator('li.reminder').count()).toBe(UPCOMING + 2);
    await expectNoHorizontalOverflow(page, 'reminders 390');
    await saveScreenshot(page, 'reminders-refreshed-390');
  });
});

describe('dismissing a reminder can be undone', () => {
  it('Dismiss closes it at once; "Undo" on the notice opens it again, on the page and in Postgres (390×844 and 1440×900)', { timeout: 60_000 }, async () => {
    const { userId } = (await realtor.get('/v1/auth/me')).body.user;
    for (const [width, height] of [[390, 844], [1440, 900]] as const) {
      const message = `Ask about the loft ${width}`;
      const { reminderId } = await makeReminder(server, { leadId, userId, status: 'due', reminderDate: new Date(Date.now() - 10 * MINUTE_MS), firedAt: new Date(), message });
      const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width, height } });
      await page.goto(`${server.url}/app/reminders`);
      const item = page.locator(`[data-section="due"] li[data-reminder-id="${reminderId}"]`);
      await item.getByRole('button', { name: 'Dismiss' }).click();
      await page.locator(`[data-section="done"] li[data-reminder-id="${reminderId}"]`).waitFor();
      const toast = page.locator('.toast', { hasText: `Reminder dismissed: ${message}` });
      await toast.waitFor();
      expect((await server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status).toBe('dismissed');
      await saveScreenshot(page, `reminders-dismiss-undo-${width}`);

      await toast.getByRole('button', { name: 'Undo' }).click();
      await item.waitFor();
      expect(await item.getAttribute('data-status')).toBe('due');
      expect(await page.locator(`[data-section="done"] li[data-reminder-id="${reminderId}"]`).count()).toBe(0);
      expect(await toast.count()).toBe(0);
      const [row] = await server.sql<{ status: string; completed_at: Date | null }>('select status, completed_at from follow_up_reminders where reminder_id = $1', [reminderId]);
      expect(row).toEqual({ status: 'due', completed_at: null });
      await expectNoHorizontalOverflow(page, `reminders undo ${width}`);
    }
  });
});
