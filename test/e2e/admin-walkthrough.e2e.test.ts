// Small things a busy realtor runs into, in a real browser against the real API and Postgres:
// an "Undo" that an open menu covers is still there when the menu closes; notices carried onto
// the scoring page never cover a rule field reached with Tab; Escape from a Log or Snooze menu
// (and a Log choice made with Enter) leaves the focus on the menu's button; a stage arrow pressed
// twice in quick succession moves the stage twice; a reminder falling due is never shown in two
// sections of the Reminders page at once; a live catch-up reloads the leads list once,
// not twice; and long email addresses and endpoint URLs keep the leads table, the endpoints table
// and an endpoint's page inside the window. Screenshots in test-results/screenshots. Run
// `npm run build:admin` first.
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, pauseClock, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeBusyRealtor, makeReminder, makeWebhookEndpoint } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

const MINUTE_MS = 60_000;
/** Not contacted yet: enough for Today to scroll. */
const UNCONTACTED = 14;

const suite = useBrowserSuite();
let realtor: ApiClient;
let userId: string;
let reminderLeadId: string;

beforeAll(async () => {
  ({ realtor, userId, reminderLeadId } = await makeBusyRealtor(suite.server, { uncontacted: UNCONTACTED, showings: 1, showingPhones: false }));
});

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  return suite.adminPage(realtor, { timeoutMs: 20_000, viewport });
}

async function dueReminder(message: string): Promise<string> {
  return (await makeReminder(suite.server, { leadId: reminderLeadId, userId, status: 'due', reminderDate: new Date(Date.now() - 30 * MINUTE_MS), firedAt: new Date(), message })).reminderId;
}

async function statusOf(reminderId: string): Promise<string> {
  const [row] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]);
  return row.status;
}

/** Completes a due reminder on Today with a click: a "Reminder done: … · Undo" notice. */
async function complete(page: Page, reminderId: string): Promise<void> {
  const item = page.locator(`li[data-reminder-id="${reminderId}"]`);
  await item.getByRole('button', { name: 'Complete' }).click();
  await item.waitFor({ state: 'detached' });
}

/** Whether two boxes overlap. */
function overlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('notices and menus', () => {
  it('at 390, an Undo that an open menu covers outlives its time, and works once the menu closes', { timeout: 60_000 }, async () => {
    const message = 'Send the comparables';
    const reminderId = await dueReminder(message);
    // Notices span a phone's width: a menu opened near the bottom lies over them.
    const page = await newPage({ width: 390, height: 844 });
    // The page's clock runs on by itself; the test moves it past the notice's 8 s instead of waiting.
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/today`);
    await page.locator('#today-uncontacted-section li.today-item').nth(UNCONTACTED - 1).waitFor();
    await complete(page, reminderId);
    expect(await statusOf(reminderId)).toBe('done');
    const notice = page.getByRole('status').locator('.toast', { hasText: `Reminder done: ${message}` });
    const undo = notice.getByRole('button', { name: 'Undo' });
    await undo.waitFor();

    // Scrolled to the end, the last row (the showing's) opens its Log menu: it runs down over the notice.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const row = page.locator('#today-showings-section li.today-item').last();
    await row.getByRole('button', { name: /^Log an activity for / }).click();
    const menu = row.locator('.menu-popover');
    await menu.waitFor();
    await saveScreenshot(page, 'walkthrough-menu-over-undo-390', { fullPage: false });
    expect(overlap((await menu.boundingBox())!, (await undo.boundingBox())!), 'the open menu lies over Undo').toBe(true);

    // Well past the notice's time with the menu still open: the notice waits (it used to go unseen).
    await page.clock.fastForward(12_000);
    expect(await notice.count()).toBe(1);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    // Uncovered, it has its time again: still there a few seconds on, and Undo works.
    await page.clock.fastForward(3_000);
    expect(await notice.count()).toBe(1);
    await undo.click();
    await expect.poll(() => statusOf(reminderId)).toBe('due');
    await page.getByRole('status').getByText('Reminder open again.').waitFor();
  });

  it('at 1440, notices carried onto the scoring page never cover a rule field reached with Tab', { timeout: 60_000 }, async () => {
    const reminderIds = [await dueReminder('Call about the loft'), await dueReminder('Confirm the Saturday showing'), await dueReminder('Ask for the pre-approval letter')];
    const page = await newPage({ width: 1440, height: 900 });
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/today`);
    for (const id of reminderIds) await complete(page, id);
    const notices = page.getByRole('status').locator('.toast', { hasText: 'Reminder done: ' });
    await expect.poll(() => notices.count()).toBe(3);

    // To Scoring within the app: the notices come along, stacked higher than the page's action bar.
    await page.getByRole('navigation').getByRole('link', { name: 'Scoring' }).click();
    const fields = page.locator('.rules-form input');
    await fields.first().waitFor();
    await expect.poll(() => page.evaluate(() => document.documentElement.style.getPropertyValue('--toast-space'))).toMatch(/^\d+px$/);
    // From here the page's timers run only as the test moves the clock (the notices stay up).
    await pauseClock(page);
    const [cover, bar] = await page.evaluate(() => [
      Number.parseFloat(document.documentElement.style.getPropertyValue('--toast-space')),
      document.querySelector('.rules-actions')!.getBoundingClientRect().height,
    ]);
    expect(cover, 'the notices reach higher than the action bar').toBeGreaterThan(bar + 24);

    const count = await fields.count();
    await fields.first().focus();
    const covered: string[] = [];
    for (let i = 0; i < count; i++) {
      await page.clock.runFor(50); // the frames that follow the scroll
      const seen = await page.evaluate(() => {
        const field = document.activeElement as HTMLInputElement;
        const box = field.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return { id: field.id, visible: hit === field, hit: hit ? `${hit.tagName}.${hit.className}` : 'nothing' };
      });
      if (!seen.visible) covered.push(`${seen.id} under ${seen.hit}`);
      await page.keyboard.press('Tab');
    }
    expect(covered).toEqual([]);
    expect(await notices.count()).toBe(3);
    await saveScreenshot(page, 'walkthrough-scoring-under-notices-1440', { fullPage: false });
  });
});

describe('menus over notices', () => {
  it('at 390, a board card\'s "Move to…" opened near the bottom shows every stage above a notice', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('button', { name: 'Manage stages' }).click();
    await page.getByLabel('New stage').fill('Pre-approval');
    await page.getByRole('button', { name: 'Add stage' }).click();
    const notice = page.getByRole('status').locator('.toast', { hasText: 'Added “Pre-approval”.' });
    await notice.waitFor();
    await page.getByRole('button', { name: 'Done with stages' }).click();
    // A card's menu opened just above the notice: its list runs down over it.
    const summary = page.locator('[data-stage-column="new"] summary').nth(8);
    await summary.evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().top - (window.innerHeight - 260)));
    await summary.click();
    const choices = page.locator('.move-menu[open] .move-menu-list button');
    await choices.first().waitFor();
    const noticeBox = (await notice.boundingBox())!;
    const boxes = await choices.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number }));
    expect(boxes.some((b) => overlap(b, noticeBox)), 'a stage lies where the notice is').toBe(true);
    const hidden = await choices.evaluateAll((els) =>
      els.filter((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return r.bottom <= window.innerHeight && !(hit && el.contains(hit));
      }).map((el) => el.textContent),
    );
    expect(hidden, 'stages covered by the notice').toEqual([]);
    await saveScreenshot(page, 'walkthrough-board-menu-over-notice-390', { fullPage: false });
    await page.keyboard.press('Escape');
    const added = (await realtor.get('/v1/pipeline-stages')).body.items.find((s: { label: string }) => s.label === 'Pre-approval');
    expect((await realtor.delete(`/v1/pipeline-stages/${added.stageId}`)).status).toBeLessThan(300);
  });
});

describe('menus from the keyboard', () => {
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? null);

  it('Escape from a Log or Snooze choice gives the focus back to the button, and so does a choice logged', { timeout: 60_000 }, async () => {
    const message = 'Ask about the open house';
    const reminderId = await dueReminder(message);
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/today`);
    const item = page.locator(`li[data-reminder-id="${reminderId}"]`);
    const snooze = item.getByRole('button', { name: 'Snooze' });
    await snooze.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('15 minutes');
    await page.keyboard.press('Escape');
    await item.locator('.menu-popover').waitFor({ state: 'detached' });
    expect(await focused(page), 'Escape leaves the focus on Snooze (it fell to the page)').toBe('Snooze');

    // On the leads list, where the row stays once the lead is contacted.
    const name = 'Waiting Lead 3';
    const [{ lead_id: leadId }] = await suite.server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 and name = $2', [userId, name]);
    await page.goto(`${suite.server.url}/app/leads`);
    const log = page.getByRole('button', { name: `Log an activity for ${name}`, exact: true });
    const row = page.locator('.menu', { has: log });
    await log.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Called — no answer');
    await page.keyboard.press('Escape');
    await row.locator('.menu-popover').waitFor({ state: 'detached' });
    expect(await focused(page), 'Escape leaves the focus on Log').toBe(`Log an activity for ${name}`);

    // A choice made with Enter: logged, and the focus is on Log again.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Texted');
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText(`Logged “Texted” for ${name}.`).waitFor();
    expect(await suite.server.sql('select type from lead_activities where lead_id = $1', [leadId])).toEqual([{ type: 'text' }]);
    await expect.poll(() => focused(page)).toBe(`Log an activity for ${name}`);
  });
});

describe('reminders page', () => {
  it('a reminder that falls due moves from Upcoming to Due now without showing in both', { timeout: 60_000 }, async () => {
    const message = 'Walk through the loft before the showing';
    const { reminderId } = await makeReminder(suite.server, { leadId: reminderLeadId, userId, reminderDate: new Date(Date.now() + 60 * MINUTE_MS), message });
    const page = await newPage({ width: 1440, height: 900 });
    // The page's clock runs on by itself; the test moves it to the page's 15 s refresh.
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/reminders`);
    const inSection = (section: string) => page.locator(`[data-section="${section}"] [data-reminder-id="${reminderId}"]`);
    await inSection('upcoming').waitFor();

    // It falls due (as the worker would fire it); the refresh's Upcoming answer is held back.
    await suite.server.sql("update follow_up_reminders set status = 'due', fired_at = now(), reminder_date = now() - interval '1 minute' where reminder_id = $1", [reminderId]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route((url) => url.pathname === '/v1/reminders' && url.searchParams.get('status') === 'upcoming', (route) => held.then(() => route.continue()));
    // Due now's answer is in (the page tells the navigation's count: it asks for the summary).
    const dueAnswered = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/reminders/summary');
    await page.clock.fastForward(15_000);
    await dueAnswered;
    const shownIn = async () => (await inSection('due').count()) + (await inSection('upcoming').count());
    expect(await shownIn(), 'sections showing the reminder while Upcoming is on its way').toBe(1);
    release();
    await inSection('due').waitFor();
    expect(await inSection('upcoming').count()).toBe(0);
    await page.unroute((url) => url.pathname === '/v1/reminders' && url.searchParams.get('status') === 'upcoming');
  });
});

describe('pipeline stages', () => {
  it('a stage arrow pressed twice in quick succession moves the stage twice', { timeout: 60_000 }, async () => {
    const stages: Array<{ stageId: string; key: string; label: string }> = (await realtor.get('/v1/pipeline-stages')).body.items;
    const order = async () => (await suite.server.sql<{ key: string }>('select key from pipeline_stages where user_id = $1 order by position', [userId])).map((r) => r.key);
    const before = await order();
    const first = stages.find((s) => s.key === before[0])!;
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('button', { name: 'Manage stages' }).click();
    const manager = page.locator('#stage-manager');
    const down: Locator = manager.getByRole('button', { name: `Move ${first.label} down` });
    await down.focus();

    // The board's reload after the first move is held: the rows stay locked while the second press lands.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    await page.route('**/v1/pipeline-stages', (route) => (route.request().method() === 'GET' && holding ? held.then(() => route.continue()) : route.continue()));
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText(`Moved “${first.label}” down.`).last().waitFor();
    expect(await order()).toEqual([before[1], before[0], ...before.slice(2)]);
    holding = false;
    release();
    // Once the list shows the first move, the second press is made from there.
    await expect.poll(order).toEqual([before[1], before[2], before[0], ...before.slice(3)]);
    const rowsShown = () => manager.locator('[data-move="down"]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
    const labelOf = (key: string) => stages.find((s) => s.key === key)!.label;
    await expect.poll(rowsShown).toEqual([before[1], before[2], before[0], ...before.slice(3)].map((key) => `Move ${labelOf(key)} down`));
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Move ${first.label} down`);
    await page.unroute('**/v1/pipeline-stages');
    expect((await realtor.put('/v1/pipeline-stages/order', { stageIds: before.map((key) => stages.find((s) => s.key === key)!.stageId) })).status).toBe(200);
  });
});

describe('live catch-up', () => {
  it('a live reset reloads the open leads list once', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    const listLoads: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (r.method() === 'GET' && url.pathname === '/v1/leads') listLoads.push(url.search);
      if (r.method() === 'GET' && url.pathname === '/v1/lead-counts') listLoads.push('counts');
    });
    // The first stream is answered with a reset (as after a Redis outage) once the list has loaded;
    // it then ends, and the browser would open another only after the minutes named in `retry`.
    let sendReset!: () => void;
    const resetNow = new Promise<void>((resolve) => (sendReset = resolve));
    await page.route('**/v1/live', async (route) => {
      await resetNow;
      await route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 600000\n\nevent: reset\ndata: {}\n\n' });
    });
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Waiting Lead 1', { exact: true }).first().waitFor();
    await expect.poll(() => listLoads.filter((l) => l === 'counts').length).toBe(1);
    const loadsBefore = listLoads.length;
    sendReset();
    // The live views reload after a short wait; the band counts come with the list's refresh.
    await expect.poll(() => listLoads.slice(loadsBefore).filter((l) => l === 'counts').length).toBe(1);
    // Requests are reported in order: one made after those above has been seen is the end of them.
    const marker = page.waitForRequest((r) => new URL(r.url()).pathname === '/v1/me');
    await page.evaluate(() => fetch('/v1/me', { credentials: 'include' }));
    await marker;
    expect(listLoads.slice(loadsBefore).filter((l) => l !== 'counts'), 'leads list loads after the reset').toHaveLength(1);
  });
});

describe('long names', () => {
  it('at 1440, the leads table fits its card with a long email address in it', { timeout: 60_000 }, async () => {
    const email = 'maximiliana.alexandrina.bartholomew.featherstonehaugh@extremely-long-domain-name-for-testing.example.com';
    expect((await realtor.post('/v1/leads', { name: 'Maximiliana Bartholomew-Featherstonehaugh', email })).status).toBe(201);
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator('.leads-table').getByText(email).waitFor();
    const { table, card } = await page.evaluate(() => ({
      table: document.querySelector('.leads-table')!.getBoundingClientRect().right,
      card: document.querySelector('.leads-table')!.closest('.card')!.getBoundingClientRect().right,
    }));
    expect(table, 'the table ends inside its card').toBeLessThanOrEqual(card);
    await expectNoHorizontalOverflow(page, 'leads at 1440');
    await saveScreenshot(page, 'walkthrough-leads-long-email-1440', { fullPage: false });
  });

  it('at 390, an endpoint page whose breadcrumb ends in a long URL does not scroll sideways', { timeout: 60_000 }, async () => {
    const url = 'https://crm.example.com/hooks/porchlight/receive/with/a/very/long/path/that/keeps/going/and/going';
    const { endpointId } = await makeWebhookEndpoint(suite.server, { userId, url });
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/webhooks/${endpointId}`);
    await page.getByRole('heading', { level: 1, name: url }).waitFor();
    await expectNoHorizontalOverflow(page, 'endpoint page at 390');
    await saveScreenshot(page, 'walkthrough-endpoint-long-url-390', { fullPage: false });
  });

  it.each([
    ['1440', { width: 1440, height: 900 }],
    ['390', { width: 390, height: 844 }],
  ])('at %s, the endpoints table fits its card when an endpoint is named by a long URL', { timeout: 60_000 }, async (size, viewport) => {
    const url = `https://hooks.example.com/porchlight/receive/with/a/very/long/path/that/keeps/going/and/going/${size}`;
    await makeWebhookEndpoint(suite.server, { userId, url });
    const page = await newPage(viewport);
    await page.goto(`${suite.server.url}/app/webhooks`);
    await page.getByRole('link', { name: url }).waitFor();
    const wrap = page.locator('.table-wrap');
    const { scrollWidth, clientWidth } = await wrap.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(scrollWidth, 'the table scrolls sideways in its card').toBeLessThanOrEqual(clientWidth);
    await expectNoHorizontalOverflow(page, `webhooks at ${size}`);
    await saveScreenshot(page, `walkthrough-webhooks-long-url-${size}`, { fullPage: false });
  });
});
