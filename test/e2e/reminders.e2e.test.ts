// Reminders in a real browser against the real API, Postgres, Redis and an in-process worker: a
// reminder set on the lead page a few seconds ahead falls due on the Reminders page without a
// reload (its job fires it; the page wakes at its time), the navigation counts it, it is
// completed in place; snooze and the settings work; Done and Snooze can be undone from their
// notice (keyboard and pointer) on the Reminders page, Today and a lead's page; no horizontal
// overflow at 1440×900 or 390×844 (screenshots in test-results/screenshots). Run
// `npm run build:admin` first.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionContext, pauseClock, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeReminder } from '#test/factories.ts';
import { UNDO_MS } from '../../admin/components/reminder-item.tsx';
import { ApiClient } from '#test/http.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

const MINUTE_MS = 60_000;

const suite = useBrowserSuite();
let worker: TestWorker;
let context: BrowserContext;
let owner: ApiClient;
let userId: string;
let leadId: string;

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  return page;
}

/** `datetime-local` value (with seconds) for `date` in the browser's zone (the test runs in the same zone). */
function localValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

async function reminderStatus(reminderId: string): Promise<string | undefined> {
  const [row] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]);
  return row?.status;
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'reminders-e2e-worker' });
  owner = new ApiClient(suite.server.url);
  ({ userId } = await owner.signUp({ username: 'Dana Realtor' }));
  leadId = (await owner.post('/v1/leads', { name: 'Jordan Avery', phone: '+1 415 555 0134', email: 'jordan.avery@example.com' })).body.leadId;
  // Other reminders, so each section has something: one overdue for long, one later today, one done.
  const other = (await owner.post('/v1/leads', { name: 'Morgan Castellano-Whitfield', email: 'morgan@example.com' })).body.leadId;
  await makeReminder(suite.server, {
    leadId: other, userId, status: 'due', reminderDate: new Date(Date.now() - 3 * 60 * MINUTE_MS), firedAt: new Date(Date.now() - 3 * 60 * MINUTE_MS),
    message: 'Send the comparables for 48 Linden Avenue and ask whether the Saturday 10:30 showing still works for both of them',
  });
  await makeReminder(suite.server, { leadId: other, userId, reminderDate: new Date(Date.now() + 5 * 60 * MINUTE_MS), message: 'Check in after the open house' });
  await makeReminder(suite.server, { leadId: other, userId, status: 'done', reminderDate: new Date(Date.now() - 26 * 60 * MINUTE_MS), completedAt: new Date(Date.now() - 20 * 60 * MINUTE_MS), message: 'Intro call' });

  context = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1440, height: 900 } });
  suite.contexts.push(context);
});

afterAll(() => closeAll(worker));

describe('reminders in the admin', () => {
  it('set on the lead page, it falls due on the Reminders page without a reload, is counted, and is completed in place', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    const card = page.locator('section[aria-labelledby="lead-reminders-title"]');
    await card.getByText('No open reminders for this lead.').waitFor();

    // Nothing typed: a clear error, nothing sent.
    await card.getByRole('button', { name: 'Set reminder' }).click();
    await card.getByText('Write what to do', { exact: false }).first().waitFor();
    expect(await suite.server.sql('select 1 from follow_up_reminders where lead_id = $1', [leadId])).toHaveLength(0);

    const dueAt = new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000);
    await card.getByLabel('When').fill(localValue(dueAt));
    await card.getByLabel('What to do').fill('Call Jordan about the offer on 12 Oak St');
    await card.getByRole('button', { name: 'Set reminder' }).click();
    const item = card.locator('li.reminder');
    await item.getByText('Call Jordan about the offer on 12 Oak St').waitFor();
    const [{ reminder_id: reminderId, reminder_date: stored }] = await suite.server.sql<{ reminder_id: string; reminder_date: Date }>(
      'select reminder_id, reminder_date from follow_up_reminders where lead_id = $1', [leadId],
    );
    expect(stored.getTime()).toBe(dueAt.getTime());
    expect(await item.getAttribute('data-status')).toBe('pending');
    await saveScreenshot(page, 'reminders-lead-card-1440');

    // To the Reminders page through the navigation (no reload from here on).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Reminders/ }).click();
    const upcoming = page.locator('[data-section="upcoming"]');
    const due = page.locator('[data-section="due"]');
    const done = page.locator('[data-section="done"]');
    await upcoming.locator(`[data-reminder-id="${reminderId}"]`).waitFor();
    await expect.poll(() => page.locator('[data-testid="due-count"]').first().textContent()).toMatch(/^1/);

    // Its time comes: the worker fires it, the page shows it under "Due now" and the count goes up.
    await due.locator(`[data-reminder-id="${reminderId}"]`).waitFor({ timeout: 30_000 });
    expect(await reminderStatus(reminderId)).toBe('due');
    await expect.poll(() => page.locator('[data-testid="due-count"]').first().textContent(), { timeout: 20_000 }).toMatch(/^2/);
    expect(await upcoming.locator(`[data-reminder-id="${reminderId}"]`).count()).toBe(0);
    expect(await due.locator('li.reminder.is-overdue').count()).toBe(1);
    await saveScreenshot(page, 'reminders-page-1440');

    // The snooze menu opens over the list (screenshot), and closes with Escape.
    const mine = due.locator(`[data-reminder-id="${reminderId}"]`);
    await mine.getByRole('button', { name: 'Snooze' }).click();
    await mine.getByRole('button', { name: '15 minutes' }).waitFor();
    await saveScreenshot(page, 'reminders-snooze-menu-1440', { fullPage: false });
    await page.keyboard.press('Escape');
    await mine.getByRole('button', { name: '15 minutes' }).waitFor({ state: 'detached' });

    // Complete it in place.
    await mine.getByRole('button', { name: 'Complete' }).click();
    await done.locator(`[data-reminder-id="${reminderId}"]`).waitFor();
    expect(await reminderStatus(reminderId)).toBe('done');
    await expect.poll(() => page.locator('[data-testid="due-count"]').first().textContent()).toMatch(/^1/);
    await expectNoHorizontalOverflow(page, 'reminders 1440');

    // Snooze the overdue one for an hour: it moves to "Upcoming" and the count disappears.
    const overdue = due.locator('li.reminder.is-overdue');
    await overdue.getByRole('button', { name: 'Snooze' }).click();
    await overdue.getByRole('button', { name: '1 hour' }).click();
    await expect.poll(() => due.locator('li.reminder').count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid="due-count"]').count()).toBe(0);
    expect(await upcoming.locator('li.reminder').count()).toBe(2);

    // The automatic-reminder rules: a bad value is refused in place, a good one saved.
    const settings = page.locator('section.reminder-settings');
    await settings.getByLabel('Call within (minutes)').fill('2');
    await settings.getByRole('button', { name: 'Save automatic reminders' }).click();
    await settings.getByText('Use whole minutes from 5 to 1440').first().waitFor();
    await settings.getByLabel('Call within (minutes)').fill('30');
    await settings.getByLabel('When an inquiry goes unanswered, remind me').uncheck();
    await settings.getByRole('button', { name: 'Save automatic reminders' }).click();
    await page.getByText('Automatic reminders saved.').waitFor();
    expect((await owner.get('/v1/reminder-settings')).body).toEqual({ hotLeadEnabled: true, hotLeadDelayMinutes: 30, inquiryUnansweredEnabled: false, inquiryUnansweredHours: 24 });
    await page.close();
  });

  it('fits a phone (390×844): the Reminders page and the lead card, with nothing overflowing', { timeout: 30_000 }, async () => {
    // A due reminder again, so the phone view shows every section with its actions.
    await makeReminder(suite.server, { leadId, userId, status: 'due', reminderDate: new Date(Date.now() - 2 * 60 * MINUTE_MS), firedAt: new Date(), message: 'Follow up on the inspection report' });
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/reminders`);
    await page.locator('[data-section="due"] li.reminder').first().waitFor();
    await page.locator('[data-section="done"] li.reminder').first().waitFor();
    await expectNoHorizontalOverflow(page, 'reminders 390');
    await saveScreenshot(page, 'reminders-page-390');
    const first = page.locator('[data-section="due"] li.reminder').first();
    await first.getByRole('button', { name: 'Snooze' }).click();
    await first.getByRole('button', { name: 'Pick a time…' }).click();
    await expectNoHorizontalOverflow(page, 'snooze menu 390');
    await saveScreenshot(page, 'reminders-snooze-menu-390', { fullPage: false });
    await page.keyboard.press('Escape');

    // A reminder two days ahead offers no preset (each would leave it where it is), only a time of one's own.
    const { reminderId: aheadId } = await makeReminder(suite.server, { leadId, userId, status: 'pending', reminderDate: new Date(Date.now() + 48 * 60 * MINUTE_MS), message: 'Send the contract draft' });
    await page.reload();
    const ahead = page.locator(`[data-section="upcoming"] [data-reminder-id="${aheadId}"]`);
    await ahead.getByRole('button', { name: 'Snooze' }).click();
    await ahead.getByRole('button', { name: 'Pick a time…' }).waitFor();
    expect(await ahead.getByRole('button', { name: '15 minutes' }).count()).toBe(0);
    await page.keyboard.press('Escape');

    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    await page.locator('section[aria-labelledby="lead-reminders-title"] li.reminder').first().waitFor();
    await expectNoHorizontalOverflow(page, 'lead page 390');
    await saveScreenshot(page, 'reminders-lead-card-390');
    await page.close();
  });
});

interface ReminderRow {
  status: string;
  reminder_date: Date;
  fired_at: Date | null;
  completed_at: Date | null;
}

async function reminderRow(reminderId: string): Promise<ReminderRow> {
  const [row] = await suite.server.sql<ReminderRow>('select status, reminder_date, fired_at, completed_at from follow_up_reminders where reminder_id = $1', [reminderId]);
  return row;
}

/** What the lead's timeline recorded about one reminder, oldest first. */
async function reminderActivities(reminderId: string): Promise<string[]> {
  const rows = await suite.server.sql<{ type: string }>(`select type from lead_activities where meta->>'reminderId' = $1 order by occurred_at, created_at`, [reminderId]);
  return rows.map((r) => r.type);
}

/** The notice that starts with `text`, inside the polite status region screen readers announce. */
function notice(page: Page, text: string) {
  return page.getByRole('status').locator('.toast', { hasText: text });
}

/** What has keyboard focus: its text and the notice it sits in, if any. */
function focused(page: Page): Promise<{ text: string; inToast: string | null }> {
  return page.evaluate(() => ({ text: document.activeElement?.textContent?.trim() ?? '', inToast: document.activeElement?.closest('.toast')?.querySelector('.toast-message')?.textContent ?? null }));
}

describe('Done and Snooze can be undone, like Dismiss', () => {
  it('on the Reminders page: Done undone from the keyboard comes back due at its time; a snooze undone by pointer gets its old time back (390×844 and 1440×900)', { timeout: 90_000 }, async () => {
    for (const [width, height] of [[390, 844], [1440, 900]] as const) {
      const message = `Call about the appraisal (${width})`;
      const firedAt = new Date(Date.now() - 20 * MINUTE_MS);
      const { reminderId } = await makeReminder(suite.server, { leadId, userId, status: 'due', reminderDate: firedAt, firedAt, message });
      const page = await newPage();
      await page.setViewportSize({ width, height });
      await page.goto(`${suite.server.url}/app/reminders`);
      const inDue = page.locator(`[data-section="due"] li[data-reminder-id="${reminderId}"]`);
      const inDone = page.locator(`[data-section="done"] li[data-reminder-id="${reminderId}"]`);
      const inUpcoming = page.locator(`[data-section="upcoming"] li[data-reminder-id="${reminderId}"]`);

      // Done, from the keyboard: the notice says so and its Undo has the focus (the button pressed is gone).
      await inDue.getByRole('button', { name: 'Complete' }).focus();
      await page.keyboard.press('Enter');
      const done = notice(page, `Reminder done: ${message}`);
      await done.waitFor();
      await inDone.waitFor();
      expect((await reminderRow(reminderId)).status).toBe('done');
      await expect.poll(() => focused(page)).toEqual({ text: 'Undo', inToast: `Reminder done: ${message}` });
      expect(await done.getByRole('button', { name: 'Undo' }).getAttribute('aria-describedby')).toBe(await done.locator('.toast-message').getAttribute('id'));
      await expectNoHorizontalOverflow(page, `done notice ${width}`);
      await page.screenshot({ path: `/tmp/reminders-undo-done-${width}.png` });
      await saveScreenshot(page, `reminders-undo-done-${width}`, { fullPage: false });

      await page.keyboard.press('Enter');
      await inDue.waitFor();
      await notice(page, 'Reminder open again.').waitFor();
      expect(await inDue.getAttribute('data-status')).toBe('due');
      expect(await inDone.count()).toBe(0);
      expect(await done.count()).toBe(0);
      expect(await reminderRow(reminderId)).toEqual({ status: 'due', reminder_date: firedAt, fired_at: firedAt, completed_at: null });
      expect(await reminderActivities(reminderId)).toEqual(['reminder_completed', 'reminder_reopened']);

      // Snoozed for an hour by pointer, then Undo: due again as it was (its time and fired_at), not fired a second time.
      await inDue.getByRole('button', { name: 'Snooze' }).click();
      await inDue.getByRole('button', { name: '1 hour' }).click();
      await inUpcoming.waitFor();
      const snoozed = notice(page, 'Reminder snoozed until');
      await snoozed.getByText(message).waitFor();
      expect((await reminderRow(reminderId)).reminder_date.getTime()).toBeGreaterThan(Date.now() + 50 * MINUTE_MS);
      await expectNoHorizontalOverflow(page, `snooze notice ${width}`);
      await page.screenshot({ path: `/tmp/reminders-undo-snooze-${width}.png` });
      await saveScreenshot(page, `reminders-undo-snooze-${width}`, { fullPage: false });
      await snoozed.getByRole('button', { name: 'Undo' }).click();
      await notice(page, 'Snooze undone.').waitFor();
      await inDue.waitFor();
      expect(await inUpcoming.count()).toBe(0);
      expect(await reminderRow(reminderId)).toEqual({ status: 'due', reminder_date: firedAt, fired_at: firedAt, completed_at: null });
      expect(await reminderActivities(reminderId)).toEqual(['reminder_completed', 'reminder_reopened', 'reminder_snoozed', 'reminder_rescheduled']);
      await page.close();
    }
  });

  it('Today (390×844) and a lead’s page (1440×900) offer the same Undo; the lead’s timeline reads "Reminder reopened" and "Snooze undone"', { timeout: 60_000 }, async () => {
    const firedAt = new Date(Date.now() - 5 * MINUTE_MS);
    const { reminderId: dueId } = await makeReminder(suite.server, { leadId, userId, status: 'due', reminderDate: firedAt, firedAt, message: 'Confirm the Saturday showing' });
    const today = await newPage();
    await today.setViewportSize({ width: 390, height: 844 });
    await today.goto(`${suite.server.url}/app/today`);
    const onToday = today.locator(`#today-due-section [data-reminder-id="${dueId}"]`);
    await onToday.getByRole('button', { name: 'Complete' }).click();
    const done = notice(today, 'Reminder done: Confirm the Saturday showing');
    await done.waitFor();
    await onToday.waitFor({ state: 'detached' });
    await expectNoHorizontalOverflow(today, 'Today notice 390');
    await today.screenshot({ path: '/tmp/reminders-undo-today-390.png' });
    await saveScreenshot(today, 'reminders-undo-today-390', { fullPage: false });
    await done.getByRole('button', { name: 'Undo' }).click();
    await onToday.waitFor();
    expect(await reminderRow(dueId)).toEqual({ status: 'due', reminder_date: firedAt, fired_at: firedAt, completed_at: null });
    await today.close();

    // On the lead's page: an upcoming reminder snoozed to tomorrow, then Undo — back to its own time, still upcoming.
    const at = new Date(Math.ceil((Date.now() + 3 * 60 * MINUTE_MS) / 1000) * 1000);
    const { reminderId: upcomingId } = await makeReminder(suite.server, { leadId, userId, reminderDate: at, message: 'Send the HOA documents' });
    const lead = await newPage();
    await lead.goto(`${suite.server.url}/app/leads/${leadId}`);
    const card = lead.locator('section[aria-labelledby="lead-reminders-title"]');
    const item = card.locator(`li[data-reminder-id="${upcomingId}"]`);
    await item.getByRole('button', { name: 'Snooze' }).click();
    await item.getByRole('button', { name: 'Tomorrow 9:00' }).click();
    const snoozed = notice(lead, 'Reminder snoozed until');
    await snoozed.getByText('Send the HOA documents').waitFor();
    expect((await reminderRow(upcomingId)).reminder_date.getTime()).not.toBe(at.getTime());
    await snoozed.getByRole('button', { name: 'Undo' }).click();
    await lead.getByRole('status').getByText('Snooze undone.').waitFor();
    expect(await reminderRow(upcomingId)).toEqual({ status: 'pending', reminder_date: at, fired_at: null, completed_at: null });
    await expect.poll(() => item.locator('time').getAttribute('datetime')).toBe(at.toISOString());

    // The Done undone on Today and the snooze undone here are on this lead's timeline, in words.
    await lead.reload();
    const timeline = lead.locator('section[aria-labelledby="timeline-title"]');
    await timeline.getByText('Reminder reopened: Confirm the Saturday showing').waitFor();
    await timeline.getByText(/^Snooze undone: Send the HOA documents \(back to .+\)$/).waitFor();
    expect(await reminderActivities(upcomingId)).toEqual(['reminder_snoozed', 'reminder_rescheduled']);
    await expectNoHorizontalOverflow(lead, 'lead page 1440');
    await lead.screenshot({ path: '/tmp/reminders-undo-lead-1440.png', fullPage: true });
    await lead.close();
  });

  it('the notice waits while a keyboard user is on its Undo, and goes after 8 s when nobody is (a controlled page clock)', { timeout: 60_000 }, async () => {
    const at = new Date(Date.now() - 15 * MINUTE_MS);
    const { reminderId: a } = await makeReminder(suite.server, { leadId, userId, status: 'due', reminderDate: at, firedAt: at, message: 'Held notice' });
    const { reminderId: b } = await makeReminder(suite.server, { leadId, userId, status: 'due', reminderDate: at, firedAt: at, message: 'Timed notice' });
    const page = await newPage();
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/reminders`);
    await page.locator(`[data-section="due"] li[data-reminder-id="${a}"]`).getByRole('button', { name: 'Complete' }).focus();
    await page.keyboard.press('Enter');
    const held = notice(page, 'Reminder done: Held notice');
    await held.waitFor();
    await expect.poll(() => focused(page)).toEqual({ text: 'Undo', inToast: 'Reminder done: Held notice' });
    await pauseClock(page);
    await page.clock.runFor(UNDO_MS + 3000);
    expect(await held.count()).toBe(1);
    // Focus leaves it: gone at the next look (a second).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.clock.runFor(1100);
    await held.waitFor({ state: 'detached' });
    expect((await reminderRow(a)).status).toBe('done');

    // Dismissed by pointer, the pointer then elsewhere: it stays its 8 s, then goes.
    await page.clock.resume();
    await page.locator(`[data-section="due"] li[data-reminder-id="${b}"]`).getByRole('button', { name: 'Dismiss' }).click();
    const timed = notice(page, 'Reminder dismissed: Timed notice');
    await timed.waitFor();
    await page.mouse.move(5, 5);
    await pauseClock(page);
    await page.clock.runFor(UNDO_MS - 1500);
    expect(await timed.count()).toBe(1);
    await page.clock.runFor(1600);
    await timed.waitFor({ state: 'detached' });
    await page.close();
  });
});
