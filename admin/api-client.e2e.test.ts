// The API client's answer to a 401 in a real browser against the real API and Postgres: a
// password change rotates the session (new cookie and CSRF token, the old cookie dead at once), so
// a request the admin sent just before arrives with the old cookie and gets 401 — while the browser
// already holds the new cookie. The client asks GET /v1/auth/me once (shared by the 401s of the
// moment) and sends the request again; only a session /v1/auth/me also refuses goes to /login.
//
// "In flight" is made with `page.route`: the admin's request is held, the password changed from
// the same page (its cookie jar takes the new cookie), then the held request goes to the API as the
// browser had sent it — its headers, old cookie and old CSRF token included (`route.fetch`; a
// plain `continue` would let Chromium attach the jar's new cookie). Screenshots at 1440×900 and
// 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import type { Page, Request, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const suite = useBrowserSuite();

/** A new realtor (a password change ends every other session, so each test has its own) with one lead. */
async function newRealtor(): Promise<{ client: ApiClient; email: string; userId: string; leadId: string; leadName: string }> {
  const client = new ApiClient(suite.server.url);
  const { userId, email } = await client.signUp({ username: 'Dana Realtor', password: PASSWORD });
  const leadName = `Casey Hartman ${Math.random().toString(36).slice(2, 6)}`;
  const leadId = (await client.post('/v1/leads', { name: leadName, email: 'casey@example.com' })).body.leadId;
  return { client, email, userId, leadId, leadName };
}

function openPage(client: ApiClient, viewport: { width: number; height: number }): Promise<Page> {
  const phone = viewport.width < 640;
  return suite.adminPage(client, { viewport, hasTouch: phone, isMobile: phone, timeoutMs: 20_000 });
}

interface Held {
  route: Route;
  request: Request;
}

/**
 * Holds the next `count` requests of `page` that `match` accepts; `arrived` resolves once all are
 * held. `release()` sends them to the API as the browser had made them and answers the page with
 * what the API said; it resolves with the statuses once the page has every answer.
 */
function hold(page: Page, match: (url: URL, method: string) => boolean, count = 1) {
  const held: Held[] = [];
  let allArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (allArrived = resolve));
  void page.route(
    (url) => url.pathname.startsWith('/v1/'),
    async (route, request) => {
      if (held.length >= count || !match(new URL(request.url()), request.method())) return route.fallback();
      held.push({ route, request });
      if (held.length === count) allArrived();
    },
  );
  return {
    arrived,
    async release(): Promise<number[]> {
      // Both answers are fetched first, then handed to the page together: the 401s arrive at once.
      const answers = await Promise.all(held.map(({ route, request }) => request.allHeaders().then((headers) => route.fetch({ headers }))));
      await Promise.all(held.map(({ route }, i) => route.fulfill({ response: answers[i] })));
      return answers.map((a) => a.status());
    },
  };
}

/** Changes the password from inside the page: its cookie jar takes the rotated session's cookie. */
async function changePasswordInPage(page: Page): Promise<void> {
  const status = await page.evaluate(
    async ([currentPassword, newPassword]) => {
      const me = await (await fetch('/v1/auth/me')).json();
      const res = await fetch('/v1/account/password', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ currentPassword, newPassword }),
      });
      return res.status;
    },
    [PASSWORD, NEW_PASSWORD],
  );
  expect(status).toBe(200);
}

/** GET /v1/auth/me requests the page makes from now on. */
function countSessionChecks(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/v1/auth/me') seen.count++;
  });
  return seen;
}

async function expectNotOnLoginPage(page: Page): Promise<void> {
  expect(new URL(page.url()).pathname).not.toMatch(/\/login$/);
  expect(await page.locator('#login-email').count()).toBe(0);
  expect(await page.getByText('Your session has ended').count()).toBe(0);
}

describe('a request in flight at a password change', () => {
  it('two list reads sent with the old cookie get 401, share one session check, are sent again and show the data (1440×900)', async () => {
    const { client, leadId, leadName } = await newRealtor();
    const page = await openPage(client, DESKTOP);
    const held = hold(page, (url, method) => method === 'GET' && (url.pathname === '/v1/leads' || url.pathname === '/v1/lead-counts'), 2);
    await page.goto(`${suite.server.url}/app/leads`);
    await held.arrived;

    await changePasswordInPage(page);
    const checks = countSessionChecks(page);
    expect(await held.release()).toEqual([401, 401]);

    await page.locator(`tr[data-lead-id="${leadId}"]`).getByText(leadName).waitFor();
    await expectNotOnLoginPage(page);
    // One GET /v1/auth/me for both 401s: concurrent refusals share the check.
    expect(checks.count).toBe(1);
    // Still signed in with the rotated session: the next poll (the tab regains focus) just works.
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.waitForTimeout(500);
    await expectNotOnLoginPage(page);
    await expectNoHorizontalOverflow(page, 'leads after the password change 1440');
    await saveScreenshot(page, 'session-rotated-leads-1440');
  });

  it('a write sent with the old cookie and CSRF token is sent again with the new token: the reminder is completed (390×844)', async () => {
    const { client, userId, leadId } = await newRealtor();
    const { reminderId } = await makeReminder(suite.server, {
      leadId, userId, status: 'due', reminderDate: new Date(Date.now() - 600_000), firedAt: new Date(), message: 'Send the comparables',
    });
    const page = await openPage(client, PHONE);
    await page.goto(`${suite.server.url}/app/reminders`);
    const item = page.locator(`[data-section="due"] li[data-reminder-id="${reminderId}"]`);
    const held = hold(page, (url, method) => method === 'POST' && url.pathname === `/v1/reminders/${reminderId}/complete`);
    await item.getByRole('button', { name: 'Complete' }).click();
    await held.arrived;

    await changePasswordInPage(page);
    expect(await held.release()).toEqual([401]);

    await page.locator(`[data-section="done"] li[data-reminder-id="${reminderId}"]`).waitFor();
    await expectNotOnLoginPage(page);
    const [row] = await suite.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]);
    expect(row.status).toBe('done');
    await expectNoHorizontalOverflow(page, 'reminders after the password change 390');
    await saveScreenshot(page, 'session-rotated-reminders-390');
  });

  it('a session that really ended still goes to the login page, after one check and no second try', async () => {
    const { client, email, leadId, leadName } = await newRealtor();
    const page = await openPage(client, DESKTOP);
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator(`tr[data-lead-id="${leadId}"]`).getByText(leadName).waitFor();
    // Signed out from another device: the browser's session ends on the server.
    const other = new ApiClient(suite.server.url);
    const login = await other.post('/v1/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    other.csrfToken = login.body.csrfToken;
    expect((await other.post('/v1/account/sessions/sign-out-others')).status).toBe(200);

    const checks = countSessionChecks(page);
    const answers: string[] = [];
    page.on('response', (res) => {
      const { pathname } = new URL(res.url());
      if (pathname.startsWith('/v1/') && pathname !== '/v1/auth/me') answers.push(`${res.status()} ${pathname}`);
    });
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await page.locator('#login-email').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/\/login$/);
    await page.waitForTimeout(500);
    // The polls the focus started were all refused; none was sent again, and they made one check.
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.startsWith('401 '))).toBe(true);
    expect(new Set(answers).size).toBe(answers.length);
    expect(checks.count).toBe(1);
    await saveScreenshot(page, 'session-ended-login-1440');
  });
});

describe('a request in flight while the browser signs in as another realtor', () => {
  it('a write refused with the first realtor\'s cookie is not sent again as the second: nothing is created, the page starts again as the second realtor', async () => {
    const first = await newRealtor();
    const second = new ApiClient(suite.server.url);
    const { email: secondEmail, userId: secondUserId } = await second.signUp({ username: 'Robin Second', password: PASSWORD });
    const page = await openPage(first.client, DESKTOP);
    await page.goto(`${suite.server.url}/app/leads`);
    await page.locator(`tr[data-lead-id="${first.leadId}"]`).waitFor();
    await page.getByRole('button', { name: 'Add lead' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Jordan Held');
    const held = hold(page, (url, method) => method === 'POST' && url.pathname === '/v1/leads');
    await page.locator('form').getByRole('button', { name: 'Add lead' }).click();
    await held.arrived;

    // Another tab signs out and in as the second realtor: the jar now holds the second's cookie.
    const switched = await page.evaluate(
      async ([email, password]) => {
        const me = await (await fetch('/v1/auth/me')).json();
        await fetch('/v1/auth/logout', { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
        const res = await fetch('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
        return res.status;
      },
      [secondEmail, PASSWORD],
    );
    expect(switched).toBe(200);
    const posts: number[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/v1/leads') posts.push(1);
    });
    const reloaded = page.waitForEvent('load');
    expect(await held.release()).toEqual([401]);
    await reloaded;
    // The page started again as the second realtor (their empty leads list), and the held lead
    // was created in neither account.
    await page.getByText('Robin Second').first().waitFor();
    expect(posts).toEqual([]);
    const rows = await suite.server.sql<{ user_id: string }>("select user_id from leads where name = 'Jordan Held'");
    expect(rows).toEqual([]);
    expect(secondUserId).not.toBe(first.userId);
    await saveScreenshot(page, 'session-switched-account-1440');
  });
});
