// The alert settings page in Chromium against the real API: change alerts, quiet hours, digest
// hour and time zone, save, reload — the page shows what was stored. The banners say that email
// is not configured (no SMTP_URL here) and that the address is unconfirmed. Run
// `npm run build:admin` first. Screenshots at desktop and phone sizes go to test-results/screenshots.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';

const suite = useBrowserSuite();
let realtor: Realtor;

async function loggedInPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await suite.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${suite.server.url}/app/login`);
  await page.getByLabel('Email').fill(realtor.email);
  await page.getByLabel('Password').fill(realtor.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/app/today');
  return page;
}

beforeAll(async () => {
  realtor = await makeRealtor(suite.server);
});

describe('alert settings', () => {
  it('saves alert switches, quiet hours, digest hour and time zone, and shows them after a reload', { timeout: 60_000 }, async () => {
    const page = await loggedInPage({ width: 1440, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.getByText('Email is not configured — alerts and account emails are not sent').waitFor();
    await page.getByText(/Confirm your email address/).waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL((url) => url.pathname === '/app/settings');
    const newInquiry = page.getByLabel('New inquiry');
    await expect.poll(() => newInquiry.isChecked(), { timeout: 10_000 }).toBe(true);
    await newInquiry.uncheck();
    await page.getByLabel('Morning digest').check();
    await page.getByLabel('Hold alerts during quiet hours').check();
    await page.getByLabel('From').fill('22:15');
    await page.getByLabel('Until').fill('06:45');
    await page.getByLabel('Digest hour').selectOption('8');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/notification-preferences') && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: 'Save settings' }).click(),
    ]);
    expect(response.status()).toBe(200);
    await page.getByRole('status').filter({ hasText: /^Saved\.$/ }).waitFor();
    await saveScreenshot(page, 'settings-desktop-1440x900', { fullPage: true });

    await page.reload();
    await expect.poll(() => page.getByLabel('Morning digest').isChecked(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByLabel('New inquiry').isChecked()).toBe(false);
    expect(await page.getByLabel('Hold alerts during quiet hours').isChecked()).toBe(true);
    expect(await page.getByLabel('From').inputValue()).toBe('22:15');
    expect(await page.getByLabel('Until').inputValue()).toBe('06:45');
    expect(await page.getByLabel('Digest hour').inputValue()).toBe('8');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    const [stored] = await suite.server.sql<{ alert_new_inquiry: boolean; time_zone: string; quiet_start: string }>(
      'select alert_new_inquiry, time_zone, quiet_start from notification_preferences where user_id = $1', [realtor.userId],
    );
    expect(stored).toEqual({ alert_new_inquiry: false, time_zone: 'Europe/Berlin', quiet_start: '22:15' });
    expect(errors).toEqual([]);
  });

  it('fits a phone screen', { timeout: 60_000 }, async () => {
    const page = await loggedInPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/settings`);
    await page.getByLabel('Time zone').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await saveScreenshot(page, 'settings-phone-390x844', { fullPage: true });
  });

  it('the login page offers "Forgot password?" and the reset page reads its token from the fragment', { timeout: 60_000 }, async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/app/login`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL((url) => url.pathname === '/app/forgot-password');
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await page.getByText(/If an account uses nobody@example.com/).waitFor();
    await page.goto(`${suite.server.url}/app/reset-password#token=not-a-real-token`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
    await page.getByLabel('Repeat the new password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText(/link is not valid/).waitFor();
    await saveScreenshot(page, 'reset-password-invalid-1440x900');
    await context.close();
  });
});
