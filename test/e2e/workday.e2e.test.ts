// The realtor's working day in a real browser against the real API and Postgres, at 1440×900 and
// 390×844: Today lists a due reminder and a lead not yet contacted, and completing the reminder
// there closes it in Postgres; a call logged from the lead list is stored; on a phone the list is
// cards with the first one in the top half of the screen and nothing overflows sideways; the lead
// page opens with tel:/sms:/mailto: actions. Screenshots in test-results/screenshots (workday-*).
// Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { WAIT } from '#test/env.ts';
import { makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const HOUR_MS = 3_600_000;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const suite = useBrowserSuite();
let owner: ApiClient;
let userId: string;
let jordanId: string;
let reminderId: string;

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const phone = viewport.width < 640;
  return suite.adminPage(owner, { viewport, hasTouch: phone, isMobile: phone, timeoutMs: 20_000 });
}

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  ({ userId } = await owner.signUp({ username: 'Dana Realtor' }));
  jordanId = (await owner.post('/v1/leads', { name: 'Jordan Avery', phone: '(415) 555-0134', email: 'jordan.avery@example.com' })).body.leadId;
  await owner.post('/v1/leads', { name: 'Morgan Castellano-Whitfield', email: 'morgan.castellano-whitfield@example.com', phone: '+44 20 7946 0958' });
  for (const name of ['Sam Lee', 'Priya Natarajan', 'Alex Kim', 'Taylor Brooks', 'Chris Ortega']) {
    await owner.post('/v1/leads', { name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com` });
  }
  ({ reminderId } = await makeReminder(suite.server, {
    leadId: jordanId, userId, status: 'due', reminderDate: new Date(Date.now() - 2 * HOUR_MS), firedAt: new Date(Date.now() - 2 * HOUR_MS),
    message: 'Call about the Saturday showing at 48 Linden Avenue',
  }));
});

describe('the working day in the admin', () => {
  it('Today lists the due reminder and the leads not yet contacted, and completing the reminder there closes it in Postgres', { timeout: 60_000 }, async () => {
    const phone = await newPage(PHONE);
    await phone.goto(`${suite.server.url}/app/`);
    await phone.waitForURL((url) => url.pathname === '/app/today');
    const due = phone.locator('#today-due-section');
    await due.getByText('Call about the Saturday showing at 48 Linden Avenue').waitFor();
    const uncontacted = phone.locator('#today-uncontacted-section');
    await uncontacted.locator(`[data-lead-id="${jordanId}"]`).getByText(/Waiting/).waitFor();
    expect(await uncontacted.locator(`[data-lead-id="${jordanId}"] a[data-contact="call"]`).getAttribute('href')).toBe('tel:+14155550134');
    await expectNoHorizontalOverflow(phone, 'Today at 390');
    await saveScreenshot(phone, 'workday-today-390');

    const desktop = await newPage(DESKTOP);
    await desktop.goto(`${suite.server.url}/app/today`);
    await desktop.locator('#today-due-section').getByText('Call about the Saturday showing').waitFor();
    await expectNoHorizontalOverflow(desktop, 'Today at 1440');
    await saveScreenshot(desktop, 'workday-today-1440');

    await desktop.locator(`#today-due-section [data-reminder-id="${reminderId}"]`).getByRole('button', { name: 'Complete' }).click();
    await vi.waitFor(async () => {
      const [row] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]);
      expect(row.status).toBe('done');
    }, WAIT);
    await desktop.locator('#today-due-section').getByText('No reminders due today.').waitFor();
  });

  it('logs a call from the lead list in one click', { timeout: 60_000 }, async () => {
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/leads`);
    const row = page.locator(`tr[data-lead-id="${jordanId}"]`);
    await row.getByRole('button', { name: 'Log an activity for Jordan Avery' }).click();
    await row.getByRole('button', { name: 'Called — no answer' }).click();
    await page.getByText('Logged “Called — no answer” for Jordan Avery.').waitFor();
    const [activity] = await suite.server.sql<{ type: string; outcome: string }>('select type, outcome from lead_activities where lead_id = $1 and type = $2', [jordanId, 'call']);
    expect(activity).toEqual({ type: 'call', outcome: 'no_answer' });
    // Nobody answered: the notice offers a call-back reminder, two hours on.
    const before = Date.now();
    await page.getByRole('button', { name: 'Remind me to call back' }).click();
    await page.getByText(/^Reminder set for /).waitFor();
    const [callBack] = await suite.server.sql<{ reminder_message: string; reminder_date: Date; kind: string; status: string }>(
      'select reminder_message, reminder_date, kind, status from follow_up_reminders where lead_id = $1 and reminder_message like $2', [jordanId, 'Call % back%'],
    );
    expect(callBack).toMatchObject({ reminder_message: 'Call Jordan Avery back (no answer earlier)', kind: 'manual', status: 'pending' });
    expect(callBack.reminder_date.getTime()).toBeGreaterThanOrEqual(before + 2 * HOUR_MS - 1000);
    expect(callBack.reminder_date.getTime()).toBeLessThanOrEqual(Date.now() + 2 * HOUR_MS + 1000);
    await row.getByText('just now').first().waitFor();
    await expectNoHorizontalOverflow(page, 'lead list at 1440');
    // The table fits its card: the last column is not pushed outside it.
    const card = (await page.locator('.leads-page .card-flush').boundingBox())!;
    const table = (await page.locator('table.leads-table').boundingBox())!;
    expect(table.x + table.width).toBeLessThanOrEqual(card.x + card.width + 1);
    await saveScreenshot(page, 'workday-leads-1440');
  });

  it('moves selected leads to a stage and deletes one behind a confirmation, keeping the list’s filters', { timeout: 60_000 }, async () => {
    const page = await newPage(DESKTOP);
    await page.goto(`${suite.server.url}/app/leads?q=example.com`);
    const row = (name: string) => page.locator('tr.lead-row', { hasText: name });
    await row('Sam Lee').waitFor();
    await row('Sam Lee').getByRole('checkbox').check();
    await row('Alex Kim').getByRole('checkbox').check();
    const bar = page.locator('.bulk-bar');
    await bar.getByText('selected').waitFor();
    await bar.getByRole('button', { name: 'Stage' }).click();
    await bar.getByLabel(/^Move 2 leads to/).selectOption({ label: 'Nurturing' });
    await bar.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByText('Moved 2 to Nurturing.').waitFor();
    const staged = await suite.server.sql<{ name: string; key: string }>(
      `select l.name, s.key from leads l join pipeline_stages s on s.stage_id = l.stage_id where l.user_id = $1 order by l.name`, [userId],
    );
    expect(staged).toEqual([{ name: 'Alex Kim', key: 'nurturing' }, { name: 'Sam Lee', key: 'nurturing' }]);
    await saveScreenshot(page, 'workday-leads-bulk-1440', { fullPage: false });

    await row('Alex Kim').getByRole('checkbox').uncheck();
    await bar.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/permanently erases Sam Lee/).waitFor();
    await dialog.getByRole('button', { name: 'Delete 1 lead' }).click();
    await page.getByText('Deleted 1 lead and everything recorded about them.').waitFor();
    expect(await suite.server.sql(`select 1 from leads where user_id = $1 and name = 'Sam Lee'`, [userId])).toEqual([]);
    await row('Sam Lee').waitFor({ state: 'detached' });
    expect(new URL(page.url()).search).toBe('?q=example.com');
  });

  it('on a phone the list is cards, the first in the top half of the screen, with call/text/email and no sideways scroll', { timeout: 60_000 }, async () => {
    const page = await newPage(PHONE);
    await page.goto(`${suite.server.url}/app/leads`);
    const first = page.locator('.lead-card').first();
    await first.waitFor();
    await saveScreenshot(page, 'workday-leads-390', { fullPage: false });
    expect(await page.locator('table.leads-table').isVisible()).toBe(false);
    const box = await first.boundingBox();
    expect(box!.y, 'first card top').toBeLessThan(PHONE.height / 2);
    const jordan = page.locator(`.lead-card[data-lead-id="${jordanId}"]`);
    expect(await jordan.locator('a[data-contact="call"]').getAttribute('href')).toBe('tel:+14155550134');
    expect(await jordan.locator('a[data-contact="text"]').getAttribute('href')).toBe('sms:+14155550134');
    expect(await jordan.locator('a[data-contact="email"]').getAttribute('href')).toBe('mailto:jordan.avery@example.com');
    await expectNoHorizontalOverflow(page, 'lead list at 390');

    // The filters fold behind one control; the band counts stay in view.
    expect(await page.locator('#lead-search').isVisible()).toBe(false);
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page.locator('#lead-search').waitFor({ state: 'visible' });

    // Selecting leads shows the bulk bar, no taller than a tenth of the screen.
    await page.getByRole('button', { name: /^Filters/ }).click();
    await jordan.getByRole('checkbox').check();
    const bar = page.locator('.bulk-bar');
    await bar.waitFor();
    expect((await bar.boundingBox())!.height).toBeLessThanOrEqual(PHONE.height / 10);
    await expectNoHorizontalOverflow(page, 'lead list with the bulk bar at 390');
    await saveScreenshot(page, 'workday-leads-bulk-390', { fullPage: false });

    // The Stage panel's select is a full-size field (it was ~16 px tall, unstyled); Escape closes the
    // panel and gives the focus back to Stage, and Delete… never leaves it open behind its dialog.
    await bar.getByRole('button', { name: 'Stage' }).click();
    const select = bar.getByLabel(/^Move 1 lead to/);
    await select.waitFor();
    expect((await select.boundingBox())!.height).toBeGreaterThanOrEqual(36);
    await select.focus();
    await page.keyboard.press('Escape');
    await select.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Stage');
    await bar.getByRole('button', { name: 'Stage' }).click();
    await select.waitFor();
    await bar.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').waitFor();
    expect(await select.count()).toBe(0);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // A tap on the card (not on a button) opens the lead.
    await jordan.locator('.lead-card-meta').click();
    await page.waitForURL((url) => url.pathname === `/app/leads/${jordanId}`);
  });

  it('the lead page opens with call, text and email at the top, formatted, at both sizes', { timeout: 60_000 }, async () => {
    // A score with long signal labels: at 390 px each label must keep a readable width (it wrapped one letter per line).
    const breakdown = {
      signals: [
        { key: 'inquiry', label: 'Inquiry', count: 1, points: 40 },
        { key: 'listing:linden-48', label: 'Viewed 48 Linden Avenue, Springfield 4×', count: 4, points: 12 },
        { key: 'tool:mortgage_calculator', label: 'Used the mortgage calculator', count: 2, points: 8 },
      ],
      rulesVersion: 0,
      computedAt: new Date().toISOString(),
    };
    await suite.server.sql(`update leads set score = 60, score_band = 'hot', score_breakdown = $2::jsonb, scored_at = now() where lead_id = $1`, [jordanId, JSON.stringify(breakdown)]);
    for (const [viewport, name] of [[PHONE, '390'], [DESKTOP, '1440']] as const) {
      const page = await newPage(viewport);
      await page.goto(`${suite.server.url}/app/leads/${jordanId}`);
      const bar = page.locator('.lead-contact-bar');
      await bar.getByText('(415) 555-0134').waitFor();
      await saveScreenshot(page, `workday-lead-${name}`);
      expect(await bar.getByRole('link', { name: 'Call Jordan Avery' }).getAttribute('href')).toBe('tel:+14155550134');
      expect(await bar.getByRole('link', { name: 'Text Jordan Avery' }).getAttribute('href')).toBe('sms:+14155550134');
      expect(await bar.getByRole('link', { name: 'Email Jordan Avery' }).getAttribute('href')).toBe('mailto:jordan.avery@example.com');
      if (viewport === PHONE) {
        const call = await bar.getByRole('link', { name: 'Call Jordan Avery' }).boundingBox();
        expect(call!.height).toBeGreaterThanOrEqual(44);
        expect(call!.y, 'Call button top').toBeLessThan(PHONE.height / 2);
        expect(await page.locator('.breakdown-label').count()).toBe(3);
        for (const label of await page.locator('.breakdown-label').all()) {
          expect((await label.boundingBox())!.width, `breakdown label "${await label.textContent()}"`).toBeGreaterThan(250);
        }
      }
      await expectNoHorizontalOverflow(page, `lead page at ${name}`);
    }
  });

  it('Today: a lead set to “Contacted” leaves “Not contacted yet”, as it answers the unanswered-inquiry reminder', { timeout: 60_000 }, async () => {
    const marked = (await owner.post('/v1/leads', { name: 'Casey Marked', email: 'casey.marked@example.com' })).body.leadId;
    const waiting = (await owner.post('/v1/leads', { name: 'Robin Waiting', email: 'robin.waiting@example.com' })).body.leadId;
    const page = await newPage(PHONE);
    await page.goto(`${suite.server.url}/app/today`);
    const uncontacted = page.locator('#today-uncontacted-section');
    await uncontacted.locator(`[data-lead-id="${marked}"]`).waitFor();
    expect((await owner.patch(`/v1/leads/${marked}`, { status: 'contacted' })).status).toBe(200);
    await page.reload();
    await uncontacted.locator(`[data-lead-id="${waiting}"]`).waitFor();
    expect(await uncontacted.locator(`[data-lead-id="${marked}"]`).count()).toBe(0);
  });
});
