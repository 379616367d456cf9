// A realtor who signs up in a browser outside New York gets their own time zone without opening
// Settings: Today names it, and "Snooze → Tomorrow 9:00" lands at 9:00 on their clock (the server
// computes it in the stored zone, which used to stay America/New_York: 6:00 AM in Los Angeles).
// In Chromium against the real API, Postgres and Redis. Run `npm run build:admin` first.
import { describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';

const BROWSER_ZONE = 'America/Los_Angeles';

const suite = useBrowserSuite();

describe('signing up', () => {
  it('keeps the browser’s time zone: Today names it and “Tomorrow 9:00” is 9:00 there', { timeout: 60_000 }, async () => {
    const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', timezoneId: BROWSER_ZONE });
    suite.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => suite.pageErrors.push(err.message));

    const email = `dana.${Date.now()}@example.com`;
    await page.goto(`${suite.server.url}/app/signup`);
    await page.getByLabel('Your name').fill('Dana Realtor');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((url) => url.pathname === '/app/today');
    await page.getByText('times for America/Los Angeles').waitFor();
    const stored = await suite.server.sql<{ time_zone: string }>(
      'select p.time_zone from notification_preferences p join users u on u.user_id = p.user_id where u.email = $1',
      [email],
    );
    expect(stored).toEqual([{ time_zone: BROWSER_ZONE }]);

    // A lead with a reminder, snoozed to tomorrow 9:00 on the lead's page.
    const { csrfToken } = await (await page.request.get(`${suite.server.url}/v1/auth/me`)).json();
    const lead = await (await page.request.post(`${suite.server.url}/v1/leads`, { data: { name: 'Jordan Avery' }, headers: { 'x-csrf-token': csrfToken } })).json();
    await page.goto(`${suite.server.url}/app/leads/${lead.leadId}`);
    const card = page.locator('section[aria-labelledby="lead-reminders-title"]');
    await card.getByLabel('What to do').fill('Call about the Saturday showing');
    await card.getByRole('button', { name: 'Set reminder' }).click();
    const reminder = card.locator('li.reminder');
    await reminder.waitFor();
    await reminder.getByRole('button', { name: 'Snooze' }).click();
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/snooze') && r.ok()),
      reminder.getByRole('button', { name: 'Tomorrow 9:00' }).click(),
    ]);
    await expect.poll(() => reminder.locator('time').getAttribute('title')).toMatch(/, 9:00\sAM$/);
    await saveScreenshot(page, 'signup-time-zone-snoozed-390', { fullPage: false });
  });
});
