// The admin SPA in a real browser against the real API and Postgres (run `npm run build:admin`
// first: the test server serves dist/admin at /app). Screenshots go to test-results/screenshots.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';

const suite = useBrowserSuite();

const EMAIL = `Dana.${Date.now()}@Example.com`;
const PASSWORD = 'correct horse battery';

async function newPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
  const context = await suite.browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Waits until the app shows `path` (client-side navigations do not fire load events). */
async function expectPath(page: Page, path: string): Promise<void> {
  await page.waitForURL((url) => url.pathname + url.search === path);
}

/** Submits the login form; resolves with the status of the API's answer. */
async function logIn(page: Page, email: string, password: string): Promise<number> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/auth/login')),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
  return response.status();
}

describe('admin shell', () => {
  let siteId = '';

  it('signs up, logs out, logs back in, creates a site, shows its snippet and edits its origins', { timeout: 60_000 }, async () => {
    const page = await newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) pageErrors.push(msg.text());
    });

    // A guest is sent to the login page, which remembers where they were going.
    await page.goto(`${suite.server.url}/app/`);
    await expectPath(page, '/app/login?next=%2F');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await saveScreenshot(page, 'admin-01-login');

    // Signup: client-side validation first, with a focused error summary and per-field errors.
    await page.getByRole('link', { name: 'Create an account' }).click();
    await expectPath(page, '/app/signup?next=%2F');
    await page.getByLabel('Your name').fill('Dana Realtor');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const summary = page.getByRole('alert');
    await summary.waitFor();
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('Use at least 10 characters').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'admin-02-signup-errors');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    // Home is Today; a new account is pointed at setting up a site.
    await expectPath(page, '/app/today');
    await page.getByRole('heading', { name: 'No leads yet' }).waitFor();
    await page.getByRole('link', { name: 'Set up a site' }).click();
    await expectPath(page, '/app/sites');
    await page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    expect(await page.locator('.user-name').textContent()).toContain('Dana Realtor');
    await saveScreenshot(page, 'admin-03-sites-empty');

    // Log out, then a wrong password is refused with the API's message.
    await page.getByRole('button', { name: 'Log out' }).click();
    await expectPath(page, '/app/login');
    await logIn(page, EMAIL, 'not the password');
    await page.getByRole('alert').getByText('Invalid email or password').waitFor();
    await saveScreenshot(page, 'admin-04-login-failed');

    await logIn(page, EMAIL.toLowerCase(), PASSWORD);
    await expectPath(page, '/app/today');
    await page.getByRole('navigation').getByRole('link', { name: 'Sites' }).click();
    await expectPath(page, '/app/sites');

    // Create a site: an origin with a path is caught before sending.
    await page.getByRole('button', { name: 'Add your first site' }).click();
    await page.getByLabel('Site name').fill('Oak Realty');
    await page.getByLabel('Allowed origins').fill('https://oakrealty.example\noakrealty.example/listings');
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByText('Line 2:', { exact: false }).first().waitFor();
    expect(await page.getByLabel('Allowed origins').getAttribute('aria-invalid')).toBe('true');
    await saveScreenshot(page, 'admin-05-site-form-errors');

    await page.getByLabel('Allowed origins').fill('https://OakRealty.example/');
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByRole('heading', { name: '“Oak Realty” is ready' }).waitFor();
    const snippet = (await page.locator('.code-snippet-body').first().textContent()) ?? '';
    const [siteRow] = await suite.server.sql<{ site_id: string; public_key: string }>('select site_id, public_key from sites');
    siteId = siteRow.site_id;
    expect(siteRow.public_key).toMatch(/^pk_/);
    expect(snippet).toContain(`data-site="${siteRow.public_key}"`);
    expect(snippet).toContain(`${suite.server.url}/w.js`);

    // Copy gives visible and announced feedback.
    await page.getByRole('button', { name: 'Copy snippet' }).first().click();
    await page.getByText('Copied to clipboard').waitFor({ state: 'attached' });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet.trim());

    // The list: name, key, origin count and the install check.
    const row = page.getByRole('row', { name: /Oak Realty/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('1 origin');
    expect(await row.textContent()).toContain('Last event: never');
    expect(await row.textContent()).toContain(siteRow.public_key);
    await saveScreenshot(page, 'admin-06-site-created');

    // Detail page: edit origins and Do-Not-Track.
    await page.getByRole('link', { name: 'Oak Realty' }).click();
    await expectPath(page, `/app/sites/${siteId}`);
    await page.getByRole('heading', { name: 'Oak Realty', level: 1 }).waitFor();
    const origins = page.getByLabel('Allowed origins');
    expect(await origins.inputValue()).toBe('https://oakrealty.example');
    await origins.fill('https://oakrealty.example\nhttps://www.oakrealty.example\nhttp://localhost:8080');
    await page.getByLabel('Respect Do-Not-Track').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Settings saved.').waitFor();
    await saveScreenshot(page, 'admin-07-site-detail');

    // Postgres holds what the UI showed.
    const users = await suite.server.sql<{ user_id: string; username: string; email: string; password_hash: string }>(
      'select user_id, username, email, password_hash from users',
    );
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: 'Dana Realtor', email: EMAIL.toLowerCase() });
    expect(users[0].password_hash).not.toContain(PASSWORD);
    const [site] = await suite.server.sql<{ user_id: string; name: string; allowed_origins: string[]; settings: { respectDnt: boolean }; enabled: boolean }>(
      'select user_id, name, allowed_origins, settings, enabled from sites where site_id = $1',
      [siteId],
    );
    expect(site).toEqual({
      user_id: users[0].user_id,
      name: 'Oak Realty',
      allowed_origins: ['https://oakrealty.example', 'https://www.oakrealty.example', 'http://localhost:8080'],
      settings: { respectDnt: false, requireConsent: true },
      enabled: true,
    });

    // Reminders: nothing yet, and a way to start (test/e2e/reminders.e2e.test.ts covers the rest).
    await page.getByRole('link', { name: 'Reminders' }).click();
    await expectPath(page, '/app/reminders');
    await page.getByRole('heading', { name: 'No reminders yet' }).waitFor();
    await saveScreenshot(page, 'admin-11-reminders-empty');
    expect(pageErrors).toEqual([]);
  });

  it('a failing login shows "Invalid email or password"', async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/login`);
    await logIn(page, 'nobody@example.com', 'whatever-password');
    const alert = page.getByRole('alert');
    await alert.getByText('Invalid email or password').waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe('nobody@example.com');
    expect(page.url()).toBe(`${suite.server.url}/app/login`);
  });

  it('returns to a deep link after logging in, and deletes a site behind a confirmation', async () => {
    expect(siteId).not.toBe('');
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/sites/${siteId}`);
    await expectPath(page, `/app/login?next=${encodeURIComponent(`/sites/${siteId}`)}`);
    await logIn(page, EMAIL, PASSWORD);
    await expectPath(page, `/app/sites/${siteId}`);
    await page.getByRole('heading', { name: 'Oak Realty', level: 1 }).waitFor();
    await saveScreenshot(page, 'admin-08-site-detail-mobile');

    // The narrow layout folds the navigation behind a Menu button.
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('link', { name: 'Webhooks' }).waitFor();
    await menu.click();
    // Escape closes it too, from a link inside it, and gives the focus back to the Menu button.
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('link', { name: 'Webhooks' }).focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
    await page.getByRole('link', { name: 'Webhooks' }).waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.classList.contains('nav-toggle'))).toBe(true);

    await page.getByRole('button', { name: 'Delete site…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Oak Realty”?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('analytics events');
    // Focus starts on the safe choice.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await saveScreenshot(page, 'admin-09-delete-dialog', { fullPage: false });

    await dialog.getByRole('button', { name: 'Delete site' }).click();
    await expectPath(page, '/app/sites');
    await page.getByText('Deleted “Oak Realty” and its analytics events.').waitFor();
    await page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    expect(await suite.server.sql('select 1 from sites where site_id = $1', [siteId])).toEqual([]);

    // An unknown id is a friendly not-found page.
    await page.goto(`${suite.server.url}/app/sites/${crypto.randomUUID()}`);
    await page.getByRole('heading', { name: 'Site not found' }).waitFor();

    // When the session ends server-side, the next API call (a 401) sends the user to log in again.
    await suite.server.sql('delete from sessions');
    await page.getByRole('link', { name: 'Back to your sites' }).click();
    await expectPath(page, `/app/login?next=${encodeURIComponent('/sites')}`);
    await page.getByText('Your session has ended. Log in to continue.').waitFor();
  });

  it('tells a user who keeps failing to log in when to try again', async () => {
    const page = await newPage();
    await page.goto(`${suite.server.url}/app/login`);
    const email = 'locked.out@example.com';
    // The API allows 10 failures per email per window, then answers 429 with Retry-After.
    for (let i = 0; i < 10; i++) {
      expect(await logIn(page, email, `wrong-password-${i}`)).toBe(401);
      await page.getByRole('alert').getByText('Invalid email or password').waitFor();
    }
    expect(await logIn(page, email, 'wrong-password-again')).toBe(429);
    const alert = page.getByRole('alert').getByText(/Too many attempts, try again in \d+ seconds/);
    await alert.waitFor();
    await saveScreenshot(page, 'admin-10-login-rate-limited');
  });
});
