// The Account & security page and the confirm-email link in Chromium against the real API, worker
// and an SMTP server: changing the password (the other browser's session ends, the old password
// stops working, the page's next write sends the rotated session's CSRF token), changing the
// sign-in email through the link mailed to the new address (then logging in with it), the link's
// refusals, and the sessions list (two browsers, signing one out, signing out all others). Each
// case has its own realtor, signed in through the login page, so every session is a browser's.
// Screenshots at 1440×900 and 390×844 go to test-results/screenshots (and /tmp/shots-account).
// Run `npm run build:admin` first.
import { copyFile, mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_PASSWORD_ATTEMPTS_PER_USER } from '#api/routes/account.routes.ts';
import { LOGIN_FAILED_MESSAGE } from '#api/routes/auth.routes.ts';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useMailBrowserSuite } from '#test/browser-mail-suite.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import type { CapturedMail } from '#test/smtp.ts';

const MAC_CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/shots-account';

const suite = useMailBrowserSuite();

/** A new browser (own cookies) with that user agent and window size. */
async function newPage(userAgent: string, viewport = DESKTOP): Promise<Page> {
  const context = await suite.browser.newContext({ userAgent, viewport });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  return page;
}

/** Logs in through the login page; `next` is where the app lands. */
async function logIn(page: Page, email: string, password: string, next = '/today'): Promise<void> {
  await page.goto(`${suite.server.url}/app/login${next === '/today' ? '' : `?next=${encodeURIComponent(next)}`}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === `/app${next}`);
}

/** A realtor whose only sessions are the browsers' (the factory's signup session is logged out). */
async function newRealtor(): Promise<Realtor> {
  const realtor = await makeRealtor(suite.server);
  expect((await realtor.client.post('/v1/auth/logout')).status).toBe(204);
  return realtor;
}

async function openAccount(page: Page): Promise<void> {
  await page.goto(`${suite.server.url}/app/account`);
  await page.getByRole('heading', { name: 'Account & security', level: 1 }).waitFor();
}

const emailForm = (page: Page) => page.locator('form').filter({ has: page.getByRole('heading', { name: 'Change email' }) });
const passwordForm = (page: Page) => page.locator('form[aria-labelledby="account-password-title"]');
const sessionRow = (page: Page, label: string) => page.locator('.session-row').filter({ hasText: label });
const toast = (page: Page, text: string | RegExp) => page.locator('.toast').filter({ hasText: text });

/** The token of the confirm-email link in a mail (the link's form, fragment or query, either way). */
function confirmLinkIn(mail: CapturedMail): string {
  const match = /(https?:\/\/\S+\/app\/confirm-email[#?]token=[A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no confirm-email link in: ${mail.text}`);
  return match[1];
}

/** Opens a confirm-email link and presses the button: opening alone changes nothing (mail scanners open links). */
async function openConfirmLink(page: Page, url: string): Promise<void> {
  // From the confirm page itself, going to another #token= would only change the fragment: no new page.
  if (new URL(page.url()).pathname === '/app/confirm-email') await page.goto('about:blank');
  await page.goto(url);
  await page.getByRole('button', { name: 'Confirm my new email' }).click();
}

const mailTo = (address: string, subject?: RegExp) => (m: CapturedMail) => m.envelope.to.includes(address) && (!subject || subject.test(m.subject));

async function changeEmail(page: Page, newEmail: string, password: string): Promise<number> {
  const form = emailForm(page);
  await form.getByLabel('New email').fill(newEmail);
  await form.getByLabel('Current password').fill(password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/account/email') && r.request().method() === 'POST'),
    form.getByRole('button', { name: /Change email|Send a new link/ }).click(),
  ]);
  return answer.status();
}

async function shoot(page: Page, name: string): Promise<void> {
  const path = await saveScreenshot(page, name);
  await mkdir(SHOTS, { recursive: true });
  await copyFile(path, `${SHOTS}/${name}.png`);
}

describe('password', () => {
  it('a new password signs the other browser out, the old one stops working, and the next write sends the new CSRF token', { timeout: 90_000 }, async () => {
    const realtor = await newRealtor();
    const newPassword = 'a brand new passphrase';
    const desk = await newPage(MAC_CHROME);
    const phone = await newPage(IPHONE_SAFARI, PHONE);
    await logIn(desk, realtor.email, realtor.password);
    await logIn(phone, realtor.email, realtor.password);

    await openAccount(desk);
    const form = passwordForm(desk);
    await form.getByLabel('Current password').fill(realtor.password);
    await form.getByLabel('New password', { exact: true }).fill(newPassword);
    await form.getByLabel('Repeat the new password').fill(newPassword);
    const [changed] = await Promise.all([
      desk.waitForResponse((r) => r.url().endsWith('/v1/account/password')),
      form.getByRole('button', { name: 'Change password' }).click(),
    ]);
    expect(changed.status()).toBe(200);
    const { csrfToken, signedOutSessions } = (await changed.json()) as { csrfToken: string; signedOutSessions: number };
    expect(signedOutSessions).toBe(1);
    await toast(desk, 'Password changed — 1 other session signed out').waitFor();
    // The form is empty again.
    for (const label of ['Current password', 'New password', 'Repeat the new password']) expect(await form.getByLabel(label, { exact: true }).inputValue()).toBe('');
    // The session list is read again: only this (rotated) session is left.
    await desk.getByRole('heading', { name: 'Only this device' }).waitFor();

    // The page's next write goes out with the rotated session's token at once (no refused first try).
    const statuses: number[] = [];
    desk.on('response', (r) => {
      if (r.url().includes('/v1/account/email')) statuses.push(r.status());
    });
    const [write] = await Promise.all([
      desk.waitForRequest((r) => r.url().endsWith('/v1/account/email') && r.method() === 'POST'),
      changeEmail(desk, `renamed.${Date.now()}@example.com`, newPassword),
    ]);
    expect(write.headers()['x-csrf-token']).toBe(csrfToken);
    expect(statuses).toEqual([202]);

    // The phone's session ended: its next request lands on the login page.
    await phone.goto(`${suite.server.url}/app/leads`);
    await phone.waitForURL((url) => url.pathname === '/app/login');
    // The old password no longer logs in; the new one does.
    await phone.getByLabel('Email').fill(realtor.email);
    await phone.getByLabel('Password').fill(realtor.password);
    await phone.getByRole('button', { name: 'Log in' }).click();
    await phone.getByText(LOGIN_FAILED_MESSAGE).waitFor();
    expect(new URL(phone.url()).pathname).toBe('/app/login');
    await phone.getByLabel('Password').fill(newPassword);
    await phone.getByRole('button', { name: 'Log in' }).click();
    await phone.waitForURL((url) => url.pathname === '/app/leads');

    // The "your password was changed" notice went to the account's address.
    await suite.smtp.waitFor(mailTo(realtor.email, /password/i), { description: 'the password-changed notice' });
  });

  it('a wrong current password is shown under that field, and nothing changes', { timeout: 60_000 }, async () => {
    const realtor = await newRealtor();
    const page = await newPage(MAC_CHROME);
    await logIn(page, realtor.email, realtor.password);
    await openAccount(page);
    const form = passwordForm(page);
    await form.getByLabel('Current password').fill('not my password at all');
    await form.getByLabel('New password', { exact: true }).fill('another fine passphrase');
    await form.getByLabel('Repeat the new password').fill('another fine passphrase');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/account/password')),
      form.getByRole('button', { name: 'Change password' }).click(),
    ]);
    expect(refused.status()).toBe(400);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('wrong_password');
    const current = form.getByLabel('Current password');
    // The answer is in; the page renders it a moment later: awaited.
    await expect.poll(() => current.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await current.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`#${describedBy.split(' ').at(-1)}`).textContent()).toContain(error.message);
    await form.getByRole('alert').getByRole('link', { name: error.message }).waitFor();
    await shoot(page, 'account-wrong-password-1440x900');

    // The same in the email form.
    const emailStatus = await changeEmail(page, `elsewhere.${Date.now()}@example.com`, 'not my password at all');
    expect(emailStatus).toBe(400);
    await expect.poll(() => emailForm(page).getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    await page.getByText('We sent a link to').waitFor({ state: 'detached' });

    // Wrong again until the per-user budget is spent: the form says when to try again.
    const form2 = passwordForm(page);
    let status = 400;
    for (let i = 2; i <= ACCOUNT_PASSWORD_ATTEMPTS_PER_USER && status === 400; i++) {
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/v1/account/password')),
        form2.getByRole('button', { name: 'Change password' }).click(),
      ]);
      status = answer.status();
      if (status === 429) {
        const limited = (await answer.json()) as { error: { code: string } };
        expect(limited.error.code).toBe('rate_limited');
        const minutes = Math.ceil(Number(answer.headers()['retry-after']) / 60);
        await form2.getByRole('alert').filter({ hasText: `Too many attempts. Try again in ${minutes} minutes.` }).waitFor();
      }
    }
    expect(status).toBe(429);
    await shoot(page, 'account-rate-limited-1440x900');

    // Nothing changed: the old password still logs in.
    const check = new ApiClient(suite.server.url);
    expect((await check.post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(200);
  });
});

describe('sign-in email', () => {
  it('changes through the link sent to the new address, then the new address logs in', { timeout: 90_000 }, async () => {
    const realtor = await newRealtor();
    const newEmail = `moved.${Date.now()}@example.com`;
    const page = await newPage(MAC_CHROME);
    await logIn(page, realtor.email, realtor.password);
    await openAccount(page);
    await page.getByText(realtor.email, { exact: true }).first().waitFor();
    await page.getByText('Not verified').waitFor();

    expect(await changeEmail(page, newEmail, realtor.password)).toBe(202);
    const notice = page.getByRole('status').filter({ hasText: 'We sent a link to' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(new RegExp(`We sent a link to ${newEmail.replace(/\./g, '\\.')} — it works until .+\\. Your email stays ${realtor.email.replace(/\./g, '\\.')} until you open it\\.`));
    // Nothing changed yet: the old address still logs in.
    expect((await new ApiClient(suite.server.url).post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(200);

    // The link, opened in another browser that is not signed in.
    const mail = await suite.smtp.waitFor(mailTo(newEmail), { description: 'the confirmation link to the new address' });
    const elsewhere = await newPage(IPHONE_SAFARI, PHONE);
    // Opening the link (as a mail scanner would) changes nothing: the page waits for the button.
    await elsewhere.goto(confirmLinkIn(mail));
    const confirm = elsewhere.getByRole('button', { name: 'Confirm my new email' });
    await confirm.waitFor();
    await elsewhere.waitForLoadState('networkidle');
    expect(await suite.server.sql('select email from users where user_id = $1', [realtor.userId])).toEqual([{ email: realtor.email }]);
    await confirm.click();
    await elsewhere.getByRole('status').filter({ hasText: `Your sign-in email is now ${newEmail}.` }).waitFor();
    // The pressed button is gone: focus is on the heading, not lost to <body>.
    await expect.poll(() => elsewhere.evaluate(() => document.activeElement?.textContent)).toBe('Sign-in email changed');
    expect(new URL(elsewhere.url()).hash).toBe('');
    expect(new URL(elsewhere.url()).search).toBe('');
    await shoot(elsewhere, 'confirm-email-done-390x844');
    await elsewhere.getByRole('link', { name: 'Log in with your new email' }).click();
    await elsewhere.waitForURL((url) => url.pathname === '/app/login');
    await elsewhere.getByLabel('Email').fill(newEmail);
    await elsewhere.getByLabel('Password').fill(realtor.password);
    await elsewhere.getByRole('button', { name: 'Log in' }).click();
    await elsewhere.waitForURL((url) => url.pathname === '/app/account');
    await elsewhere.getByText(newEmail, { exact: true }).first().waitFor();
    await elsewhere.getByText('Verified', { exact: true }).waitFor();
    await expectNoHorizontalOverflow(elsewhere, 'account page after the change, 390 px');
    // The old address no longer logs in, and it was told (the new address masked).
    expect((await new ApiClient(suite.server.url).post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(401);
    await suite.smtp.waitFor(mailTo(realtor.email, /sign-in email/i), { description: 'the notice to the old address' });

    // The same link, opened again, has been used.
    await openConfirmLink(elsewhere, confirmLinkIn(mail));
    await elsewhere.getByText('This link was already used.').waitFor();
  });

  it('Cancel change kills the link, the page names every refusal of a link, and knows whose account changed', { timeout: 120_000 }, async () => {
    const realtor = await newRealtor();
    const page = await newPage(MAC_CHROME);
    await logIn(page, realtor.email, realtor.password);
    await openAccount(page);

    // Cancelled: the link no longer works.
    const cancelled = `cancelled.${Date.now()}@example.com`;
    expect(await changeEmail(page, cancelled, realtor.password)).toBe(202);
    // The mail first: the worker does not send a link that died before its turn.
    const cancelledMail = await suite.smtp.waitFor(mailTo(cancelled));
    const [cancel] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/account/email/pending')),
      page.getByRole('button', { name: 'Cancel change' }).click(),
    ]);
    expect(cancel.status()).toBe(204);
    await toast(page, `Email change cancelled. You still sign in with ${realtor.email}.`).waitFor();
    await page.getByText('We sent a link to').waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('button', { name: 'Change email' }).waitFor();
    expect(await page.getByText('We sent a link to').count()).toBe(0);
    await openConfirmLink(page, confirmLinkIn(cancelledMail));
    await page.getByRole('heading', { name: 'This link did not work' }).waitFor();
    await page.getByText(/This link is not valid\./).waitFor();
    // Signed in: the way back is the Account page.
    await page.getByRole('link', { name: 'Go to Account & security' }).waitFor();

    // A made-up link.
    await openConfirmLink(page, `${suite.server.url}/app/confirm-email#token=not-a-link-we-sent`);
    await page.getByText(/This link is not valid\./).waitFor();

    // Expired.
    await openAccount(page);
    const late = `late.${Date.now()}@example.com`;
    expect(await changeEmail(page, late, realtor.password)).toBe(202);
    const lateMail = await suite.smtp.waitFor(mailTo(late));
    // A day has passed (for this link).
    await suite.server.sql(`update account_tokens set expires_at = now() - interval '1 minute' where purpose = 'email_change' and email = $1`, [late]);
    await openConfirmLink(page, confirmLinkIn(lateMail));
    await page.getByText('This link has expired: links work for 24 hours.').waitFor();

    // Taken meanwhile by another account: nothing changes.
    await openAccount(page);
    const contested = `contested.${Date.now()}@example.com`;
    expect(await changeEmail(page, contested, realtor.password)).toBe(202);
    const contestedMail = await suite.smtp.waitFor(mailTo(contested));
    await makeRealtor(suite.server, { email: contested });
    await openConfirmLink(page, confirmLinkIn(contestedMail));
    await page.getByText('Another Porchlight account now uses this address, so your sign-in email did not change.').waitFor();
    await shoot(page, 'confirm-email-taken-1440x900');
    expect((await new ApiClient(suite.server.url).post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(200);

    // An address another account uses is refused under the field when asked.
    await openAccount(page);
    expect(await changeEmail(page, contested, realtor.password)).toBe(409);
    await expect.poll(() => emailForm(page).getByLabel('New email').getAttribute('aria-invalid')).toBe('true');

    // Opened in a browser signed in to another account: the page does not call it "your" email.
    const other = await makeRealtor(suite.server);
    const othersNew = `others.${Date.now()}@example.com`;
    expect((await other.client.post('/v1/account/email', { newEmail: othersNew, password: other.password })).status).toBe(202);
    await openConfirmLink(page, confirmLinkIn(await suite.smtp.waitFor(mailTo(othersNew))));
    await page.getByRole('status').filter({ hasText: `That account’s sign-in email is now ${othersNew}.` }).waitFor();
    await page.getByText(`This browser is signed in to another account (${realtor.email})`).waitFor();

    // Opened where this account is signed in: back to the page, which shows the new address.
    const mine = `mine.${Date.now()}@example.com`;
    await openAccount(page);
    expect(await changeEmail(page, mine, realtor.password)).toBe(202);
    await openConfirmLink(page, confirmLinkIn(await suite.smtp.waitFor(mailTo(mine))));
    await page.getByRole('status').filter({ hasText: `Your sign-in email is now ${mine}.` }).waitFor();
    await page.getByRole('link', { name: 'Back to Account & security' }).click();
    await page.waitForURL((url) => url.pathname === '/app/account');
    await page.getByText(mine, { exact: true }).first().waitFor();
    await page.getByText('Verified', { exact: true }).waitFor();
  });
});

describe('where you are signed in', () => {
  it('lists both browsers, signs the other one out (it lands on the login page at its next request), then all others', { timeout: 90_000 }, async () => {
    const realtor = await newRealtor();
    const desk = await newPage(MAC_CHROME);
    const phone = await newPage(IPHONE_SAFARI, PHONE);
    await logIn(desk, realtor.email, realtor.password);
    await logIn(phone, realtor.email, realtor.password);
    // The way in: the signed-in name in the top bar, next to Settings.
    await desk.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: `Account & security, signed in as ${realtor.username}` }).click();
    await desk.waitForURL((url) => url.pathname === '/app/account');
    await desk.getByRole('heading', { name: 'Account & security', level: 1 }).waitFor();

    // A pending change too, for the screenshots of the whole page.
    expect(await changeEmail(desk, `pending.${Date.now()}@example.com`, realtor.password)).toBe(202);
    await desk.getByText('We sent a link to').waitFor();
    const here = sessionRow(desk, 'Chrome on macOS');
    const other = sessionRow(desk, 'Safari on iPhone');
    await other.waitFor();
    expect(await desk.locator('.session-row').count()).toBe(2);
    expect(await here.getByText('This device').count()).toBe(1);
    expect(await here.getByRole('button').count()).toBe(0);
    expect(await other.getByText('This device').count()).toBe(0);
    expect(await other.textContent()).toMatch(/127\.0\.0\.1 · Last active (just now|\d+ (second|minute)s? ago)/);
    await expectNoHorizontalOverflow(desk, 'account page, 1440 px');
    await shoot(desk, 'account-1440x900');

    // The same page on a phone, reached from the Settings header: one column, nothing wider than
    // the screen, every button on it.
    await phone.goto(`${suite.server.url}/app/settings`);
    await phone.getByRole('link', { name: 'Account & security', exact: true }).click();
    await phone.waitForURL((url) => url.pathname === '/app/account');
    await sessionRow(phone, 'Chrome on macOS').waitFor();
    await phone.getByText('We sent a link to').waitFor();
    await expectNoHorizontalOverflow(phone, 'account page, 390 px');
    const columns = await phone.evaluate(() => [...document.querySelectorAll('.account-card')].map((c) => Math.round(c.getBoundingClientRect().left)));
    expect(new Set(columns).size).toBe(1);
    for (const button of await phone.locator('main button:visible').all()) {
      const box = await button.boundingBox();
      expect(box, await button.textContent() ?? '').not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= PHONE.width, `${await button.textContent()} within the screen`).toBe(true);
    }
    await shoot(phone, 'account-390x844');

    // Signing the phone out from the desk.
    const [ended] = await Promise.all([
      desk.waitForResponse((r) => r.url().includes('/v1/account/sessions/') && r.request().method() === 'DELETE'),
      other.getByRole('button', { name: /^Sign out Safari on iPhone/ }).click(),
    ]);
    expect(ended.status()).toBe(204);
    await toast(desk, 'Signed out Safari on iPhone').waitFor();
    await other.waitFor({ state: 'detached' });
    await desk.getByRole('heading', { name: 'Only this device' }).waitFor();
    expect(await desk.getByRole('button', { name: 'Sign out all other sessions' }).count()).toBe(0);
    // Its next request lands on the login page.
    await phone.goto(`${suite.server.url}/app/leads`);
    await phone.waitForURL((url) => url.pathname === '/app/login');

    // Two more sessions (scripts: no browser name), then all others at once, after a confirmation.
    const scripts = [new ApiClient(suite.server.url), new ApiClient(suite.server.url)];
    for (const c of scripts) expect((await c.post('/v1/auth/login', { email: realtor.email, password: realtor.password })).status).toBe(200);
    await desk.reload();
    await desk.locator('.session-row').nth(2).waitFor();
    expect(await desk.locator('.session-row').filter({ hasText: 'Unknown browser' }).count()).toBe(2);
    await desk.getByRole('button', { name: 'Sign out all other sessions' }).click();
    const dialog = desk.getByRole('dialog', { name: 'Sign out all other sessions?' });
    await dialog.getByText('2 other sessions will be signed out at once').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    for (const c of scripts) expect((await c.get('/v1/auth/me')).status).toBe(200);
    await desk.getByRole('button', { name: 'Sign out all other sessions' }).click();
    const [all] = await Promise.all([
      desk.waitForResponse((r) => r.url().endsWith('/v1/account/sessions/sign-out-others')),
      dialog.getByRole('button', { name: 'Sign out others' }).click(),
    ]);
    expect(all.status()).toBe(200);
    await toast(desk, 'Signed out 2 other sessions').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await desk.getByRole('heading', { name: 'Only this device' }).waitFor();
    for (const c of scripts) expect((await c.get('/v1/auth/me')).status).toBe(401);
    // This browser is still signed in.
    await desk.reload();
    await sessionRow(desk, 'Chrome on macOS').getByText('This device').waitFor();
    await shoot(desk, 'account-only-this-device-1440x900');
  });
});
