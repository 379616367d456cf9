// Notices never make a control unreachable, in a real browser against the real API and Postgres:
// on Today, long enough to scroll, two reminders are completed (two "Reminder done: … · Undo"
// notices, 8 s each); scrolled to the end, the last row's Call / Text / Email / Log are what the
// browser finds at their centres, not a notice, a click between the notices reaches the page, the
// Log menu opened there shows above the notices, and "Talked" is logged (in Postgres) while they
// are still up; the notices going away do not move the row under the pointer; Tab to a control
// under a notice scrolls it above. At 1440×900 (the last row is the right column's, where notices
// sit) and 390×844 (notices span the width). Screenshots in test-results/screenshots. Run
// `npm run build:admin` first.
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeBusyRealtor, makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const MINUTE_MS = 60_000;
/** Not contacted yet: at 1440 their column (the right one) ends the page, well below the window. */
const UNCONTACTED = 14;
/** Showings today: at 390 the sections stack and these end the page. */
const SHOWINGS = 3;

const suite = useBrowserSuite();
let realtor: ApiClient;
let userId: string;
let reminderLeadId: string;

beforeAll(async () => {
  ({ realtor, userId, reminderLeadId } = await makeBusyRealtor(suite.server, { uncontacted: UNCONTACTED, showings: SHOWINGS }));
});

/** The row that ends lowest on the page, found by its section and lead (a list reloads under it). */
async function lastRow(page: Page): Promise<Locator> {
  const rows = await page.locator('li.today-item').evaluateAll((els) =>
    els.map((el) => ({ bottom: el.getBoundingClientRect().bottom + window.scrollY, section: el.closest('section')?.id ?? '', leadId: el.getAttribute('data-lead-id') ?? '' })),
  );
  const last = rows.reduce((a, b) => (b.bottom > a.bottom ? b : a));
  return page.locator(`#${last.section} li.today-item[data-lead-id="${last.leadId}"]`);
}

/** For each control, what the browser finds at its centre: the control itself (or inside it), or what covers it. */
function hitsAtCentres(controls: Locator): Promise<Array<{ control: string; hit: string }>> {
  return controls.evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const name = (e: Element | null) => (e ? `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${e.getAttribute('aria-label') ?? e.textContent?.trim().slice(0, 30)}` : 'nothing');
      return { control: name(el), hit: hit && el.contains(hit) ? name(el) : name(hit) };
    }),
  );
}

async function activitiesOf(leadId: string): Promise<Array<{ type: string; outcome: string | null }>> {
  return suite.server.sql('select type, outcome from lead_activities where lead_id = $1 and type <> $2 order by created_at', [leadId, 'showing']);
}

describe('notices do not hide the controls of the rows under them', () => {
  it.each([
    ['1440', { width: 1440, height: 900 }],
    ['390', { width: 390, height: 844 }],
  ])('at %s, scrolled to the end with "Undo" on screen, the last row is clicked, not the notice', { timeout: 60_000 }, async (size, viewport) => {
    // Two reminders, each done with a click: two notices with Undo, stacked, each up for 8 s.
    const messages = [`Send the comparables ${size}`, `Confirm the Saturday showing ${size}`];
    const reminderIds: string[] = [];
    for (const message of messages) {
      reminderIds.push((await makeReminder(suite.server, { leadId: reminderLeadId, userId, status: 'due', reminderDate: new Date(Date.now() - 30 * MINUTE_MS), firedAt: new Date(), message })).reminderId);
    }
    const page = await suite.adminPage(realtor, { timeoutMs: 20_000, viewport });
    await page.goto(`${suite.server.url}/app/today`);
    await page.locator('li.today-item').nth(UNCONTACTED + SHOWINGS).waitFor();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height, 'the page scrolls').toBeGreaterThan(viewport.height * 1.5);

    for (const reminderId of reminderIds) {
      await page.locator(`li[data-reminder-id="${reminderId}"]`).getByRole('button', { name: 'Complete' }).click();
      await page.locator(`li[data-reminder-id="${reminderId}"]`).waitFor({ state: 'detached' });
    }
    const notices = page.getByRole('status').locator('.toast', { hasText: 'Reminder done: ' });
    await expect.poll(() => notices.count()).toBe(2);
    expect(await notices.getByRole('button', { name: 'Undo' }).count()).toBe(2);
    const toast = notices.first();
    const statuses = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = any($1)', [reminderIds]);
    expect(statuses.map((r) => r.status)).toEqual(['done', 'done']);

    // To the end of the page: the last row's controls are on top where the realtor points.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const row = await lastRow(page);
    const rowName = (await row.locator('.today-item-name').textContent()) ?? '';
    // The right column's end at 1440; the last section's at 390.
    expect(await row.evaluate((el) => el.closest('section')?.id)).toBe(size === '1440' ? 'today-uncontacted-section' : 'today-showings-section');
    const controls = row.locator('.today-item-actions a, .today-item-actions button');
    expect(await controls.count()).toBe(4); // Call, Text, Email, Log
    await expect.poll(async () => (await hitsAtCentres(controls)).filter((h) => h.hit !== h.control), { timeout: 2_000 }).toEqual([]);
    // …with the notices in view, below them (the page made room for them rather than moving them).
    const toastBox = (await toast.boundingBox())!;
    const rowBox = (await row.boundingBox())!;
    expect(toastBox.y + toastBox.height).toBeLessThanOrEqual(viewport.height);
    expect(rowBox.y + rowBox.height).toBeLessThanOrEqual(toastBox.y);
    // Between two notices, a click reaches the page: only the notices themselves take the pointer.
    const lastBox = (await notices.last().boundingBox())!;
    const gapY = (toastBox.y + toastBox.height + lastBox.y) / 2;
    expect(lastBox.y).toBeGreaterThan(toastBox.y + toastBox.height);
    expect(await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('.toast-region') ?? null, [toastBox.x + toastBox.width / 2, gapY])).toBeNull();
    await saveScreenshot(page, `toasts-room-at-end-${size}`, { fullPage: false });

    // A real click at the centre of Log (no scrolling, no checks), then "Talked": recorded while the notices are still up.
    const rowLeadId = (await row.getAttribute('data-lead-id'))!;
    const earlier = await activitiesOf(rowLeadId);
    const log = row.getByRole('button', { name: `Log an activity for ${rowName}` });
    const logBox = (await log.boundingBox())!;
    await page.mouse.click(logBox.x + logBox.width / 2, logBox.y + logBox.height / 2);
    // Its menu opens below the page's end: scrolled to, its choices are on top too (menus sit above notices).
    const choices = row.locator('.menu-popover button');
    await choices.last().scrollIntoViewIfNeeded();
    expect(await choices.count()).toBe(5);
    expect((await hitsAtCentres(choices)).filter((h) => h.hit !== h.control)).toEqual([]);
    await saveScreenshot(page, `toasts-menu-over-notice-${size}`, { fullPage: false });
    const talked = (await row.getByRole('button', { name: 'Talked' }).boundingBox())!;
    await page.mouse.click(talked.x + talked.width / 2, talked.y + talked.height / 2);
    await expect.poll(() => activitiesOf(rowLeadId)).toEqual([...earlier, { type: 'call', outcome: 'talked' }]);
    expect(await notices.count()).toBe(2);
    await saveScreenshot(page, `toasts-logged-under-notice-${size}`, { fullPage: false });
    await page.keyboard.press('Escape');

    // The notice goes: what is on screen stays put (no jump under the pointer).
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const end = (await lastRow(page)).locator('.today-item-actions a').first();
    const before = (await end.boundingBox())!;
    const closes = page.getByRole('status').getByRole('button', { name: 'Dismiss notice' });
    while (await closes.count()) await closes.first().click();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect((await end.boundingBox())!.y).toBe(before.y);
    await expectNoHorizontalOverflow(page, `Today ${size}`);
  });

  it.each([
    ['1440', { width: 1440, height: 900 }],
    ['390', { width: 390, height: 844 }],
  ])('at %s, Tab to a control under the notice scrolls it above the notice', { timeout: 60_000 }, async (size, viewport) => {
    const message = `Ask about the loft ${size}`;
    const { reminderId } = await makeReminder(suite.server, { leadId: reminderLeadId, userId, status: 'due', reminderDate: new Date(Date.now() - 20 * MINUTE_MS), firedAt: new Date(), message });
    const page = await suite.adminPage(realtor, { timeoutMs: 20_000, viewport });
    await page.goto(`${suite.server.url}/app/today`);
    await page.locator(`li[data-reminder-id="${reminderId}"]`).getByRole('button', { name: 'Complete' }).click();
    const toast = page.getByRole('status').locator('.toast', { hasText: `Reminder done: ${message}` });
    await toast.waitFor();
    await page.locator(`li[data-reminder-id="${reminderId}"]`).waitFor({ state: 'detached' });

    // A row scrolled to the window's bottom edge, its Log under the notice: from its Email (focused
    // without scrolling), Tab to Log. The browser scrolls a control it finds hidden: above the notice.
    const row = page.locator('#today-uncontacted-section li.today-item').nth(8);
    const log = row.getByRole('button', { name: /^Log an activity for / });
    const logBottom = await log.evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
    await page.evaluate((y) => window.scrollTo(0, y), logBottom - viewport.height + 20);
    const [{ hit }] = await hitsAtCentres(log);
    expect(hit).toMatch(/^(span|div|button)\.toast/);
    await row.getByRole('link', { name: /^Email / }).evaluate((el) => (el as HTMLElement).focus({ preventScroll: true }));
    await page.keyboard.press('Tab');
    expect(await log.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(async () => (await hitsAtCentres(log)).filter((h) => h.hit !== h.control), { timeout: 2_000 }).toEqual([]);
    const logBox = (await log.boundingBox())!;
    expect(logBox.y + logBox.height).toBeLessThanOrEqual((await toast.boundingBox())!.y);
    await saveScreenshot(page, `toasts-tab-above-notice-${size}`, { fullPage: false });
  });

  it('a notice on a short page adds no scrolling: the login page after the session ended', { timeout: 60_000 }, async () => {
    // A realtor of their own: the test ends the session.
    const other = new ApiClient(suite.server.url);
    await other.signUp({ username: 'Sam Short-Page' });
    const page = await suite.adminPage(other, { timeoutMs: 20_000, viewport: { width: 1280, height: 800 } });
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect((await other.post('/v1/auth/logout')).status).toBe(204);
    // The admin's next request (the due count asks again on focus) is refused: the login page, with its notice.
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.waitForURL((url) => url.pathname === '/app/login');
    const notice = page.getByRole('status').locator('.toast', { hasText: 'Your session has ended' });
    await notice.waitFor();
    // The spacer is sized a frame after the notice shows: wait for --toast-space, set in that frame.
    await expect.poll(() => page.evaluate(() => document.documentElement.style.getPropertyValue('--toast-space'))).toMatch(/^\d+px$/);
    const { scrollHeight, clientHeight } = await page.evaluate(() => ({ scrollHeight: document.documentElement.scrollHeight, clientHeight: document.documentElement.clientHeight }));
    expect(scrollHeight, 'the login page does not scroll').toBe(clientHeight);
  });
});
