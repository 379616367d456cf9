// The realtor's core flow in a real browser, against the real API, Postgres, Redis and an
// in-process scoring worker: a visitor on the example listing site (examples/listing-site, in its
// own browser context) inquires and becomes a hot lead at the top
// of the dashboard; its breakdown and timeline explain it; a manual inquiry raises its score; a
// rules change rescores it with visible progress; analytics chart the activity; and lead-supplied
// text never becomes HTML. Run `npm run build:admin` first (the server serves dist/admin).

import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newSessionContext, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { SCHEDULES } from '#worker/handlers/index.ts';
import { scoreForPoints } from '#core/shared/scoring-defaults.ts';
import type { ExampleServer } from '../../examples/listing-site/serve.ts';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const INQUIRY_MESSAGE = 'Is 12 Oak St still available? We could see it on Saturday.';

const suite = useBrowserSuite();
let worker: TestWorker;
let context: BrowserContext;
let owner: ApiClient;
let example: ExampleServer;
let siteId = '';
let hotLeadId = '';
let xssLeadId = '';
const dialogs: string[] = [];

async function leadRow(leadId: string) {
  const [row] = await suite.server.sql<{ score: number; score_band: string; needs_rescore: boolean }>('select score, score_band, needs_rescore from leads where lead_id = $1', [leadId]);
  return row;
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) suite.pageErrors.push(msg.text());
  });
  return page;
}

/** The score the detail page shows in its score panel. */
async function shownScore(page: Page): Promise<number> {
  return Number(await page.locator('.score-panel .score-meter-lg .score-value').textContent());
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'leads-e2e-worker', schedules: SCHEDULES });

  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
  ({ example, siteId } = await startExampleSite(suite.server, owner, 'Oak Realty'));

  context = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1280, height: 900 } });
  suite.contexts.push(context);
});

afterAll(() => closeAll(worker, example));

describe('leads and scoring in the browser', () => {
  it('a visitor on the example listing site who inquires and requests a showing becomes a hot lead', { timeout: 45_000 }, async () => {
    // A visitor's own browser (no realtor session) on the example site: views 12 Oak Street,
    // uses the mortgage calculator, requests a showing and sends the inquiry form.
    const visitorContext = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await visitorContext.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => suite.pageErrors.push(err.message));
      await page.goto(`${example.url}/listings/oak-12`);
      await expect.poll(() => page.locator('h1').textContent()).toBe('12 Oak Street');
      await page.locator('#mortgage-form').getByRole('button', { name: 'Calculate' }).click();
      await page.getByRole('button', { name: 'Schedule a showing' }).click();
      const form = page.locator('[data-porchlight-form]').first();
      await form.getByLabel('Name').fill('Dana Whitaker');
      await form.getByLabel('Email').fill('dana.whitaker@example.com');
      await form.getByLabel('Message').fill(INQUIRY_MESSAGE);
      await form.getByLabel(/I agree/).check();
      await form.getByRole('button', { name: 'Send message' }).click();
      await form.getByRole('status').waitFor();
      // Leaving the page flushes the tracker's queued events (sendBeacon on pagehide).
      await page.close({ runBeforeUnload: true });
    } finally {
      await visitorContext.close();
    }

    const lead = await vi.waitFor(async () => {
      const found = (await suite.server.sql<{ lead_id: string }>("select lead_id from leads where email = 'dana.whitaker@example.com'"))[0];
      expect(found, 'the inquiry to create a lead').toBeTruthy();
      return found!;
    }, WAIT);
    hotLeadId = lead.lead_id;
    // Inquiry 40 + showing request 15 + mortgage calculator 8 + listing view 3 = 66 with the defaults.
    const scored = await vi.waitFor(async () => {
      const row = await leadRow(hotLeadId);
      expect(row.score_band === 'hot' && !row.needs_rescore, 'the worker to score the lead hot').toBeTruthy();
      return row!;
    }, { ...WAIT, timeout: 20_000, interval: 100 });
    expect(scored.score).toBeGreaterThanOrEqual(60);
    expect(scored.score).toBeLessThan(75); // room below the cap for the manual inquiry to show

    // A lead whose name is an HTML payload, entered by hand.
    const xss = await owner.post('/v1/leads', { name: XSS_NAME, email: 'xss@example.com' });
    expect(xss.status).toBe(201);
    xssLeadId = xss.body.leadId;
  });

  it('the dashboard lists the hot lead first and renders a hostile name as text', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
    const rows = page.locator('.leads-table tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const first = rows.first();
    expect(await first.locator('.lead-name').textContent()).toBe('Dana Whitaker');
    expect(await first.locator('.badge').textContent()).toBe('Hot');
    expect(await first.textContent()).toContain('dana.whitaker@example.com');
    // The site's name comes from the site list, fetched apart from the leads: wait for it to render.
    await first.filter({ hasText: 'Oak Realty' }).waitFor();

    // Sorting by a header: a second click reverses Score; Last activity (newest first, no reverse)
    // is then a plain label, not a button whose click does nothing.
    const header = (name: string) => page.locator('.leads-table thead th', { hasText: name });
    await header('Score').getByRole('button').click();
    await page.waitForURL(/sort=score_asc/);
    await header('Last activity').getByRole('button').click();
    await page.waitForURL(/sort=last_activity/);
    expect(await header('Last activity').getAttribute('aria-sort')).toBe('descending');
    expect(await header('Last activity').getByRole('button').count()).toBe(0);
    expect(await header('Score').getByRole('button').count()).toBe(1);
    // The band chips count the whole account; beside a search they would contradict the list, so they show no numbers.
    await page.goto(`${suite.server.url}/app/leads`);
    await rows.nth(1).waitFor();
    await expect.poll(() => page.locator('.band-counts .chip', { hasText: 'All' }).locator('.chip-count').textContent()).toBe('2');
    await page.goto(`${suite.server.url}/app/leads?q=nobody-by-this-name`);
    await page.getByText('No leads match', { exact: false }).first().waitFor();
    expect(await page.locator('.band-counts .chip-count').count()).toBe(0);
    await page.goto(`${suite.server.url}/app/leads`);
    await rows.nth(1).waitFor();

    // The hostile name is literal text; nothing was parsed out of it.
    const xssRow = rows.nth(1);
    expect(await xssRow.locator('.lead-name').textContent()).toBe(XSS_NAME);
    expect(await page.locator('.leads-table img').count()).toBe(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);

    // Filters live in the URL: the hot chip narrows the list and survives a reload.
    await page.getByRole('button', { name: 'Hot' }).click();
    await page.waitForURL((url) => url.search === '?band=hot');
    await page.waitForFunction(() => document.querySelectorAll('.leads-table tbody tr').length === 1);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.leads-table tbody tr').length === 1);
    expect(await page.getByRole('button', { name: 'Hot' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/v1/leads/export.csv?band=hot');
    await page.getByLabel('Search leads').fill('nobody-matches-this');
    await page.getByRole('heading', { name: 'No leads match these filters' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.waitForURL((url) => url.pathname === '/app/leads' && url.search === '');
    await rows.nth(1).waitFor();
    expect(await page.getByLabel('Search leads').inputValue()).toBe('');
    // Export CSV is a plain download of the current filters, with the session cookie.
    const exportLink = page.getByRole('link', { name: 'Export CSV' });
    expect(await exportLink.getAttribute('href')).toBe('/v1/leads/export.csv');
    const csv = await page.request.get(`${suite.server.url}/v1/leads/export.csv?band=hot`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const csvText = await csv.text();
    expect(csvText).toContain('Dana Whitaker');
    expect(csvText).not.toContain('xss@example.com');
    await saveScreenshot(page, 'leads-01-dashboard');

    // The detail page of the hostile lead shows the name as text too.
    await xssRow.getByRole('link').click();
    await page.waitForURL((url) => url.pathname === `/app/leads/${xssLeadId}`);
    await page.getByRole('heading', { name: XSS_NAME, level: 1 }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    await page.close();
  });

  it('the lead page explains the score, shows the timeline, and a manual inquiry raises the score', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator('.leads-table tbody tr').first().getByRole('link', { name: 'Dana Whitaker' }).click();
    await page.waitForURL((url) => url.pathname === `/app/leads/${hotLeadId}`);
    await page.getByRole('heading', { name: 'Dana Whitaker', level: 1 }).waitFor();

    // Why this score: the inquiry and the other signals, with their points.
    const breakdown = page.locator('.breakdown');
    await breakdown.waitFor();
    const labels = await breakdown.locator('.breakdown-label').allTextContents();
    expect(labels).toContain('Inquiry');
    expect(labels).toContain('Showing request');
    expect(labels).toContain('Mortgage calculator');
    expect(await breakdown.locator('.breakdown-item', { hasText: 'Inquiry' }).locator('.breakdown-points').textContent()).toBe('+40');
    // The reasons add up to the points the note under them gives (whole points both).
    const shownPoints = (await breakdown.locator('.breakdown-points').allTextContents()).reduce((sum, t) => sum + Number(t.replace('+', '')), 0);
    expect(await page.locator('.score-footnote').textContent()).toMatch(new RegExp(`^${shownPoints} points`));

    // The timeline: the inquiry's message (as text) and the events in words.
    const timeline = page.locator('.timeline');
    await timeline.getByText(INQUIRY_MESSAGE).waitFor();
    // Events are grouped into visits (one summary line each); the events themselves sit inside.
    const titles = await timeline.locator('.timeline-title, .visit-event-title').allTextContents();
    expect(titles).toContain('Inquiry from the website form');
    expect(titles.some((t) => t.startsWith('Visit · '))).toBe(true);
    // A listing reads by its title once the site's listings know it, else by its ref.
    expect(titles).toContainEqual(expect.stringMatching(/^Viewed (listing oak-12|12 Oak Street)/));
    expect(titles).toContain('Used mortgage calculator');
    expect(titles).toContainEqual(expect.stringMatching(/^Requested a showing of (oak-12|12 Oak Street)/));
    const before = await shownScore(page);
    expect(before).toBe((await leadRow(hotLeadId)).score);
    await saveScreenshot(page, 'leads-02-lead-detail');

    // A phone call, added by hand: the worker rescores and the page shows the change.
    await page.getByLabel('Message').fill('Called: wants a second showing and asked about offers.');
    await page.getByLabel('Listing (optional)').fill('oak-12');
    await page.getByRole('button', { name: 'Add inquiry' }).click();
    await page.locator('.score-change').waitFor({ timeout: 20_000 });
    const after = await shownScore(page);
    // A further inquiry earns 25 points with the defaults; above 50 points the score map turns
    // them into fewer score points, but always some.
    expect(after).toBeGreaterThan(before);
    const [points] = await suite.server.sql<{ points: number }>("select (score_breakdown->>'points')::float as points from leads where lead_id = $1", [hotLeadId]);
    expect(after).toBe(Math.round(scoreForPoints(points.points)));
    expect(points.points).toBeGreaterThanOrEqual(before + 24);
    expect(await page.locator('.score-change').textContent()).toContain(`from ${before} to ${after}`);
    expect(after).toBe((await leadRow(hotLeadId)).score);
    // The timeline loads again in place and shows the inquiry.
    await page.locator('section[aria-labelledby="timeline-title"]').getByText('Called: wants a second showing', { exact: false }).first().waitFor();
    await page.locator('.timeline').getByText('Called: wants a second showing and asked about offers.').waitFor();
    expect(await page.locator('.timeline-title').first().textContent()).toBe('Inquiry added by you');
    expect(await breakdown.locator('.breakdown-label', { hasText: /^Inquiries$/ }).count()).toBe(1);

    // Status saves immediately.
    await page.getByLabel('Status').selectOption('contacted');
    await page.getByText('Status changed to Contacted.').waitFor();
    const [status] = await suite.server.sql<{ status: string }>('select status from leads where lead_id = $1', [hotLeadId]);
    expect(status.status).toBe('contacted');
    await saveScreenshot(page, 'leads-03-lead-detail-after-inquiry');

    // Unknown ids get a friendly not-found page.
    await page.goto(`${suite.server.url}/app/leads/${randomUUID()}`);
    await page.getByRole('heading', { name: 'Lead not found' }).waitFor();
    await page.close();
  });

  it('raising the hot threshold previews one change, rescores with progress, and the dashboard shows warm', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/scoring`);
    await page.getByRole('heading', { name: 'Scoring rules', level: 1 }).waitFor();
    const hot = page.getByLabel('Hot from');
    expect(await hot.inputValue()).toBe('60');
    const score = (await leadRow(hotLeadId)).score;
    // Hot now starts above the lead's score: it would drop to warm.
    await hot.fill(String(Math.min(100, score + 5)));

    await page.getByRole('button', { name: 'Preview impact' }).click();
    const preview = page.locator('.preview-result');
    await preview.waitFor();
    expect(await preview.locator('.preview-headline').textContent()).toMatch(/^1 of 2 sampled leads would change band/);
    expect(await preview.textContent()).toContain('Hot → warm: 1');

    await page.getByRole('button', { name: 'Save and rescore' }).click();
    const progress = page.getByRole('progressbar', { name: 'Rescore progress' });
    const finished = page.getByRole('heading', { name: 'Rescore finished' });
    await Promise.race([progress.waitFor(), finished.waitFor()]);
    if (await progress.isVisible()) {
      expect(Number(await progress.getAttribute('aria-valuemax'))).toBeGreaterThanOrEqual(0);
      // The viewport, not the full page: the action bar is sticky to the viewport's bottom.
      await saveScreenshot(page, 'leads-04-scoring-rescore-progress', { fullPage: false });
    }
    await finished.waitFor({ timeout: 30_000 });
    expect(await page.locator('.card-success').textContent()).toContain('All 2 leads now use version 1');
    // The save's notice confirms the save only: no "Rescoring…" beside "Rescore finished".
    expect((await page.locator('.toast').allTextContents()).join(' ')).not.toContain('Rescoring');
    await saveScreenshot(page, 'leads-05-scoring-rescore-finished', { fullPage: false });
    const [rules] = await suite.server.sql<{ version: number }>('select max(version)::int as version from scoring_rules');
    expect(rules.version).toBe(1);

    // The dashboard reflects the new band.
    await page.getByRole('link', { name: 'Leads', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/app/leads');
    const first = page.locator('.leads-table tbody tr').first();
    await first.waitFor();
    expect(await first.locator('.lead-name').textContent()).toBe('Dana Whitaker');
    expect(await first.locator('.badge').textContent()).toBe('Warm');
    expect((await leadRow(hotLeadId)).score_band).toBe('warm');
    await page.close();
  });

  it('unsaved rule edits ask before leaving; saving unchanged rules says nothing changed and creates no version', { timeout: 60_000 }, async () => {
    const page = await newPage();
    // This test answers the leave prompts itself (the shared handler dismisses and records them).
    page.removeAllListeners('dialog');
    await page.goto(`${suite.server.url}/app/scoring`);
    await page.getByRole('heading', { name: 'Scoring rules', level: 1 }).waitFor();
    const versions = async () => (await suite.server.sql<{ n: number }>('select count(*)::int as n from scoring_rules'))[0].n;
    const before = await versions();

    // Saving what is already saved: a notice, no new version, no rescore.
    await page.getByRole('button', { name: 'Save and rescore' }).click();
    await page.locator('.toast', { hasText: 'Nothing changed' }).waitFor();
    expect(await versions()).toBe(before);
    expect(await page.getByRole('heading', { name: 'Rescoring your leads…' }).count()).toBe(0);

    // An edit, then a link away: the page asks; dismissing keeps the edit on screen.
    const warm = page.getByLabel('Warm from');
    await warm.fill('23');
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('link', { name: 'Leads', exact: true }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('not saved');
    expect(new URL(page.url()).pathname).toBe('/app/scoring');
    expect(await warm.inputValue()).toBe('23');

    // Asked again, accepting leaves and discards the edit.
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('link', { name: 'Leads', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/app/leads');
    expect(asked).toHaveLength(2);
    expect(await versions()).toBe(before);
    await page.close();
  });

  it('analytics chart the seeded activity', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/analytics?days=7`);
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await page.locator('.events-chart canvas').first().waitFor();
    expect(await page.locator('.events-chart canvas').count()).toBeGreaterThan(0);
    const caption = (await page.locator('#events-chart-title + p').textContent()) ?? '';
    expect(caption).toMatch(/Page views [1-9]\d*/);
    expect(caption).toMatch(/Tool uses [1-9]\d*/);
    // Leads per band: one warm (after the rules change) and one cold.
    const bands = page.locator('.bar-list');
    expect(await bands.locator('.bar-row', { hasText: 'Warm' }).locator('.bar-value').textContent()).toMatch(/^1\b/);
    expect(await bands.locator('.bar-row', { hasText: 'Cold' }).locator('.bar-value').textContent()).toMatch(/^1\b/);
    expect(await page.locator('.listing-ref').first().textContent()).toBe('oak-12');
    // The site filter goes into the URL.
    await page.getByLabel('Site', { exact: true }).selectOption(siteId);
    await page.waitForURL((url) => url.searchParams.get('site') === siteId && url.searchParams.get('days') === '7');
    await page.locator('.events-chart canvas').first().waitFor();
    await saveScreenshot(page, 'leads-06-analytics');
    await page.close();
  });

  it('deletes a lead behind a confirmation that says what is erased', { timeout: 30_000 }, async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/leads/${xssLeadId}`);
    await page.getByRole('button', { name: 'Delete lead…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('every inquiry');
    expect(await dialog.textContent()).toContain('reminders');
    await dialog.getByRole('button', { name: 'Delete lead' }).click();
    await page.waitForURL((url) => url.pathname === '/app/leads');
    await page.getByText(`Deleted ${XSS_NAME} and everything recorded about them.`).waitFor();
    expect(await suite.server.sql('select 1 from leads where lead_id = $1', [xssLeadId])).toEqual([]);
    await page.close();
  });

  it('no page raised an alert, a script error or a CSP violation', () => {
    expect(dialogs).toEqual([]);
    expect(suite.pageErrors).toEqual([]);
  });
});
