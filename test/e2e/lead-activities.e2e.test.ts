// Logging what the realtor did from the lead page, in a real browser against the real API and
// Postgres: one click logs a call, which shows on the timeline at once (by you), completes the
// hot lead's "call within 1 hour" reminder and sets "last contacted"; a note; deleting an entry
// asks first; the timeline reads as a story (a visit with its listing titles); "Other contact"
// does not repeat the email and phone; nothing overflows at 1440×900 or 390×844 (screenshots in
// test-results/screenshots). Run `npm run build:admin` first (the server serves dist/admin).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeEvents, makeInquiry, makeListing, makeReminder, makeSite } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const MINUTE_MS = 60_000;

const suite = useBrowserSuite();
let owner: ApiClient;
let userId: string;
let leadId: string;
let hotReminderId: string;

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const { server, browser, contexts, pageErrors } = suite;
  return newSessionPage(browser, server, owner, { viewport, contexts, pageErrors, timeoutMs: 20_000 });
}

async function activityTypes(): Promise<string[]> {
  // Sorted: a contact and the reminder it completes share one instant.
  return (await suite.server.sql<{ type: string }>('select type from lead_activities where lead_id = $1', [leadId])).map((r) => r.type).sort();
}

beforeAll(async () => {
  const { server } = suite;
  owner = new ApiClient(server.url);
  ({ userId } = await owner.signUp({ username: 'Dana Realtor' }));
  const { siteId } = await makeSite({ client: owner }, { name: 'Oak Realty', allowedOrigins: ['https://homes.example'] });
  leadId = (await owner.post('/v1/leads', { name: 'Jordan Avery', phone: '+1 415 555 0134', email: 'jordan.avery@example.com', siteId })).body.leadId;
  // Their story so far: a visit over two listings (one title known), an inquiry, the lead turning hot.
  await makeListing(server, { userId, siteId, listingRef: 'oak-12', title: '12 Oak Street' });
  await makeListing(server, { userId, siteId, listingRef: 'maple-7', title: '7 Maple Avenue' });
  const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * MINUTE_MS);
  await makeEvents(server, [
    { leadId, siteId, visitorId: 'v1', type: 'page_view', listingRef: 'oak-12', pageUrl: 'https://homes.example/listings/oak-12?utm_source=mail', at: t(50) },
    { leadId, siteId, visitorId: 'v1', type: 'tour_step', listingRef: 'oak-12', props: { room: 'Kitchen' }, pageUrl: 'https://homes.example/listings/oak-12', at: t(48) },
    { leadId, siteId, visitorId: 'v1', type: 'tool_interaction', value: 'mortgage_calculator', pageUrl: 'https://homes.example/calculator', at: t(47) },
    { leadId, siteId, visitorId: 'v1', type: 'page_view', listingRef: 'maple-7', pageUrl: 'https://homes.example/listings/maple-7', at: t(46) },
  ]);
  await makeInquiry(server, { leadId, siteId, message: 'Can we see 12 Oak Street on Saturday?', source: 'widget', listingRef: 'oak-12', createdAt: t(45) });
  ({ reminderId: hotReminderId } = await makeReminder(server, {
    leadId, userId, kind: 'auto', autoRule: 'lead_hot', status: 'due', message: 'Call within 1 hour — lead turned hot', reminderDate: t(5), firedAt: t(5), createdAt: t(44),
  }));
});

describe('logging activities on the lead page', () => {
  it('at 1440×900: one click logs a call, shown on the timeline at once; it completes the hot reminder; a note; delete asks first', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    const log = page.locator('section[aria-labelledby="log-activity-title"]');
    const timeline = page.locator('section[aria-labelledby="timeline-title"]');
    const reminders = page.locator('section[aria-labelledby="lead-reminders-title"]');
    await log.getByText('Last contacted: not yet').waitFor();
    await reminders.getByText('Call within 1 hour — lead turned hot').waitFor();
    // The story: one visit line with its listing titles; the inquiry.
    await timeline.getByText(/^Visit · 2 pages · 4 min · 12 Oak Street, 7 Maple Avenue$/).waitFor();
    await timeline.locator('.visit-actions').getByText('Tour step (listing 12 Oak Street) · Used mortgage calculator').waitFor();
    await timeline.getByText('Can we see 12 Oak Street on Saturday?').waitFor();
    // "Other contact" would only repeat the email and phone.
    expect(await page.getByText('Other contact', { exact: true }).count()).toBe(0);

    await log.getByRole('button', { name: 'Talked' }).click();
    const entry = timeline.locator('li.timeline-activity').filter({ hasText: 'Called — talked' });
    await entry.waitFor();
    await expect.poll(() => entry.textContent()).toContain('by you');
    await log.getByText(/Last contacted: just now/).waitFor();
    await log.getByText(/First inquiry answered in \d+ min/).waitFor();
    // The hot lead's reminder is done, gone from the open reminders and recorded on the timeline.
    const [reminder] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [hotReminderId]);
    expect(reminder.status).toBe('done');
    await reminders.getByText('No open reminders for this lead.').waitFor();
    await timeline.getByText('Reminder done: Call within 1 hour — lead turned hot', { exact: true }).waitFor();
    expect(await activityTypes()).toEqual(['call', 'reminder_completed']);

    // The visit opens to its events: listing titles, paths not full URLs, the tour's room.
    await timeline.locator('summary').filter({ hasText: 'Visit ·' }).click();
    await timeline.getByText('Viewed 12 Oak Street').waitFor();
    await timeline.getByRole('link', { name: '/listings/oak-12' }).first().waitFor();
    await timeline.getByText('Room: Kitchen').waitFor();

    // A note: the button opens a small field; empty is refused in place.
    await log.getByRole('button', { name: 'Note', exact: true }).click();
    await log.getByRole('button', { name: 'Save note' }).click();
    await log.getByText('Write the note').waitFor();
    await log.getByLabel('Note').fill('Prefers texts after 6pm. Pre-approved with First Federal.');
    await log.getByRole('button', { name: 'Save note' }).click();
    const note = timeline.locator('li.timeline-activity').filter({ hasText: 'Prefers texts after 6pm' });
    await note.waitFor();
    await saveScreenshot(page, 'lead-activities-1440');
    await expectNoHorizontalOverflow(page, 'lead page 1440');

    // Delete asks first; cancelling keeps it, confirming removes it.
    await note.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this entry?' });
    await dialog.waitFor();
    await saveScreenshot(page, 'lead-activities-delete-1440', { fullPage: false });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await activityTypes()).toEqual(['call', 'note', 'reminder_completed']);
    await note.getByRole('button', { name: /^Delete/ }).click();
    await dialog.getByRole('button', { name: 'Delete entry' }).click();
    await note.waitFor({ state: 'detached' });
    expect(await activityTypes()).toEqual(['call', 'reminder_completed']);

    // A status change is recorded on the timeline, by you.
    await page.getByLabel('Status').selectOption('contacted');
    const status = timeline.locator('li.timeline-recorded').filter({ hasText: 'Status: New → Contacted' });
    await status.waitFor();
    expect(await status.textContent()).toContain('by you');
    expect(await status.getByRole('button').count()).toBe(0);
  });

  it('at 390×844: the one-click buttons fit, a voicemail is logged and shown, nothing overflows', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    const log = page.locator('section[aria-labelledby="log-activity-title"]');
    const timeline = page.locator('section[aria-labelledby="timeline-title"]');
    const button = log.getByRole('button', { name: 'Left voicemail' });
    await button.waitFor();
    const box = await button.boundingBox();
    expect(box, 'the button is laid out').not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.height).toBeGreaterThanOrEqual(40);
    await button.click();
    await timeline.locator('li.timeline-activity').filter({ hasText: 'Called — left voicemail' }).waitFor();
    expect(await activityTypes()).toEqual(['call', 'call', 'reminder_completed', 'status_change']);
    // The notice offers a call-back; on a phone its action sits under the message, not beside it
    // (side by side, the message was squeezed to a word a line).
    const notice = page.locator('.toast', { hasText: 'Logged: Left voicemail.' });
    const message = (await notice.locator('.toast-message').boundingBox())!;
    const action = (await notice.getByRole('button', { name: 'Remind me to call back' }).boundingBox())!;
    expect(action.y).toBeGreaterThanOrEqual(message.y + message.height - 1);
    expect(message.height).toBeLessThan(40);
    await expectNoHorizontalOverflow(page, 'lead page 390');
    await saveScreenshot(page, 'lead-activities-390');
    // What a phone shows: the logging card, then the timeline's top.
    await log.evaluate((el) => el.scrollIntoView());
    await saveScreenshot(page, 'lead-activities-390-log', { fullPage: false });
    await timeline.evaluate((el) => el.scrollIntoView());
    await saveScreenshot(page, 'lead-activities-390-timeline', { fullPage: false });

    // The full form: a showing scheduled for tomorrow (a future time is fine for a showing).
    await log.getByRole('button', { name: /^Log activity/ }).click();
    await log.getByLabel('Type').selectOption('showing');
    await log.getByLabel('Outcome').selectOption('scheduled');
    const tomorrow = new Date(Date.now() + 24 * 60 * MINUTE_MS);
    const pad = (n: number) => String(n).padStart(2, '0');
    await log.getByLabel('When').fill(`${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T10:30`);
    await log.getByLabel('Notes (optional)').fill('Meet at 12 Oak Street');
    await log.evaluate((el) => el.scrollIntoView());
    await saveScreenshot(page, 'lead-activities-390-form-open', { fullPage: false });
    await log.getByRole('button', { name: 'Log activity', exact: true }).click();
    await timeline.locator('li.timeline-activity').filter({ hasText: 'Showing — scheduled' }).waitFor();
    await expectNoHorizontalOverflow(page, 'lead page 390 after the form');
    await saveScreenshot(page, 'lead-activities-form-390');
  });
});
