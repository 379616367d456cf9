// A website owner's install, in Chromium against the real API, Postgres and Redis: the first-run
// card wires the example listing site to the new realtor's own account; each of the three
// snippets the site page shows, pasted into a page served locally, works (events stored / inline
// form / button opening the form); the install check turns from "waiting" to "receiving from …"
// without a reload; a page on an origin that is not allowed shows up as blocked requests with a
// working "Add origin"; "Send a test inquiry" lands a "Test inquiry" lead; and the form takes a
// theme. Needs `npm run build` (the test server serves dist/). Screenshots at 1440×900 and 390×844
// go to test-results/screenshots; with UPDATE_DOCS_SCREENSHOTS=1 the two-theme picture is copied to
// widget/docs/form-themes.png (the one widget/README.md shows).
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { invalidateIngestSiteCache } from '#core/sites/resolve-ingest-site.ts';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { type ExampleServer, startExampleServer, useOwnSite } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
let worker: TestWorker;
const servers: ExampleServer[] = [];
const dirs: string[] = [];

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  worker = await startTestWorker(suite.server);
});
afterAll(async () => {
  await closeAll(...servers, worker);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function adminPage(realtor: Realtor, viewport = DESKTOP): Promise<Page> {
  return suite.adminPage(realtor.client, { viewport, permissions: ['clipboard-read', 'clipboard-write'] });
}

/** Serves `html` (a whole page body) on a new local origin, as a website owner's page would be. */
async function servePage(html: string): Promise<ExampleServer> {
  const dir = await mkdtemp(join(tmpdir(), 'porchlight-install-'));
  dirs.push(dir);
  await writeFile(join(dir, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Oak Realty</title></head><body>${html}</body></html>`);
  // The example server only needs a key to start; these pages carry their own snippet.
  const site = await startExampleServer({ port: 0, apiOrigin: suite.server.url, siteKey: 'pk_unused', publicDir: dir });
  servers.push(site);
  return site;
}

async function visitorPage(url: string, viewport = DESKTOP): Promise<Page> {
  const context = await suite.browser.newContext({ viewport });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => suite.pageErrors.push(`${url}: ${err.message}`));
  await page.goto(url);
  return page;
}

async function createSite(realtor: Realtor, allowedOrigins: string[] = []) {
  const res = await realtor.client.post('/v1/sites', { name: 'Oak Realty', allowedOrigins });
  expect(res.status).toBe(201);
  return res.body as { siteId: string; publicKey: string };
}

const allow = (realtor: Realtor, siteId: string, origins: string[]) => realtor.client.patch(`/v1/sites/${siteId}`, { allowedOrigins: origins });

describe('first run', () => {
  it('signup: the name field is autocomplete=name, and the email (the login) is what password managers save as the username', async () => {
    const context = await suite.browser.newContext({ viewport: PHONE });
    suite.contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/app/signup`);
    expect(await page.getByLabel('Your name').getAttribute('autocomplete')).toBe('name');
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username');
    expect(await page.getByLabel('Password').getAttribute('autocomplete')).toBe('new-password');
  });

  it('the onboarding card on an empty Leads page wires the example listing site to the new account, and its inquiry lands on that dashboard', { timeout: 90_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const page = await adminPage(realtor);
    await page.goto(`${suite.server.url}/app/leads`);
    const card = page.getByTestId('onboarding-card');
    await card.getByRole('heading', { name: 'Try it on the demo listing site' }).waitFor();
    await saveScreenshot(page, 'onboarding-card-1440');
    await card.getByRole('button', { name: 'Create the demo site' }).click();
    const command = card.locator('code').filter({ hasText: 'npm run example' });
    await command.waitFor();
    const text = (await command.textContent()) ?? '';
    const key = /^npm run example -- --site-key (pk_[\w-]+)$/.exec(text)?.[1];
    expect(key, text).toBeTruthy();
    await saveScreenshot(page, 'onboarding-card-created-1440');
    const sites = (await realtor.client.get('/v1/sites')).body.items;
    expect(sites).toMatchObject([{ name: 'Demo listing site', publicKey: key }]);

    // What `npm run example -- --site-key …` does: serve the example with that key and allow its origin.
    const example = await startExampleServer({ port: 0, apiOrigin: suite.server.url, siteKey: key! });
    servers.push(example);
    const own = await useOwnSite(suite.server.orm, key!, [example.url]);
    expect(own).toMatchObject({ siteKey: key, userId: realtor.userId, ownerEmail: realtor.email.toLowerCase() });
    invalidateIngestSiteCache(suite.server.orm.em);

    const visitor = await visitorPage(example.url);
    const form = visitor.locator('[data-porchlight-form]').first();
    await form.locator('form').waitFor();
    await form.getByLabel('Name').fill('Riley First-Run');
    await form.getByLabel('Email').fill('riley.firstrun@example.com');
    await form.getByLabel('Message').fill('Is 12 Oak Street still available?');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Send message' }).click();
    await form.getByRole('status').waitFor();

    await vi.waitFor(async () => {
      const leads = (await realtor.client.get('/v1/leads')).body.items;
      expect(leads.map((l: { name: string }) => l.name)).toContain('Riley First-Run');
    }, WAIT);
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Riley First-Run').first().waitFor();

    const phone = await adminPage(await makeRealtor(suite.server), PHONE);
    await phone.goto(`${suite.server.url}/app/sites`);
    await phone.getByTestId('onboarding-card').waitFor();
    await saveScreenshot(phone, 'onboarding-card-390');
  });
});

describe('install', () => {
  it('each of the three snippets works pasted into a page: events stored, inline form shown, button opens the form', { timeout: 90_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const site = await createSite(realtor);
    const admin = await adminPage(realtor);
    await admin.goto(`${suite.server.url}/app/sites/${site.siteId}`);
    const snippets: Record<string, string> = {};
    for (const key of ['tracking', 'inlineForm', 'buttonForm']) {
      const option = admin.locator(`[data-install=${key}]`);
      await option.getByRole('button', { name: 'Copy' }).waitFor();
      snippets[key] = (await option.locator('code').textContent()) ?? '';
    }
    // The copy button copies exactly what is shown.
    await admin.locator('[data-install=inlineForm]').getByRole('button', { name: 'Copy' }).click();
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(snippets.inlineForm);
    await saveScreenshot(admin, 'site-install-1440');

    const pages = {
      tracking: await servePage(`<h1>12 Oak Street</h1>${snippets.tracking}`),
      inlineForm: await servePage(`<h1>12 Oak Street</h1>${snippets.inlineForm}`),
      buttonForm: await servePage(`<h1>12 Oak Street</h1>${snippets.buttonForm}`),
    };
    expect((await allow(realtor, site.siteId, Object.values(pages).map((p) => p.url))).status).toBe(200);

    await visitorPage(pages.tracking.url);
    await vi.waitFor(async () => {
      const rows = await suite.server.sql<{ page_url: string }>(`select page_url from lead_analytics where site_id = $1 and event_type = 'page_view'`, [site.siteId]);
      expect(rows.map((r) => new URL(r.page_url).origin)).toContain(pages.tracking.url);
    }, WAIT);

    const inline = await visitorPage(pages.inlineForm.url);
    await inline.locator('[data-porchlight-form]').locator('form').waitFor({ state: 'visible' });
    expect(await inline.locator('[data-porchlight-form]').getByRole('button', { name: 'Send message' }).isVisible()).toBe(true);

    const button = await visitorPage(pages.buttonForm.url);
    await button.getByRole('button', { name: 'Ask about this home' }).click();
    const dialog = button.getByRole('dialog');
    await dialog.waitFor();
    await dialog.locator('input[name=name]').waitFor({ state: 'visible' });
  });

  it('the install check turns from waiting into "receiving from <origin>" without a reload, and a test inquiry lands as "Test inquiry"', { timeout: 90_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const site = await createSite(realtor);
    const page = await servePage(`<h1>Maple</h1><script async src="${suite.server.url}/w.js" data-site="${site.publicKey}"></script>`);
    await allow(realtor, site.siteId, [page.url]);

    const admin = await adminPage(realtor);
    await admin.goto(`${suite.server.url}/app/sites/${site.siteId}`);
    const check = admin.getByTestId('install-check');
    await check.getByText('Waiting for the first event…').waitFor();
    const navigations: string[] = [];
    admin.on('framenavigated', (f) => f === admin.mainFrame() && navigations.push(f.url()));

    await visitorPage(page.url);
    await check.getByText(`Receiving from ${page.url}`).waitFor({ timeout: 20_000 });
    expect(navigations).toEqual([]); // no reload
    // The badge in the header says it too, and it reads well (contrast is checked in admin/badge-contrast.test.ts).
    await admin.locator('.page-header .badge', { hasText: 'Receiving' }).first().waitFor();
    await saveScreenshot(admin, 'install-check-receiving-1440');

    await admin.getByRole('button', { name: 'Send a test inquiry' }).click();
    await admin.getByText('Test inquiry stored.').waitFor();
    // A second test replaces the first one's inquiry, and says so.
    await admin.getByRole('button', { name: 'Send a test inquiry' }).click();
    await admin.getByText('It replaced the previous test inquiry.').waitFor();
    await admin.getByRole('link', { name: 'Open the “Test inquiry” lead' }).click();
    await admin.getByRole('heading', { name: 'Test inquiry' }).first().waitFor();
    const leads = (await realtor.client.get('/v1/leads')).body.items;
    expect(leads.map((l: { name: string }) => l.name)).toEqual(['Test inquiry']);
    expect((await realtor.client.get(`/v1/leads/${leads[0].leadId}/inquiries`)).body.items).toHaveLength(1);
  });

  it('a page on an origin that is not allowed appears as blocked requests; "Add origin" fixes it', { timeout: 90_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const site = await createSite(realtor, ['https://www.hearth.example']);
    const wrong = await servePage(`<h1>Oak</h1><script async src="${suite.server.url}/w.js" data-site="${site.publicKey}"></script>`);
    const admin = await adminPage(realtor);
    await admin.goto(`${suite.server.url}/app/sites/${site.siteId}`);
    const check = admin.getByTestId('install-check');
    await check.getByText('Waiting for the first event…').waitFor();

    await visitorPage(wrong.url);
    const row = check.locator('.blocked-origin', { hasText: wrong.url });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toMatch(new RegExp(`\\d+ blocked requests? from ${wrong.url} in the last hour — add this origin\\?`));
    await check.getByText('every one in the last hour was refused').waitFor();
    expect(await admin.locator('.badge', { hasText: 'Receiving' }).count()).toBe(0);
    await saveScreenshot(admin, 'install-check-blocked-1440');
    // The sites list says so too.
    const list = await adminPage(realtor);
    await list.goto(`${suite.server.url}/app/sites`);
    const listRow = list.getByRole('row', { name: /Oak Realty/ });
    await listRow.locator('.badge', { hasText: 'Blocked' }).waitFor();
    expect(await listRow.locator('.badge', { hasText: 'Receiving' }).count()).toBe(0);

    const phone = await adminPage(realtor, PHONE);
    await phone.goto(`${suite.server.url}/app/sites/${site.siteId}`);
    await phone.getByTestId('install-check').locator('.blocked-origin').waitFor({ timeout: 20_000 });
    await phone.getByTestId('install-check').scrollIntoViewIfNeeded();
    await saveScreenshot(phone, 'install-check-blocked-390');

    await row.getByRole('button', { name: `Add origin ${wrong.url}` }).click();
    await row.waitFor({ state: 'detached' });
    expect((await realtor.client.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual(['https://www.hearth.example', wrong.url]);
    await visitorPage(wrong.url);
    await check.getByText(`Receiving from ${wrong.url}`).waitFor({ timeout: 20_000 });
  });
});

describe('themed form', () => {
  it('takes accent, font (inherited), radius, heading, button and labels from data attributes and custom properties; 16px inputs, 24px targets, each error shown once', { timeout: 90_000 }, async () => {
    const realtor = await makeRealtor(suite.server);
    const site = await createSite(realtor);
    const tag = `<script async src="${suite.server.url}/w.js" data-site="${site.publicKey}"></script>`;
    const page = await servePage(`
      <style>body{font-family:Georgia,serif;margin:0;padding:24px;background:#f4f1ea}.grid{display:flex;flex-wrap:wrap;gap:24px}.grid>div{flex:1 1 320px}
      .brand{--porchlight-accent:#0b4f8a;--porchlight-radius:20px;--porchlight-font:'Trebuchet MS',sans-serif}</style>
      <div class="grid">
        <div id="one" data-porchlight-form data-accent="#8a1538" data-radius="0" data-font="inherit" data-heading="Book a viewing"
          data-button="Request a viewing" data-label-name="Your name" data-label-message="Anything we should know?"></div>
        <div id="two" class="brand" data-porchlight-form></div>
      </div>${tag}`);
    await allow(realtor, site.siteId, [page.url]);

    for (const viewport of [DESKTOP, PHONE]) {
      const visitor = await visitorPage(page.url, viewport);
      const one = visitor.locator('#one');
      const two = visitor.locator('#two');
      await one.locator('form').waitFor({ state: 'visible' });
      await two.locator('form').waitFor({ state: 'visible' });
      expect(await one.getByRole('heading').textContent()).toBe('Book a viewing');
      expect(await one.getByLabel('Your name').count()).toBe(1);
      expect(await one.getByLabel('Anything we should know?').count()).toBe(1);
      const style = (loc: typeof one, selector: string, prop: string) => loc.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), prop);
      expect(await style(one, 'button[type=submit]', 'background-color')).toBe('rgb(138, 21, 56)');
      expect(await one.getByRole('button', { name: 'Request a viewing' }).count()).toBe(1);
      expect(await style(one, '.w', 'font-family')).toContain('Georgia');
      expect(await style(one, '.w', 'border-top-left-radius')).toBe('0px');
      expect(await style(two, 'button[type=submit]', 'background-color')).toBe('rgb(11, 79, 138)');
      expect(await style(two, '.w', 'border-top-left-radius')).toBe('20px');
      expect(await style(two, '.w', 'font-family')).toContain('Trebuchet MS');
      for (const selector of ['input[name=email]', 'textarea']) expect(await style(two, selector, 'font-size'), selector).toBe('16px');
      const box = await two.getByRole('checkbox').boundingBox();
      expect(box!.width).toBeGreaterThanOrEqual(24);
      expect(box!.height).toBeGreaterThanOrEqual(24);

      // Each error once on screen (the alert that announces it is visually hidden: a clipped 1×1 px box), in US English.
      await two.getByRole('button', { name: 'Send message' }).click();
      await vi.waitFor(async () => expect(await two.getByRole('alert').textContent()).toBe('Enter an email or a phone number'), WAIT);
      const visibleCopies = await two.evaluate((host) =>
        [...(host.shadowRoot?.querySelectorAll('p') ?? [])].filter((p) => p.textContent === 'Enter an email or a phone number' && p.getBoundingClientRect().width > 1).length,
      );
      expect(visibleCopies).toBe(1);
      expect(await two.getByText('Check the box so the agent may contact you').count()).toBe(1);
      const name = viewport === DESKTOP ? 'form-themes-1440' : 'form-themes-390';
      const path = await saveScreenshot(visitor, name);
      // The picture in widget/README.md; tests do not write into the source tree unless asked.
      if (viewport === DESKTOP && process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, new URL('../../widget/docs/form-themes.png', import.meta.url));
    }
  });
});
