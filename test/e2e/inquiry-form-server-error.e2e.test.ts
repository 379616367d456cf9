// The inquiry form when the server, not the visitor's connection, fails: a 5xx answer the page can
// read (the API's own 503 `unavailable`, with its CORS headers) says "try again in a moment", not
// "check your connection"; the typed text stays, nothing is stored, and the retry stores the
// inquiry once. The network-failure and timeout cases are in inquiry-form.e2e.test.ts. Needs
// `npm run build:widget` (`npm test` builds first).

import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { type ExampleServer, startExampleServer } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
let example: ExampleServer;
let proxy: FailingProxy;
let context: BrowserContext;

interface FailingProxy {
  url: string;
  /** The next `POST /v1/inquiries` gets the API's 503 without reaching it; resolves once it has. */
  failNextInquiry(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server in front of the API that passes every request on, except one `POST
 * /v1/inquiries` it is told to fail: that one gets what the API answers when it cannot store an
 * inquiry (Postgres unreachable) — 503 `unavailable` with `Retry-After` and the ingest CORS headers
 * for the page's Origin (api/middleware/ingest-cors.ts), so the page can read the status.
 */
async function startFailingProxy(api: string): Promise<FailingProxy> {
  const target = new URL(api);
  let failed: (() => void) | undefined;
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const upstream = request(new URL(req.url!, target), { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    if (failed && req.method === 'POST' && req.url === '/v1/inquiries') {
      const done = failed;
      failed = undefined;
      res.writeHead(503, {
        'Content-Type': 'application/json; charset=utf-8',
        'Retry-After': '1',
        Vary: 'Origin',
        'Access-Control-Allow-Origin': req.headers.origin ?? '',
        'Access-Control-Expose-Headers': 'Retry-After',
      });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'The inquiry could not be stored; retry shortly' } }));
      done();
      return;
    }
    forward(req, Buffer.concat(chunks), res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    failNextInquiry: () => new Promise<void>((resolve) => (failed = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  const owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
  proxy = await startFailingProxy(suite.server.url);
  const site = await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [] });
  expect(site.status).toBe(201);
  example = await startExampleServer({ port: 0, apiOrigin: proxy.url, siteKey: site.body.publicKey });
  expect((await owner.patch(`/v1/sites/${site.body.siteId}`, { allowedOrigins: [example.url] })).status).toBe(200);
});

afterAll(() => closeAll(context, example, proxy));

it('a 5xx from the server asks the visitor to try again in a moment (not to check their connection), keeps the text, and the retry stores the inquiry once', { timeout: 60_000 }, async () => {
  context = await suite.browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  await page.goto(`${example.url}/`);
  const form = page.locator('[data-porchlight-form]');
  await form.locator('form').waitFor({ state: 'visible' });
  const email = 'riley.retry@example.com';
  const message = 'Can we see it on Saturday?';
  await form.getByLabel('Name').fill('Riley Retry');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Message').fill(message);
  await form.getByLabel(/I agree/).check();
  const stored = () => suite.server.sql<{ message: string }>('select i.message from inquiries i join leads l on l.lead_id = i.lead_id where l.email = $1', [email]);

  const failed = proxy.failNextInquiry();
  await form.getByRole('button', { name: 'Send message' }).click();
  await failed;
  await vi.waitFor(async () => expect(await form.getByRole('alert').textContent()).toBe("Couldn't send — please try again in a moment."), WAIT);
  expect(await form.getByLabel('Message').inputValue()).toBe(message);
  expect(await form.getByLabel('Email').inputValue()).toBe(email);
  expect(await form.getByRole('button', { name: 'Send message' }).isEnabled()).toBe(true);
  expect(await stored()).toEqual([]);
  await saveScreenshot(page, 'inquiry-form-server-error', { fullPage: false });

  await form.getByRole('button', { name: 'Send message' }).click();
  await form.getByRole('status').waitFor();
  expect(await stored()).toEqual([{ message }]);
});
