// The CSV contact import in a real browser against the real API and Postgres: the page opened from
// the Leads header (and from the empty state of an account with no leads), a file given to the
// file input, the dry run's mapping, counts and issues (a duplicate of an existing lead, an invalid
// row), a column mapped by hand changing the preview, the import, its leads in the list, and the
// undo (with confirmation) taking them away again. No sideways scrolling at 390×844; screenshots
// at 1440×900 and 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';
import { IMPORT_MAX_CSV_CHARS } from '../import-api.ts';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/**
 * Line 1 is the header; "Source" matches no field (ignored until mapped by hand); Avery has two
 * phones and a last contact, Blake's phone is in the "Home phone" column only. Line 4 is an existing lead's email, line 5 has no name, email
 * or phone, line 6 a status no lead can have.
 */
const CSV = [
  'Full name,Email,Phone,Home phone,Source,Lead status,Last contacted',
  'Avery Stone,avery@example.com,555-010-0171,555-010-0172,Zillow,Qualified,2026-11-20',
  'Blake Rivera,blake@example.com,,555-010-0182,Open house,,',
  'Riley Chen,riley@example.com,,,Referral,,',
  ',,,,Walk-in,,',
  'Casey Moss,casey.moss@example.com,,,Zillow,Maybe later,',
].join('\r\n');
const IMPORTED = ['Avery Stone', 'Blake Rivera', 'Casey Moss'];

const suite = useBrowserSuite();

/** A realtor with one lead, Riley Chen, whom the file repeats. */
async function realtorWithRiley(username: string): Promise<{ realtor: ApiClient; rileyId: string }> {
  const realtor = new ApiClient(suite.server.url);
  await realtor.signUp({ username });
  const rileyId = (await realtor.post('/v1/leads', { name: 'Riley Chen', email: 'riley@example.com' })).body.leadId as string;
  return { realtor, rileyId };
}

function openPage(realtor: ApiClient, viewport: { width: number; height: number }): Promise<Page> {
  const phone = viewport.width < 640;
  return suite.adminPage(realtor, { viewport, hasTouch: phone, isMobile: phone, timeoutMs: 20_000 });
}

/** Gives the file input the CSV and checks it; answers when the dry run's counts show. */
async function chooseAndCheck(page: Page, csv = CSV): Promise<void> {
  await page.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByText('contacts.csv', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Check file' }).click();
  await page.getByRole('heading', { name: 'What this file holds' }).waitFor();
}

/** The value of a count ("To create" → "3"). */
function count(page: Page, label: string) {
  return page.locator('.import-counts .kpi', { has: page.locator('.kpi-label', { hasText: label }) }).locator('.kpi-value');
}

async function leadCount(realtor: ApiClient): Promise<number> {
  return ((await realtor.get('/v1/leads?limit=50')).body.items as unknown[]).length;
}

describe('importing contacts from a CSV file', () => {
  it('opens from the Leads header, checks the file, follows a mapping changed by hand, imports, and undoes the import (1440×900)', { timeout: 90_000 }, async () => {
    const { realtor, rileyId } = await realtorWithRiley('Dana Importer');
    const page = await openPage(realtor, DESKTOP);
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator('.page-actions').getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/leads/import');
    // The defaults: imported people are contacts already, and the CRM hears nothing unless asked.
    expect(await page.getByLabel('Status for imported contacts').inputValue()).toBe('contacted');
    expect(await page.getByLabel('Send lead.created to my webhooks').isChecked()).toBe(false);
    await page.getByText('Nothing imported yet.').waitFor();

    // The sample file downloads, and imports as it is: two contacts, nothing to fix.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download a sample file' }).click()]);
    expect(download.suggestedFilename()).toBe('porchlight-contacts-sample.csv');
    const sample = await readFile((await download.path())!);
    await page.getByLabel('CSV file').setInputFiles({ name: 'sample.csv', mimeType: 'text/csv', buffer: sample });
    await page.getByRole('button', { name: 'Check file' }).click();
    await page.getByRole('heading', { name: 'What this file holds' }).waitFor();
    expect(await count(page, 'To create').textContent()).toBe('2');
    expect(await count(page, 'Invalid').textContent()).toBe('0');
    expect(await count(page, 'Warnings').textContent()).toBe('0');
    expect(await page.locator('.import-column select.is-ignored').count()).toBe(0);
    await page.getByLabel('CSV file').setInputFiles([]);
    await page.getByRole('heading', { name: 'What this file holds' }).waitFor({ state: 'detached' });

    // An empty file is refused at once, under the input; a file naming no contact column gets the server's reason (a summary that does not take focus).
    const fileInput = page.getByLabel('CSV file');
    await fileInput.setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    expect(await page.locator('#import-file-error[role="alert"]').textContent()).toBe('! “empty.csv” is empty.');
    expect(await fileInput.getAttribute('aria-invalid')).toBe('true');
    await fileInput.setInputFiles({ name: 'colours.csv', mimeType: 'text/csv', buffer: Buffer.from('Colour,Size\r\nblue,3\r\n') });
    await page.getByRole('button', { name: 'Check file' }).click();
    const refused = page.locator('.import-error[role="alert"]');
    await refused.getByText('Could not check this file').waitFor();
    expect(await refused.locator('li').allTextContents()).toEqual([expect.stringContaining('Map a column to name')]);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('form-error'))).toBe(false);

    await chooseAndCheck(page);
    // The detected mapping: one select per column, "Source" ignored, both phone columns kept, the home phone second.
    const mapping = [['Full name', 'name'], ['Email', 'email'], ['Phone', 'phone'], ['Home phone', 'phone'], ['Source', ''], ['Lead status', 'status'], ['Last contacted', 'lastContactedAt']];
    for (const [i, [header, field]] of mapping.entries()) expect(await page.getByLabel(`Column ${i + 1}: ${header}`, { exact: true }).inputValue(), header).toBe(field);
    const choice = (column: number) => page.locator('.import-column').nth(column - 1).locator('.import-column-choice');
    expect(await choice(3).textContent()).toBe('First choice');
    expect(await choice(4).textContent()).toBe('If “Phone” is empty or not valid');
    expect(await page.locator('.import-column-choice').count()).toBe(2);
    expect(await count(page, 'To create').textContent()).toBe('3');
    expect(await count(page, 'Already leads').textContent()).toBe('1');
    expect(await count(page, 'Invalid').textContent()).toBe('1');
    expect(await count(page, 'Warnings').textContent()).toBe('1');
    // The issues by line: the duplicate links to the lead who already has the email.
    const duplicate = page.locator('.import-issue[data-kind="duplicate"]');
    expect(await duplicate.locator('.import-issue-line').textContent()).toBe('Line 4');
    expect(await duplicate.getByRole('link', { name: 'Open the lead' }).getAttribute('href')).toBe(`/app/leads/${rileyId}`);
    expect(await page.locator('.import-issue[data-kind="invalid"] .import-issue-line').textContent()).toBe('Line 5');
    expect(await page.locator('.import-issue[data-kind="warning"] .import-issue-line').textContent()).toBe('Line 6');
    // The preview: the rows to create, each with its status (the file's, else the default).
    const preview = page.locator('.import-preview-table tbody tr');
    expect(await preview.count()).toBe(3);
    const avery = page.locator('.import-preview-table tr[data-line="2"]');
    expect(await avery.locator('td[data-label="Status"]').textContent()).toBe('Qualified');
    expect(await page.locator('.import-preview-table tr[data-line="3"] td[data-label="Status"]').textContent()).toBe('Contacted');
    // Avery's home phone, not the one kept, goes to the contact info.
    expect(await avery.locator('td[data-label="Other contact info"]').textContent()).toBe('avery@example.com · +15550100171 · +15550100172');
    // The last contact: shown in the preview, logged as the contact chosen here.
    expect(await avery.locator('td[data-label="Last contacted"]').textContent()).toBe('Nov 20, 2026');
    expect(await page.getByLabel('Log each “Last contacted” date as a').inputValue()).toBe('call');
    await page.getByLabel('Log each “Last contacted” date as a').selectOption('text');
    // Each row's phone from the first phone column holding one.
    expect(await avery.locator('td[data-label="Phone"]').textContent()).toBe('+15550100171');
    expect(await page.locator('.import-preview-table tr[data-line="3"] td[data-label="Phone"]').textContent()).toBe('+15550100182');
    await saveScreenshot(page, 'import-checked-1440', { fullPage: true });

    // "Source" mapped by hand to Other contact info: checked again, and the preview follows.
    await page.getByLabel('Column 5: Source', { exact: true }).selectOption('contactInfo');
    await avery.locator('td[data-label="Other contact info"]', { hasText: 'Zillow' }).waitFor();
    expect(await page.locator('.import-preview-table tr[data-line="3"] td[data-label="Other contact info"]').textContent()).toBe('Open house');
    expect(await leadCount(realtor)).toBe(1); // a dry run writes nothing

    // Leaving with a checked file not imported asks first; staying keeps the check.
    const asked = new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.dismiss();
      });
    });
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Leads' }).click();
    expect(await asked).toBe('This file is checked but not imported. Leave without importing it?');
    expect(new URL(page.url()).pathname).toBe('/app/leads/import');

    await page.getByRole('button', { name: 'Import 3 contacts' }).click();
    const result = page.locator('.import-result');
    await result.getByRole('heading', { name: 'Imported 3 contacts' }).waitFor();
    expect(await leadCount(realtor)).toBe(4);
    // The import is listed, with what is left of it.
    const listed = page.locator('.import-history-item', { hasText: 'contacts.csv' });
    await listed.getByText('3 remaining').waitFor();
    await saveScreenshot(page, 'import-done-1440', { fullPage: true });

    await result.getByRole('link', { name: 'See them in your leads' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    for (const name of IMPORTED) await page.locator('tr.lead-row', { hasText: name }).waitFor();
    // Only this import's leads, saying so: Riley, entered before, is not among them until "Show all leads".
    const note = page.locator('.import-filter-note');
    await note.getByText('Showing the leads imported from “contacts.csv”').waitFor();
    expect(await page.locator('tr.lead-row').count()).toBe(IMPORTED.length);
    // Each says where it came from: imported, not added by hand.
    await page.locator('tr.lead-row', { hasText: 'Avery Stone' }).getByText('Imported').waitFor();
    await saveScreenshot(page, 'import-leads-filtered-1440');
    await note.getByRole('button', { name: 'Show all leads' }).click();
    await page.locator('tr.lead-row', { hasText: 'Riley Chen' }).waitFor();
    expect(await note.count()).toBe(0);
    // Imported with the contact info mapped by hand.
    const [averyLead] = (await realtor.get('/v1/leads?q=avery')).body.items as Array<{ leadId: string; contactInfo: string; status: string }>;
    expect(averyLead).toMatchObject({ contactInfo: 'Zillow · +15550100172', status: 'qualified', lastContactedAt: '2026-11-20T00:00:00.000Z' });
    const averyActivities = (await realtor.get(`/v1/leads/${averyLead.leadId}/activities`)).body.items as Array<{ type: string }>;
    expect(averyActivities.map((a) => a.type)).toEqual(['text']);
    // Her page says where she came from, linking to the import's leads.
    await page.locator('tr.lead-row', { hasText: 'Avery Stone' }).getByRole('link', { name: 'Avery Stone' }).click();
    const origin = page.getByRole('link', { name: 'Imported from a file' });
    await origin.waitFor();
    expect(await origin.getAttribute('href')).toContain(`importId=${(await realtor.get('/v1/leads/imports')).body.items[0].importId}`);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();

    // Back on the import page, "Undo" from Recent imports asks first; Cancel keeps everything.
    await page.locator('.page-actions').getByRole('link', { name: 'Import' }).click();
    await listed.getByRole('button', { name: 'Undo the import of contacts.csv' }).click();
    const dialog = page.getByRole('dialog', { name: 'Undo this import?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await leadCount(realtor)).toBe(4);
    await listed.getByRole('button', { name: 'Undo the import of contacts.csv' }).click();
    await dialog.getByRole('button', { name: 'Delete 3 contacts' }).click();
    await page.getByText('Import undone: 3 contacts deleted.').waitFor();
    await listed.getByText('Undone', { exact: true }).waitFor();
    expect(await listed.getByRole('button', { name: /Undo/ }).count()).toBe(0);
    expect(await leadCount(realtor)).toBe(1);
    await saveScreenshot(page, 'import-undone-1440', { fullPage: true });

    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Leads' }).click();
    await page.locator('tr.lead-row', { hasText: 'Riley Chen' }).waitFor();
    for (const name of IMPORTED) expect(await page.locator('tr.lead-row', { hasText: name }).count(), name).toBe(0);
  });

  it('works on a phone: opened from the empty Leads page, nothing to scroll sideways, undone from the result (390×844)', { timeout: 90_000 }, async () => {
    const realtor = new ApiClient(suite.server.url);
    await realtor.signUp({ username: 'Pat Phone' });
    const page = await openPage(realtor, PHONE);
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByRole('heading', { name: 'No leads yet' }).waitFor();
    await page.getByRole('link', { name: 'Import contacts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    await expectNoHorizontalOverflow(page, 'import page 390');
    await saveScreenshot(page, 'import-start-390', { fullPage: true });

    // A file over the limit is refused in the browser, before anything is sent.
    let posted = 0;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/v1/leads/import')) posted++;
    });
    await page.getByLabel('CSV file').setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(IMPORT_MAX_CSV_CHARS + 1, 'a') });
    await page.getByText('“huge.csv” is too big to import').waitFor();
    expect(await page.getByRole('button', { name: 'Check file' }).isDisabled()).toBe(true);
    expect(posted).toBe(0);

    // Riley becomes a lead meanwhile: the file's line 4 is then a duplicate.
    await realtor.post('/v1/leads', { name: 'Riley Chen', email: 'riley@example.com' });
    await chooseAndCheck(page);
    expect(await count(page, 'To create').textContent()).toBe('3');
    expect(await count(page, 'Already leads').textContent()).toBe('1');
    expect(await count(page, 'Invalid').textContent()).toBe('1');
    await page.getByLabel('Column 5: Source', { exact: true }).selectOption('contactInfo');
    await page.locator('.import-preview-table tr[data-line="2"] td[data-label="Other contact info"]', { hasText: 'Zillow' }).waitFor();
    await expectNoHorizontalOverflow(page, 'import checked 390');
    await saveScreenshot(page, 'import-checked-390', { fullPage: true });

    await page.getByRole('button', { name: 'Import 3 contacts' }).click();
    const result = page.locator('.import-result');
    await result.getByRole('heading', { name: 'Imported 3 contacts' }).waitFor();
    await expectNoHorizontalOverflow(page, 'import done 390');
    await saveScreenshot(page, 'import-done-390', { fullPage: true });
    expect(await leadCount(realtor)).toBe(4);

    // The history's "3 remaining" links to the import's leads, on cards (opened in a second tab of
    // the same session, so this page keeps its result panel for the undo below).
    const href = await page.locator('.import-history-item', { hasText: 'contacts.csv' }).getByRole('link', { name: /3 remaining/ }).getAttribute('href');
    const leadsTab = await page.context().newPage();
    await leadsTab.goto(`${suite.server.url}${href}`);
    await leadsTab.locator('.import-filter-note').getByText('Showing the leads imported from “contacts.csv”').waitFor();
    for (const name of IMPORTED) await leadsTab.locator('.lead-card', { hasText: name }).waitFor();
    expect(await leadsTab.locator('.lead-card', { hasText: 'Riley Chen' }).count()).toBe(0);
    await expectNoHorizontalOverflow(leadsTab, 'import leads 390');
    await saveScreenshot(leadsTab, 'import-leads-filtered-390');
    await leadsTab.close();

    await result.getByRole('button', { name: 'Undo import' }).click();
    const dialog = page.getByRole('dialog', { name: 'Undo this import?' });
    await dialog.getByText('imported from “contacts.csv”').waitFor();
    await saveScreenshot(page, 'import-undo-confirm-390');
    await dialog.getByRole('button', { name: 'Delete 3 contacts' }).click();
    await result.getByRole('heading', { name: 'Import undone' }).waitFor();
    await page.locator('.import-history-item', { hasText: 'contacts.csv' }).getByText('Undone', { exact: true }).waitFor();
    expect(await leadCount(realtor)).toBe(1);
    await expectNoHorizontalOverflow(page, 'import undone 390');

    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator('.lead-card', { hasText: 'Riley Chen' }).waitFor();
    for (const name of IMPORTED) expect(await page.locator('.lead-card', { hasText: name }).count(), name).toBe(0);
    // The Leads header keeps its title and its three actions, Import among them, on a phone.
    await page.locator('.page-actions').getByRole('link', { name: 'Import' }).waitFor();
    await expectNoHorizontalOverflow(page, 'leads 390');
    await saveScreenshot(page, 'import-leads-header-390');
  });
});
