// Deleting the account from Account & security in Chromium against the real API, worker and an
// SMTP server, at 1440×900 and 390×844: the section says what will be erased; the dialog needs the
// current password and DELETE typed; a wrong password is explained in the dialog and deletes
// nothing; the right one signs the browser out to the login page with "Your account was deleted",
// after which logging in with the old credentials fails. Screenshots go to test-results/screenshots.
// Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LOGIN_FAILED_MESSAGE } from '#api/routes/auth.routes.ts';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useMailBrowserSuite } from '#test/browser-mail-suite.ts';
import { makeLeads, makeRealtor, makeSite, type Realtor } from '#test/factories.ts';

const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;

const suite = useMailBrowserSuite();

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await suite.browser.newContext({ viewport });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  return page;
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${suite.server.url}/app/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/app/today');
}

/** A realtor with two sites and three leads, signed in only in the browser. */
async function realtorWithData(): Promise<Realtor> {
  const r = await makeRealtor(suite.server);
  const site = await makeSite(r);
  await makeSite(r);
  await makeLeads(suite.server, [1, 2, 3].map(() => ({ userId: r.userId, siteId: site.siteId })));
  expect((await r.client.post('/v1/auth/logout')).status).toBe(204);
  return r;
}

describe.each(Object.entries(VIEWPORTS))('deleting the account at %s', (name, viewport) => {
  it('a wrong password is refused in the dialog; the right one and DELETE sign out to the login page with the notice; the old login fails', { timeout: 90_000 }, async () => {
    const r = await realtorWithData();
    const page = await newPage(viewport);
    await logIn(page, r.email, r.password);
    await page.goto(`${suite.server.url}/app/account`);
    const section = page.locator('section[aria-labelledby="account-delete-title"]');
    await section.getByText('erases 3 leads').waitFor();
    await expect.poll(() => section.textContent()).toContain('stops your 2 sites');
    await section.scrollIntoViewIfNeeded();
    await expectNoHorizontalOverflow(page, `account page ${name}`);
    await saveScreenshot(page, `account-delete-section-${name}`, { fullPage: false });

    // The dialog: focus starts on Cancel; Escape closes it and gives focus back to the button.
    const open = section.getByRole('button', { name: 'Delete account…' });
    await open.click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await open.evaluate((el) => el === document.activeElement)).toBe(true);

    // Without DELETE typed, nothing is sent.
    await open.click();
    await dialog.getByLabel('Current password').fill(r.password);
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await dialog.getByText('Type DELETE in capitals to confirm').waitFor();
    // A wrong password: explained under the field and in the dialog; nothing deleted.
    await dialog.getByLabel('Current password').fill('not the password');
    await dialog.getByLabel('Type DELETE to confirm').fill('DELETE');
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    // Polled as text, so a failure shows what the dialog said instead (it timed out once in CI, 2026-12-01).
    await expect.poll(async () => (await dialog.getByRole('alert').allTextContents()).join(' | ')).toContain('Your current password is not correct: nothing was deleted.');
    expect(await dialog.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel('Current password').evaluate((el) => el === document.activeElement)).toBe(true);
    await expectNoHorizontalOverflow(page, `delete dialog ${name}`);
    await saveScreenshot(page, `account-delete-wrong-password-${name}`, { fullPage: false });
    expect(await suite.server.sql('select deleted_at from users where user_id = $1', [r.userId])).toEqual([{ deleted_at: null }]);

    // The right password, confirmed from the keyboard (Enter in the field): signed out, on the login page, told.
    await dialog.getByLabel('Current password').fill(r.password);
    await dialog.getByLabel('Current password').press('Enter');
    await page.waitForURL((url) => url.pathname === '/app/login');
    await page.getByText('Your account was deleted.').waitFor();
    await saveScreenshot(page, `account-delete-done-${name}`, { fullPage: false });
    expect((await suite.server.sql<{ deleted_at: Date | null }>('select deleted_at from users where user_id = $1', [r.userId]))[0]?.deleted_at ?? 'erased').not.toBeNull();
    await suite.smtp.waitFor((m) => m.envelope.to.includes(r.email) && /Your Porchlight account was deleted/.test(m.subject));

    // The old credentials no longer log in; the app stays signed out.
    await page.getByLabel('Email').fill(r.email);
    await page.getByLabel('Password').fill(r.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText(LOGIN_FAILED_MESSAGE).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/login');
    await page.goto(`${suite.server.url}/app/account`);
    await page.waitForURL((url) => url.pathname === '/app/login');
  });
});

describe('an account without data', () => {
  it('says there is nothing but the settings to erase', async () => {
    const r = await makeRealtor(suite.server);
    expect((await r.client.post('/v1/auth/logout')).status).toBe(204);
    const page = await newPage(VIEWPORTS.desktop);
    await logIn(page, r.email, r.password);
    await page.goto(`${suite.server.url}/app/account`);
    await page.locator('section[aria-labelledby="account-delete-title"]').getByText('It holds no sites or leads yet.').waitFor();
  });
});

describe('a confirmation pressed twice at once', () => {
  it('sends one DELETE (two Enter key presses in one task, before the busy state renders)', async () => {
    const r = await makeRealtor(suite.server);
    expect((await r.client.post('/v1/auth/logout')).status).toBe(204);
    const page = await newPage(VIEWPORTS.desktop);
    await logIn(page, r.email, r.password);
    await page.goto(`${suite.server.url}/app/account`);
    const deletes: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'DELETE' && new URL(req.url()).pathname === '/v1/account') deletes.push(req.url());
    });
    await page.locator('section[aria-labelledby="account-delete-title"]').getByRole('button', { name: 'Delete account…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await dialog.getByLabel('Type DELETE to confirm').fill('DELETE');
    const password = dialog.getByLabel('Current password');
    await password.fill(r.password);
    await password.evaluate((el) => {
      for (let i = 0; i < 2; i++) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    });
    await page.waitForURL((url) => url.pathname === '/app/login');
    await page.getByText('Your account was deleted.').waitFor();
    expect(deletes).toHaveLength(1);
  });
});
