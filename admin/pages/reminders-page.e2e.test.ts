// The Reminders page's refreshes in a real browser against the real API and Postgres: a refresh
// (the 15 s timer, the tab regaining focus, a completed reminder) loads again every page a
// section shows, so the reminders "Load more" brought stay on screen (admin/cursor-pager.ts).
// Screenshots at 1440×900 and 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { REMINDERS_PAGE_SIZE } from '../reminders-api.ts';

const MINUTE_MS = 60_000;
/** More than a page, so "Load more" brings a second one. */
const UPCOMING = REMINDERS_PAGE_SIZE + 3;

const suite = useBrowserSuite();
let realtor: ApiClient;
let leadId: string;

beforeAll(async () => {
  const { server } = suite;
  realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Sam Lister' });
  leadId = (await realtor.post('/v1/leads', { name: 'Riley Chen', email: 'riley@example.com' })).body.leadId;
  for (let i = 1; i <= UPCOMING; i++) {
    await makeReminder(server, { leadId, userId, reminderDate: new Date(Date.now() + i * 60 * MINUTE_MS), message: `Upcoming call ${i}` });
  }
  await makeReminder(server, { leadId, userId, status: 'due', reminderDate: new Date(Date.now() - 30 * MINUTE_MS), firedAt: new Date(), message: 'Send the comparables' });
});

async function openWithSecondPage(width: number, height: number): Promise<Page> {
  const { server, browser, contexts, pageErrors } = suite;
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
    const { server, browser, contexts, pageErrors } = suite;
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

describe('a reminder past its time that has not fired yet (no worker: it stays pending)', () => {
  it('shows as due in Due now — "Due 2 hours ago", never "Upcoming" — on Reminders, Today, the lead\'s page and in the count, without asking again and again (390×844 and 1440×900)', { timeout: 90_000 }, async () => {
    // Its own realtor, so the other tests' due reminders do not add to the count.
    const { server, browser, contexts, pageErrors } = suite;
    const owner = new ApiClient(server.url);
    const { userId } = await owner.signUp({ username: 'Lee Late' });
    const lead = (await owner.post('/v1/leads', { name: 'Morgan Bell', email: 'morgan@example.com' })).body.leadId;
    const message = 'Call back about the open house';
    const { reminderId } = await makeReminder(server, { leadId: lead, userId, reminderDate: new Date(Date.now() - 2 * 60 * MINUTE_MS), message });
    const { reminderId: laterId } = await makeReminder(server, { leadId: lead, userId, reminderDate: new Date(Date.now() + 3 * 60 * MINUTE_MS), message: 'Send the disclosures' });
    expect((await server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]))[0].status).toBe('pending');

    for (const [width, height] of [[390, 844], [1440, 900]] as const) {
      const page = await newSessionPage(browser, server, owner, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width, height } });
      const listReads: string[] = [];
      page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.pathname === '/v1/reminders') listReads.push(url.search);
      });
      await page.goto(`${server.url}/app/reminders`);
      const item = page.locator(`[data-section="due"] li[data-reminder-id="${reminderId}"]`);
      await item.waitFor();
      expect(await item.locator('.reminder-when').textContent()).toBe('Due 2 hours ago');
      expect(await item.locator('.badge').first().textContent()).toBe('Overdue');
      expect(await item.getAttribute('class')).toContain('is-overdue');
      // In one section only; Upcoming keeps what is still ahead.
      expect(await page.locator(`[data-reminder-id="${reminderId}"]`).count()).toBe(1);
      const later = page.locator(`[data-section="upcoming"] li[data-reminder-id="${laterId}"]`);
      expect(await later.locator('.reminder-when').textContent()).toBe('in 3 hours');
      expect(await page.locator('[data-section="upcoming"]').textContent()).not.toContain('ago');
      expect(await page.locator('[data-section="due"] .reminder-overdue-note').textContent()).toBe('1 overdue reminder');
      // The navigation counts it (red: overdue).
      const count = page.getByTestId('due-count').first();
      await expect.poll(() => count.textContent()).toMatch(/^1/);
      expect(await count.getAttribute('class')).toContain('is-overdue');
      await expectNoHorizontalOverflow(page, `reminders late ${width}`);
      await saveScreenshot(page, `reminders-late-pending-${width}`);

      // The page does not wake up every 250 ms for a reminder whose time has passed.
      await page.waitForTimeout(1000);
      const before = listReads.length;
      await page.waitForTimeout(2500);
      expect(listReads.slice(before), 'list reads while the page sits open').toEqual([]);

      // Today uses the same item: due, not upcoming.
      await page.goto(`${server.url}/app/today`);
      const today = page.locator(`#today-due-section li[data-reminder-id="${reminderId}"]`);
      await today.waitFor();
      expect(await today.locator('.reminder-when').textContent()).toBe('Due 2 hours ago');
      expect(await today.locator('.badge').first().textContent()).toBe('Overdue');
      await expectNoHorizontalOverflow(page, `today late ${width}`);
      await saveScreenshot(page, `today-late-pending-${width}`);

      // The lead's page: due too, and no wake-up every 250 ms either.
      await page.goto(`${server.url}/app/leads/${lead}`);
      const onLead = page.locator(`li[data-reminder-id="${reminderId}"]`);
      await onLead.waitFor();
      expect(await onLead.locator('.reminder-when').textContent()).toBe('Due 2 hours ago');
      await page.waitForTimeout(1000);
      const beforeLead = listReads.length;
      await page.waitForTimeout(2500);
      expect(listReads.slice(beforeLead), 'list reads while the lead page sits open').toEqual([]);
    }
  });
});
