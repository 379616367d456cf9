// The inquiry form when the API refuses a submission for a reason that is not a field's: the
// visitor reads plain words, never the API's message for the site's developer ("Unknown site
// key; copy the snippet from the Sites page", "Too many requests; retry in 569 s"). Real API,
// Postgres and Redis; the per-IP inquiry budget is spent for real (its own file: its own queue
// prefix, so the budget of other files is untouched). Field errors: inquiry-form.e2e.test.ts.
// Needs `npm run build:widget` (`npm test` builds first).

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { INQUIRIES_PER_IP_PER_10_MIN } from '#api/routes/ingest.routes.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import { type ExampleServer, startExampleServer } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
/** The example site with its real site key. */
let example: ExampleServer;
/** The same pages with a site key no site has (a snippet pasted with a typo), on an origin the real site allows. */
let mistyped: ExampleServer;
let siteKey = '';

beforeAll(async () => {
  const { server } = suite;
  const owner = new ApiClient(server.url);
  await owner.signUp({ username: 'Dana Realtor' });
  let siteId: string;
  ({ example, siteId, siteKey } = await startExampleSite(server, owner, 'Oak Realty'));
  mistyped = await startExampleServer({ port: 0, apiOrigin: server.url, siteKey: 'pk_NoSuchSite0000000000' });
  // The mistyped page's origin is allowed (by the real site), so the page can read the API's 404.
  expect((await owner.patch(`/v1/sites/${siteId}`, { allowedOrigins: [example.url, mistyped.url] })).status).toBe(200);
});

afterAll(() => closeAll(example, mistyped));

/** The listing page of `site`, its inline form mounted and filled in; returns the form's host. */
async function filledForm(site: ExampleServer, email: string): Promise<{ page: Page; form: ReturnType<Page['locator']> }> {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 900 } });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  await page.goto(`${site.url}/`);
  const form = page.locator('[data-porchlight-form]');
  await form.locator('form').waitFor({ state: 'visible' });
  await form.getByLabel('Name').fill('Avery Visitor');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Message').fill('Is it still available?');
  await form.getByLabel(/I agree/).check();
  return { page, form };
}

/** Sends the form; resolves with the API's status and the alert the visitor then reads. */
async function send(page: Page, form: ReturnType<Page['locator']>): Promise<{ status: number; alert: string | null }> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${suite.server.url}/v1/inquiries`),
    form.getByRole('button', { name: 'Send message' }).click(),
  ]);
  const alert = await vi.waitFor(async () => {
    const text = await form.getByRole('alert').textContent();
    expect(text, 'the alert').toBeTruthy();
    return text;
  }, WAIT);
  return { status: response.status(), alert };
}

it('an unknown site key: the visitor reads that the message could not be sent, not how to fix the snippet', async () => {
  const { page, form } = await filledForm(mistyped, 'avery.mistyped@example.com');
  const { status, alert } = await send(page, form);
  expect(status).toBe(404);
  expect(alert).toBe("Couldn't send this message. Please contact the agent another way.");
  expect(await form.getByLabel('Message').inputValue()).toBe('Is it still available?');
});

it('past the per-IP inquiry budget (429): the visitor reads to try again in a few minutes, not a count of seconds', async () => {
  // Spend what is left of this address's budget (the browser's too: both are 127.0.0.1; the test
  // above spent one) with honeypot submissions, which the API answers 202 and stores nothing for.
  const { server } = suite;
  const statuses: number[] = [];
  for (let i = 0; i < INQUIRIES_PER_IP_PER_10_MIN; i++) {
    const res = await fetch(`${server.url}/v1/inquiries`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: example.url },
      body: JSON.stringify({ site: siteKey, id: crypto.randomUUID(), email: 'bot@spam.example', message: 'spam', consent: true, hp: 'x' }),
    });
    statuses.push(res.status);
  }
  expect(statuses.at(-1), `the budget is spent (${statuses.join(' ')})`).toBe(429);
  const { page, form } = await filledForm(example, 'avery.limited@example.com');
  const { status, alert } = await send(page, form);
  expect(status).toBe(429);
  expect(alert).toBe("Couldn't send — too many messages from this connection. Please try again in a few minutes.");
  expect(await form.getByLabel('Email').inputValue()).toBe('avery.limited@example.com');
  expect(await server.sql('select 1 from leads where email = $1', ['avery.limited@example.com'])).toEqual([]);
});
