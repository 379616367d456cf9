// What the public form reported but did not establish, in a real browser (issue #10, findings 3
// and 4): the lead page shows a contact detail reported by a stranger's form submission beside
// the lead (adoptable), the unverified flag and the consent record; the Filtered page lists a
// submission held back during a flood and releases it into a normal inquiry. Screenshots at
// 1440×900 and 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(44);
const WORDING = 'I agree that the agent may contact me about this inquiry.';
const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

const suite = useBrowserSuite({ TRUST_PROXY: 'true' });
let owner: ApiClient;
let userId: string;
let siteId: string;
let leadId: string;

const inquire = (body: Record<string, unknown>) =>
  sendIngest(`${suite.server.url}/v1/inquiries`, { site: body.site, id: randomUUID(), consent: true, consentText: WORDING, consentVersion: 'form-1', ...body }, { defaultOrigin: ORIGIN, nextIp: freshIp });

function openPage(viewport: { width: number; height: number }): Promise<Page> {
  return suite.adminPage(owner, { viewport, timeoutMs: 20_000 });
}

/** A submission held in the Filtered list, as the flood path stores it. */
async function holdSubmission(name: string, email: string, message: string): Promise<string> {
  const [row] = await suite.server.sql<{ filtered_inquiry_id: string }>(
    `insert into filtered_inquiries (filtered_inquiry_id, user_id, site_id, client_event_id, visitor_id, name, email, phone, message, listing_ref, page_url,
       consent_text, consent_version, consent_at, reason, received_at)
     values (gen_random_uuid(), $1, $2, gen_random_uuid(), null, $3, $4, null, $5, 'oak-12', null, $6, 'form-1', now(), 'site_budget', now())
     returning filtered_inquiry_id`,
    [userId, siteId, name, email, message, WORDING],
  );
  return row.filtered_inquiry_id;
}

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  ({ userId } = await owner.signUp({ username: 'Dana Realtor' }));
  const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteId = site.siteId;
  // The real person, then a stranger who knows their email and adds a phone and a name.
  expect((await inquire({ site: site.publicKey, name: 'Jordan Avery', email: 'jordan@example.com', message: 'Is 12 Oak St still available?' })).status).toBe(202);
  expect((await inquire({ site: site.publicKey, name: 'J. Avery', email: 'jordan@example.com', phone: '+1 555 010 6666', message: 'Call me on this number instead.' })).status).toBe(202);
  [{ lead_id: leadId }] = await suite.server.sql<{ lead_id: string }>("select lead_id from leads where email = 'jordan@example.com'");
}, 60_000);

describe('the lead page', () => {
  it('shows the reported phone beside the lead, the unverified inquiry and its consent; "Use as phone" adopts it', async () => {
    for (const { name, viewport } of SIZES) {
      const page = await openPage(viewport);
      await page.goto(`${suite.server.url}/app/leads/${leadId}`);
      const card = page.locator('section.form-reports');
      await card.getByText('Reported by the form on').first().waitFor();
      const phone = card.locator('li.form-report[data-kind="phone"]');
      expect(await phone.textContent()).toContain('+15550106666');
      expect(await card.getByText('Unverified', { exact: true }).count()).toBe(1);
      expect(await card.getByText(`“${WORDING}”`).count()).toBe(2);
      // The lead itself still has no phone.
      expect(await page.locator('body').textContent()).not.toMatch(/Phone\s*\+15550106666/);
      await expectNoHorizontalOverflow(page, name);
      await card.scrollIntoViewIfNeeded();
      await saveScreenshot(page, `form-reports-lead-${name}`);
    }

    const page = await openPage(SIZES[0].viewport);
    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    const card = page.locator('section.form-reports');
    await card.getByRole('button', { name: 'Use as phone' }).click();
    await card.getByText('Used as the lead’s phone').waitFor();
    const [row] = await suite.server.sql<{ phone: string }>('select phone from leads where lead_id = $1', [leadId]);
    expect(row.phone).toBe('+15550106666');
  });
});

/** The focused element's tag and accessible-ish name (aria-label, else its text). */
const focusedLabel = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return `${el?.tagName} ${el?.getAttribute('aria-label') ?? el?.textContent?.trim()}`;
  });

describe('the Filtered page', () => {
  it('lists a held submission, releases it into a normal inquiry, and deletes another after confirming', async () => {
    const releaseId = await holdSubmission('Riley Genuine', 'riley@example.com', 'We would love to see the house this weekend.');
    const deleteId = await holdSubmission('Spam Bot', 'junk-1@spam.example', 'cheap watches');
    for (const { name, viewport } of SIZES) {
      const page = await openPage(viewport);
      await page.goto(`${suite.server.url}/app/leads`);
      if (name === 'phone') await page.getByRole('button', { name: /menu/i }).click();
      await page.getByRole('link', { name: 'Filtered' }).click();
      await page.getByRole('heading', { name: 'Filtered inquiries' }).waitFor();
      await page.getByText('Riley Genuine').waitFor();
      await expectNoHorizontalOverflow(page, name);
      await saveScreenshot(page, `filtered-page-${name}`);
    }

    const page = await openPage(SIZES[1].viewport);
    await page.goto(`${suite.server.url}/app/filtered`);
    // The navigation counts what is held, so a flood is noticed from any page.
    expect(await page.getByTestId('filtered-count').textContent()).toBe('2 held');
    await page.getByRole('button', { name: 'Release the inquiry from Riley Genuine' }).click();
    const item = page.locator(`li[data-filtered-id="${releaseId}"]`);
    await item.getByText('Released', { exact: true }).waitFor();
    await item.getByRole('link', { name: 'Open the lead' }).waitFor();
    // The pressed Release is gone: focus moves on to the next held submission, not to <body>.
    await expect.poll(() => focusedLabel(page)).toBe('BUTTON Release the inquiry from Spam Bot');
    await saveScreenshot(page, 'filtered-page-released-phone');
    const [lead] = await suite.server.sql<{ lead_id: string; n: number }>(
      "select l.lead_id, (select count(*)::int from inquiries i where i.lead_id = l.lead_id) as n from leads l where l.email = 'riley@example.com'",
    );
    expect(lead.n).toBe(1);
    expect((await suite.server.sql('select 1 from filtered_inquiries where filtered_inquiry_id = $1', [releaseId])).length).toBe(0);

    await page.getByRole('button', { name: 'Delete the inquiry from Spam Bot' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('is erased for good').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Nothing filtered').waitFor();
    await page.getByTestId('filtered-count').waitFor({ state: 'detached' });
    // Nothing left to move on to: focus is on the page's heading.
    await expect.poll(() => focusedLabel(page)).toBe('H1 Filtered inquiries');
    expect((await suite.server.sql('select 1 from filtered_inquiries where filtered_inquiry_id = $1', [deleteId])).length).toBe(0);

    await item.waitFor({ state: 'detached' });
    await page.goto(`${suite.server.url}/app/leads/${lead.lead_id}`);
    await page.locator('section.form-reports').getByText('Matches the lead').waitFor();
  });

  it('“Delete all” erases what the list showed, counted in the dialog, and keeps what arrived since', async () => {
    const shown = [await holdSubmission('Flood One', 'junk-2@spam.example', 'spam'), await holdSubmission('Flood Two', 'junk-3@spam.example', 'spam')];
    const page = await openPage(SIZES[1].viewport);
    await page.goto(`${suite.server.url}/app/filtered`);
    await page.getByText('Flood Two').waitFor();
    // The flood goes on while the realtor reads the list.
    const later = await holdSubmission('Real Buyer', 'buyer@example.com', 'Can I see it Saturday?');
    await page.getByRole('button', { name: 'Delete all…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Delete 2 filtered inquiries?' }).waitFor();
    await dialog.getByText(/^2 held submissions received up to .+ will be erased for good; any that arrive after that are kept/).waitFor();
    await saveScreenshot(page, 'filtered-page-delete-all-phone');
    await dialog.getByRole('button', { name: 'Delete all', exact: true }).click();
    await page.getByText('Real Buyer').waitFor();
    await page.getByText('Flood One').waitFor({ state: 'detached' });
    // "Delete all…" is still there (Real Buyer waits): focus is back on it, not on <body>.
    await expect.poll(() => focusedLabel(page)).toBe('BUTTON Delete all…');
    const left = await suite.server.sql<{ filtered_inquiry_id: string }>('select filtered_inquiry_id from filtered_inquiries where user_id = $1', [userId]);
    expect(left.map((r) => r.filtered_inquiry_id)).toEqual([later]);
    expect(shown).not.toContain(later);
  });
});

describe('the navigation count of held submissions', () => {
  it('asks once when the tab comes back (the browser fires visibilitychange and focus), and again on a change in this tab', async () => {
    await holdSubmission('Tab Return', 'tab-return@spam.example', 'spam');
    const page = await openPage({ width: 1440, height: 900 });
    const isCount = (url: string) => new URL(url).pathname === '/v1/filtered-inquiries' && new URL(url).searchParams.get('limit') === '1';
    await page.goto(`${suite.server.url}/app/leads`);
    // The badge shows once the first answer has been read: that round is over, so the tab's return
    // below is not answered by a request still out (its response event comes before its body is read).
    await page.getByTestId('filtered-count').waitFor();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (isCount(r.url())) asked.push(r.url());
    });

    // The tab comes back: both events, as Chromium sends them.
    await Promise.all([
      page.waitForResponse((r) => isCount(r.url())),
      page.evaluate(() => {
        document.dispatchEvent(new Event('visibilitychange'));
        window.dispatchEvent(new Event('focus'));
      }),
    ]);
    // A second request would start as soon as that answer arrived: give it a moment to show.
    await expect(page.waitForRequest((r) => isCount(r.url()), { timeout: 1500 })).rejects.toThrow();
    expect(asked).toHaveLength(1);

    // A release or delete in this tab still asks at once.
    await Promise.all([page.waitForResponse((r) => isCount(r.url())), page.evaluate(() => window.dispatchEvent(new Event('porchlight:filtered-changed')))]);
    expect(asked).toHaveLength(2);
  });
});
