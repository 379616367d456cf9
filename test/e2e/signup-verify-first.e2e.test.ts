// Verify-first signup in Chromium against the real API, worker and an SMTP server (SIGNUP_VERIFY_FIRST
// is on by default with SMTP_URL): the signup page says "Check your email to continue.", logging in
// before confirming shows the message that points to the email, and the emailed link logs in,
// lands on Today and keeps the browser's time zone for the new account (not America/New_York).
// Run `npm run build:admin` first. Screenshots go to test-results/screenshots.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LOGIN_FAILED_VERIFY_FIRST_MESSAGE } from '#api/routes/auth.routes.ts';
import { saveScreenshot } from '#test/browser.ts';
import { useMailBrowserSuite } from '#test/browser-mail-suite.ts';

// Empty = unset: the default, on because SMTP_URL is set.
const suite = useMailBrowserSuite({ SIGNUP_VERIFY_FIRST: '' });

const EMAIL = `dana.${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery';
const BROWSER_ZONE = 'Europe/Berlin';

async function newPage(): Promise<Page> {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: BROWSER_ZONE });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

describe('signup with verify-first', () => {
  it('signup asks to check the email, login before confirming says why, and the emailed link logs in', { timeout: 60_000 }, async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    await page.goto(`${suite.server.url}/app/signup`);
    await page.getByLabel('Your name').fill('Dana Realtor');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    const [signup] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/auth/signup')),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    expect(signup.status()).toBe(202);
    await page.getByRole('status').filter({ hasText: 'Check your email to continue.' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/signup');
    await saveScreenshot(page, 'signup-verify-first-01-check-email');
    // The account is created after the answer (so its timing tells nothing): its first link says it exists.
    const isVerification = (m: { envelope: { to: string[] }; subject: string }) => m.envelope.to.includes(EMAIL) && /Confirm your email/.test(m.subject);
    await suite.smtp.waitFor(isVerification);

    await page.goto(`${suite.server.url}/app/login`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    const [login] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/auth/login')),
      page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    expect(login.status()).toBe(401);
    await page.getByText(LOGIN_FAILED_VERIFY_FIRST_MESSAGE).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/login');
    await saveScreenshot(page, 'signup-verify-first-02-login-unconfirmed');

    // That login sent a second link (the first stopped working): open the newest.
    await suite.smtp.waitFor((m) => isVerification(m) && suite.smtp.messages.filter(isVerification).length >= 2);
    const newest = suite.smtp.messages.filter(isVerification).at(-1);
    const link = /(http:\/\/\S+\/app\/verify-email#token=[A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
    expect(link).toBeDefined();
    await page.goto(link as string);
    // Opening the link does nothing by itself (mail scanners open links): the button sends it.
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    // The link asks for the signup password: a wrong one is refused on the page, the right one logs in.
    await page.getByText('enter the password you chose when you signed up').waitFor();
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Confirm and log in' }).click();
    await page.getByText('That is not the password this account was created with.').waitFor();
    await saveScreenshot(page, 'signup-verify-first-03-link-password');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Confirm and log in' }).click();
    await page.waitForURL((url) => url.pathname === '/app/today');
    await page.getByText('Your email address is confirmed. Welcome to Porchlight!').waitFor();
    await page.getByText('times for Europe/Berlin').waitFor();
    const stored = await suite.server.sql<{ time_zone: string }>('select p.time_zone from notification_preferences p join users u on u.user_id = p.user_id where u.email = $1', [EMAIL]);
    expect(stored).toEqual([{ time_zone: BROWSER_ZONE }]);
    // The fragment (the token) is gone from the address bar.
    expect(new URL(page.url()).hash).toBe('');
    await saveScreenshot(page, 'signup-verify-first-04-logged-in');
    expect(errors).toEqual([]);
  });
});
