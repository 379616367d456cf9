// The widget's inquiry form (w-form.js) in a real browser, on the example listing site, against
// the real API, Postgres, Redis and an in-process worker (stitching): it survives hostile host
// CSS, works from the keyboard alone, validates and announces errors, keeps typed text through
// refusals, network failures and a stalled connection (a timeout; retrying with the same
// submission id), drops honeypot submissions, sends the listing shown at the time after pushState
// navigation, and opens as a modal dialog with porchlight('open'). Needs `npm run build:widget`
// (the test server serves dist/widget; `npm test` builds first). Screenshots go to
// test-results/screenshots.

import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoHorizontalOverflow, pauseClock, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { type ExampleServer, startExampleServer } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
let worker: TestWorker;
let example: ExampleServer;
let siteId = '';
let siteKey = '';
let owner: ApiClient;
/** Errors thrown in any page: the widget must never throw into its host. */

/** The example's listing page (12 Oak Street), whose form container its own deferred script renders. */
const LISTING_PAGE = '/';

/** A page of the example site in a fresh browser context (a new visitor), with the form mounted. */
async function openPage(path: string, viewport = { width: 1100, height: 900 }, site = example.url): Promise<Page> {
  const context = await suite.browser.newContext({ viewport });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => suite.pageErrors.push(`${path}: ${err.message}`));
  await page.goto(site + path);
  await page.locator('[data-porchlight-form]').first().locator('form').waitFor({ state: 'visible' });
  return page;
}

/** The focused element, looking into shadow roots: `tag[name=…]`, `tag.class` or `tag`. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    const name = el.getAttribute('name');
    return el.tagName.toLowerCase() + (name ? `[name=${name}]` : el.className ? `.${el.className}` : '');
  });
}

/** Waits until `target` (as `focused` describes it) has the focus: the form moves it after rendering. */
async function expectFocus(page: Page, target: string): Promise<void> {
  await vi.waitFor(async () => expect(await focused(page), `the focus on ${target}`).toBe(target), WAIT);
}

/** Presses Tab until `target` (as `focused` describes it) has the focus; at most `max` times. */
async function tabTo(page: Page, target: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === target) return;
  }
  throw new Error(`Tab never reached ${target} (last: ${await focused(page)})`);
}

/** The visitor id the tracker keeps in localStorage (written when a form mounts or the first batch goes). */
async function visitorOf(page: Page): Promise<string> {
  return (await page.waitForFunction(() => localStorage.getItem('porchlight_vid'))).jsonValue() as Promise<string>;
}

/** Collects the bodies of the page's `POST /v1/inquiries` requests. */
function recordInquiries(page: Page): Array<Record<string, any>> {
  const bodies: Array<Record<string, any>> = [];
  page.on('request', (req: Request) => {
    if (req.method() === 'POST' && req.url() === `${suite.server.url}/v1/inquiries`) bodies.push(JSON.parse(req.postData() ?? '{}'));
  });
  return bodies;
}

async function inquiriesFor(email: string) {
  return suite.server.sql<{ inquiry_id: string; source: string; listing_ref: string | null; client_event_id: string; message: string; lead_id: string }>(
    `select i.inquiry_id, i.source, i.listing_ref, i.client_event_id, i.message, i.lead_id
       from inquiries i join leads l on l.lead_id = i.lead_id where l.email = $1`,
    [email],
  );
}

/** The inline form's host element (Playwright's locators pierce its open shadow root). */
const inline = (page: Page) => page.locator('[data-porchlight-form]');

/** Fills the form inside `form` (keyboard-only use has its own test). */
async function fillForm(form: Locator, v: { name?: string; email?: string; phone?: string; message?: string; consent?: boolean }) {
  if (v.name !== undefined) await form.getByLabel('Name').fill(v.name);
  if (v.email !== undefined) await form.getByLabel('Email').fill(v.email);
  if (v.phone !== undefined) await form.getByLabel('Phone').fill(v.phone);
  if (v.message !== undefined) await form.getByLabel('Message').fill(v.message);
  if (v.consent) await form.getByLabel(/I agree/).check();
}

const alertText = (page: Page) => inline(page).getByRole('alert').textContent();

/** What the form says when its request got no usable answer (network error, timeout, 5xx). */
const NO_ANSWER = "Couldn't send — check your connection and try again.";

interface StallingProxy {
  url: string;
  /** Holds the next `POST /v1/inquiries`; resolves with its body once the proxy has it. */
  holdNextInquiry(): Promise<Record<string, any>>;
  /** Resolves with the API's status for the held request, which it forwards once the browser has closed the connection. */
  lateAnswer(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A real HTTP server in front of the API that passes every request on, except a `POST
 * /v1/inquiries` it is told to hold: it accepts the connection, reads the request and never
 * answers. The held request reaches the API once the browser has given up on it (closed the
 * connection) — a success that comes too late for the page.
 */
async function startStallingProxy(api: string): Promise<StallingProxy> {
  const target = new URL(api);
  let hold: ((body: Record<string, any>) => void) | undefined;
  let late: Promise<number> | undefined;
  const forward = (req: IncomingMessage, body: Buffer, res?: ServerResponse) =>
    new Promise<number>((resolve, reject) => {
      const upstream = request(new URL(req.url!, target), { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        if (res) {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        } else answer.resume();
        answer.on('end', () => resolve(answer.statusCode!));
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    if (hold && req.method === 'POST' && req.url === '/v1/inquiries') {
      const held = hold;
      hold = undefined;
      late = new Promise((resolve, reject) => res.on('close', () => forward(req, body).then(resolve, reject)));
      held(JSON.parse(body.toString()));
      return;
    }
    forward(req, body, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    holdNextInquiry: () => new Promise((resolve) => (hold = resolve)),
    lateAnswer: () => late ?? Promise.reject(new Error('no inquiry was held')),
    close: () => {
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'inquiry-form-e2e-worker' });

  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
  ({ example, siteId, siteKey } = await startExampleSite(suite.server, owner, 'Oak Realty'));
});

afterAll(() => closeAll(example, worker));

describe('the inquiry form', () => {
  it('renders visibly and correctly on a page with hostile CSS, and its CSS does not leak', async () => {
    const page = await openPage('/hostile.html');
    const form = inline(page);

    const look = await page.evaluate(() => {
      const host = document.querySelector('[data-porchlight-form]')!;
      const root = host.shadowRoot!;
      const box = (el: Element) => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return { w: r.width, h: r.height, display: s.display, visibility: s.visibility, opacity: s.opacity, fontSize: s.fontSize, color: s.color, fontFamily: s.fontFamily };
      };
      const button = root.querySelector('button[type=submit]')!;
      const r = button.getBoundingClientRect();
      return {
        host: { ...box(host), filter: getComputedStyle(host).filter },
        inputs: [...root.querySelectorAll('input:not([name=hp]):not([type=checkbox]), textarea')].map(box),
        labels: [...root.querySelectorAll('label')].filter((l) => !l.closest('[aria-hidden]')).map(box),
        heading: { ...box(root.querySelector('h2')!), text: root.querySelector('h2')!.textContent },
        button: { ...box(button), text: button.textContent },
        // What a click at the button's centre lands on: the button, not the page or its banner.
        hit: root.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.textContent,
        honeypot: box(root.querySelector('input[name=hp]')!.closest('div')!),
        pageHeading: getComputedStyle(document.querySelector('h1')!).color,
      };
    });

    expect(look.host).toMatchObject({ display: 'block', visibility: 'visible', opacity: '1', filter: 'none' });
    expect(look.host.w).toBeGreaterThan(300);
    expect(look.inputs).toHaveLength(4); // name, email, phone, message (+ the checkbox, below)
    for (const input of look.inputs) {
      expect(input).toMatchObject({ display: 'block', visibility: 'visible', opacity: '1', fontSize: '16px', color: 'rgb(29, 36, 51)' });
      expect(input.w).toBeGreaterThan(250);
      expect(input.h).toBeGreaterThan(30);
      expect(input.fontFamily).not.toMatch(/comic/i);
    }
    expect(look.labels.map((l) => l.display)).toEqual(['block', 'block', 'block', 'block', 'flex']);
    for (const label of look.labels) expect(label.h).toBeGreaterThan(15);
    expect(look.heading).toMatchObject({ text: 'Ask about this home', fontSize: '20px' });
    expect(look.button).toMatchObject({ text: 'Send message', display: 'inline-block', fontSize: '16px', color: 'rgb(255, 255, 255)' });
    expect(look.hit).toBe('Send message');
    // The honeypot is in the DOM but off-screen.
    expect(look.honeypot.w).toBeLessThanOrEqual(1);
    // Our styles stay inside the shadow root: the page keeps its own (magenta) heading.
    expect(look.pageHeading).toBe('rgb(255, 0, 255)');

    // Playwright's actionability checks (visible, stable, enabled, receives the pointer).
    await form.getByLabel('Email').click({ trial: true });
    await form.getByLabel(/I agree/).click({ trial: true });
    await form.getByRole('button', { name: 'Send message' }).click({ trial: true });

    await saveScreenshot(page, 'widget-form-hostile-css');
    expect(suite.pageErrors).toEqual([]);
  });

  it('can be filled in and sent with the keyboard alone, and the visitor’s earlier page views join the lead', { timeout: 30_000 }, async () => {
    const email = 'robin.keyboard@example.com';
    const page = await openPage(LISTING_PAGE);
    const visitor = await visitorOf(page);
    // The tracker's page view is stored before the inquiry (an anonymous visitor, no lead yet).
    const views = await vi.waitFor(async () => {
      const found = (await suite.server.sql<{ lead_id: string | null }>(`select lead_id from lead_analytics where site_id = $1 and visitor_id = $2 and event_type = 'page_view'`, [siteId, visitor])).length;
      expect(found, 'the page view').toBeGreaterThan(0);
      return found;
    }, WAIT);
    expect(views).toBeGreaterThanOrEqual(1);

    await tabTo(page, 'input[name=name]');
    await page.keyboard.type('Robin Keys');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input[name=email]');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input[name=phone]');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('textarea[name=message]');
    await page.keyboard.type('Could I see 12 Oak St on Saturday morning?');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input[name=consent]');
    await page.keyboard.press('Space');
    // The honeypot is skipped: the next stop is the button.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('button');
    await page.keyboard.press('Enter');

    // The success message is shown, announced (role=status) and focused.
    const status = inline(page).getByRole('status');
    await status.waitFor();
    expect(await status.textContent()).toContain('Thank you');
    await expectFocus(page, 'p.ok');

    const [lead] = await vi.waitFor(async () => {
      const rows = await suite.server.sql<{ lead_id: string; name: string }>('select lead_id, name from leads where email = $1', [email]);
      expect(rows.length, 'the lead').toBeTruthy();
      return rows;
    }, WAIT);
    expect(lead.name).toBe('Robin Keys');
    const inquiries = await inquiriesFor(email);
    expect(inquiries).toHaveLength(1);
    expect(inquiries[0]).toMatchObject({ source: 'widget', listing_ref: 'oak-12', message: 'Could I see 12 Oak St on Saturday morning?' });
    // Stitching (the worker): the anonymous page views now carry the lead.
    await vi.waitFor(async () => {
      const rows = await suite.server.sql<{ lead_id: string | null }>(`select lead_id from lead_analytics where site_id = $1 and visitor_id = $2 and event_type = 'page_view'`, [siteId, visitor]);
      expect(rows.length >= views && rows.every((r) => r.lead_id === lead.lead_id), 'page views stitched to the lead').toBe(true);
    }, WAIT);
    expect(suite.pageErrors).toEqual([]);
  });

  it('without an email or a phone, announces the error by the field and sends nothing', async () => {
    const page = await openPage('/hostile.html');
    const sent = recordInquiries(page);
    await fillForm(inline(page), { name: 'Sam Nocontact', message: 'Please call me.', consent: true });
    await inline(page).getByRole('button', { name: 'Send message' }).click();

    await vi.waitFor(async () => expect(await alertText(page), 'the alert').toBe('Enter an email or a phone number'), WAIT);
    const email = inline(page).getByLabel('Email');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await email.getAttribute('aria-describedby');
    expect(await page.locator('[data-porchlight-form]').locator(`#${describedBy}`).textContent()).toBe('Enter an email or a phone number');
    await expectFocus(page, 'input[name=email]');
    // The typed text is still there; nothing went to the API, nothing was stored.
    expect(await inline(page).getByLabel('Message').inputValue()).toBe('Please call me.');
    expect(sent).toEqual([]);
    expect(await suite.server.sql(`select 1 from leads where name = 'Sam Nocontact'`)).toEqual([]);

    // Fixing it clears the error on the next try.
    await inline(page).getByLabel('Phone').fill('+1 555 010 0142');
    await inline(page).getByRole('button', { name: 'Send message' }).click();
    await inline(page).getByRole('status').waitFor();
    expect(await inline(page).getByLabel('Email').count()).toBe(0);
  });

  it('keeps the typed text through a refusal and network failures, and a retry stores one inquiry', { timeout: 30_000 }, async () => {
    const email = 'casey.retry@example.com';
    const page = await openPage('/hostile.html');
    const sent = recordInquiries(page);
    const message = 'Is the garden south-facing?';

    // 1. The API refuses (a control character in the message): its field error is shown.
    await fillForm(inline(page), { name: 'Casey Retry', email, message: `${message}\u0007`, consent: true });
    await inline(page).getByRole('button', { name: 'Send message' }).click();
    await vi.waitFor(async () => expect(await alertText(page), 'the API’s field error').toBe('Control characters are not allowed'), WAIT);
    expect(await inline(page).getByLabel('Message').getAttribute('aria-invalid')).toBe('true');
    await expectFocus(page, 'textarea[name=message]');
    expect(await inline(page).getByLabel('Name').inputValue()).toBe('Casey Retry');
    expect(await inline(page).getByLabel('Email').inputValue()).toBe(email);
    expect(await inquiriesFor(email)).toEqual([]);

    // 2. The network fails: "couldn't send", everything still typed, the button usable again.
    await inline(page).getByLabel('Message').fill(message);
    await page.route(`${suite.server.url}/v1/inquiries`, (route) => route.abort('internetdisconnected'));
    await inline(page).getByRole('button', { name: 'Send message' }).click();
    await vi.waitFor(async () => expect(await alertText(page), 'the network error').toBe(NO_ANSWER), WAIT);
    expect(await inline(page).getByLabel('Message').inputValue()).toBe(message);
    expect(await inline(page).getByLabel('Email').inputValue()).toBe(email);
    expect(await inline(page).getByRole('button', { name: 'Send message' }).isEnabled()).toBe(true);
    await expectFocus(page, 'button');
    expect(await inquiriesFor(email)).toEqual([]);

    // 3. The inquiry is stored but its answer is lost on the way back.
    await page.unroute(`${suite.server.url}/v1/inquiries`);
    await page.route(`${suite.server.url}/v1/inquiries`, async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await inline(page).getByRole('button', { name: 'Send message' }).click();
    await vi.waitFor(async () => expect(await alertText(page), 'the lost answer').toBe(NO_ANSWER), WAIT);
    expect(await inquiriesFor(email)).toHaveLength(1);

    // 4. The retry (same submission id) succeeds and stores nothing twice.
    await page.unroute(`${suite.server.url}/v1/inquiries`);
    await expectFocus(page, 'button');
    await page.keyboard.press('Enter');
    await inline(page).getByRole('status').waitFor();
    const stored = await inquiriesFor(email);
    expect(stored).toHaveLength(1);
    expect(stored[0].message).toBe(message);

    expect(sent).toHaveLength(4);
    const ids = new Set(sent.map((b) => b.id));
    expect(ids.size).toBe(1);
    expect(stored[0].client_event_id).toBe(sent[0].id);
    expect(sent[3]).toMatchObject({ name: 'Casey Retry', email, message, listing: 'oak-12', consent: true, hp: '' });
    expect(sent[3].visitor).toBe(await visitorOf(page));
    expect(sent[3].url).toBe(`${example.url}/hostile.html`);
    expect(suite.pageErrors).toEqual([]);
  });

  it('on a stalled network it gives up after 15 s with a retryable error, keeps the typed text, and the retry stores one inquiry (a controlled page clock)', { timeout: 60_000 }, async () => {
    const email = 'jordan.stalled@example.com';
    const message = 'Is the basement finished?';
    // The example site again, its snippet pointing at a server in front of the API that holds the first inquiry.
    const proxy = await startStallingProxy(suite.server.url);
    const stalledSite = await startExampleServer({ port: 0, apiOrigin: proxy.url, siteKey });
    try {
      expect((await owner.patch(`/v1/sites/${siteId}`, { allowedOrigins: [example.url, stalledSite.url] })).status).toBe(200);
      const page = await openPage('/hostile.html', undefined, stalledSite.url);
      // The form's 15 s is AbortSignal.timeout, which Playwright's clock fakes like setTimeout: the
      // test moves the page's time on instead of waiting it out.
      await page.clock.install();
      const sent: Array<Record<string, any>> = [];
      page.on('request', (req) => req.method() === 'POST' && req.url() === `${proxy.url}/v1/inquiries` && sent.push(JSON.parse(req.postData() ?? '{}')));
      await fillForm(inline(page), { name: 'Jordan Stalled', email, message, consent: true });

      // 1. The connection is accepted and the request read, but no answer comes. The page's clock
      // stands still from just before the click, so the send starts at a known page time.
      const held = proxy.holdNextInquiry();
      await pauseClock(page);
      await inline(page).getByRole('button', { name: 'Send message' }).click();
      const first = await held;
      expect(await inline(page).locator('button[type=submit]').textContent()).toBe('Sending…');

      // 2. The form waits the whole 15 s, not less…
      await page.clock.runFor(14_900);
      expect(await inline(page).locator('button[type=submit]').textContent(), 'still waiting at 14.9 s').toBe('Sending…');
      expect(await alertText(page), 'no error before the timeout').toBe('');
      // …then stops waiting: a retryable error, everything still typed, the button usable again.
      await page.clock.runFor(100);
      await vi.waitFor(async () => expect(await alertText(page), 'the timeout').toBe(NO_ANSWER), WAIT);
      await page.clock.resume();
      expect(await inline(page).getByLabel('Name').inputValue()).toBe('Jordan Stalled');
      expect(await inline(page).getByLabel('Email').inputValue()).toBe(email);
      expect(await inline(page).getByLabel('Message').inputValue()).toBe(message);
      expect(await inline(page).getByLabel(/I agree/).isChecked()).toBe(true);
      expect(await inline(page).getByRole('button', { name: 'Send message' }).getAttribute('aria-disabled')).toBe('false');
      await expectFocus(page, 'button');

      // 3. The held request reaches the API after all (a late success): stored once.
      expect(await proxy.lateAnswer()).toBe(202);
      expect(await inquiriesFor(email)).toHaveLength(1);

      // 4. The retry goes through, with the same submission id: still one inquiry.
      await page.keyboard.press('Enter');
      await inline(page).getByRole('status').waitFor();
      const stored = await inquiriesFor(email);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ message, listing_ref: 'oak-12', client_event_id: first.id });
      expect(sent.map((b) => b.id)).toEqual([first.id, first.id]);
      expect(await suite.server.sql('select 1 from leads where email = $1', [email])).toHaveLength(1);
      expect(suite.pageErrors).toEqual([]);
    } finally {
      await stalledSite.close();
      await proxy.close();
    }
  });

  it('a form that stays mounted through client-side navigation (pushState) sends the listing shown when it is sent', async () => {
    const email = 'riley.spa@example.com';
    const page = await openPage('/hostile.html');
    const sent = recordInquiries(page);
    await fillForm(inline(page), { name: 'Riley Spa', email, message: 'Does 7 Maple Ave have a garage?', consent: true });
    // The site's router shows another listing without a page load, as the example site's does
    // (a new URL, the listing on the page and on the form's element), but keeps the form mounted.
    await page.evaluate(() => {
      history.pushState(null, '', '/listings/maple-7');
      document.body.setAttribute('data-porchlight-listing', 'maple-7');
      document.querySelector('[data-porchlight-form]')!.setAttribute('data-listing', 'maple-7');
    });
    // The tracker records the new page (it looks again after a navigation), and the form is the same one, text and all.
    await vi.waitFor(async () => {
      const views = await suite.server.sql<{ listing_ref: string }>(`select listing_ref from lead_analytics where site_id = $1 and visitor_id = $2 and event_type = 'page_view'`, [siteId, await visitorOf(page)]);
      expect(views.map((v) => v.listing_ref), 'the page view of the new listing').toContain('maple-7');
    }, WAIT);
    expect(await inline(page).getByLabel('Message').inputValue()).toBe('Does 7 Maple Ave have a garage?');

    await inline(page).getByRole('button', { name: 'Send message' }).click();
    await inline(page).getByRole('status').waitFor();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ listing: 'maple-7', url: `${example.url}/listings/maple-7` });
    const stored = await inquiriesFor(email);
    expect(stored).toHaveLength(1);
    expect(stored[0].listing_ref).toBe('maple-7');
    expect(suite.pageErrors).toEqual([]);
  });

  it('with the honeypot filled in, the API answers 202 and stores nothing', async () => {
    const email = 'honey.bot@example.com';
    const page = await openPage('/hostile.html');
    await fillForm(inline(page), { name: 'Honey Bot', email, message: 'Buy cheap watches', consent: true });
    await page.evaluate(() => {
      const hp = document.querySelector('[data-porchlight-form]')!.shadowRoot!.querySelector<HTMLInputElement>('input[name=hp]')!;
      hp.value = 'https://spam.example';
    });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${suite.server.url}/v1/inquiries`),
      inline(page).getByRole('button', { name: 'Send message' }).click(),
    ]);
    expect(response.status()).toBe(202);
    expect(JSON.parse(response.request().postData() ?? '{}').hp).toBe('https://spam.example');
    await inline(page).getByRole('status').waitFor();
    expect(await suite.server.sql('select 1 from leads where email = $1', [email])).toEqual([]);
    expect(await suite.server.sql(`select 1 from inquiries where message = 'Buy cheap watches'`)).toEqual([]);
  });

  it('mounts into a form container the page adds later, with its own listing', async () => {
    const page = await openPage('/hostile.html');
    await page.evaluate(() => {
      const late = document.createElement('div');
      late.id = 'late-form';
      late.setAttribute('data-porchlight-form', '');
      late.setAttribute('data-listing', 'birch-3');
      document.body.append(late);
    });
    await page.locator('#late-form form').waitFor({ state: 'visible' });
    expect(await page.locator('#late-form').getByRole('heading').textContent()).toBe('Ask about this home');
    // The first container keeps its one form.
    expect(await page.locator('[data-porchlight-form]').first().locator('form').count()).toBe(1);
    expect(suite.pageErrors).toEqual([]);
  });

  it("porchlight('open') shows one modal dialog; Escape and the close button close it and give the focus back", { timeout: 30_000 }, async () => {
    const email = 'morgan.modal@example.com';
    const page = await openPage(LISTING_PAGE);
    // An "Ask about Maple Ave" button of the host page's own.
    await page.evaluate(() => {
      const button = document.createElement('a');
      button.href = '#ask';
      button.id = 'ask';
      button.textContent = 'Ask about 7 Maple Ave';
      button.addEventListener('click', (e) => {
        e.preventDefault();
        (window as any).porchlight('open', { listing: 'maple-7' });
        (window as any).porchlight('open', { listing: 'maple-7' }); // a double click: still one dialog
      });
      document.body.prepend(button);
      button.focus();
    });
    const opener = 'a';
    expect(await focused(page)).toBe(opener);

    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.count()).toBe(1);
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await dialog.getByRole('heading').textContent()).toBe('Ask about this home');
    await expectFocus(page, 'input[name=name]');
    await saveScreenshot(page, 'widget-form-modal', { fullPage: false });

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expectFocus(page, opener);
    // Escape hides the native dialog at once (no role=dialog left, the focus restored), but the
    // widget tears its host down on the dialog's `close` event, a task of its own, which a key
    // press sent right after can overtake (Chromium runs input first): wait for the teardown.
    await page.waitForFunction(() => ![...document.body.children].some((el) => el.shadowRoot?.querySelector('dialog')));

    // Again, this time sent: the inquiry is about the listing given to open().
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await fillForm(dialog, { name: 'Morgan Modal', email, message: 'Is Maple Ave still available?', consent: true });
    await dialog.getByRole('button', { name: 'Send message' }).click();
    await dialog.getByRole('status').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectFocus(page, opener);
    const [inquiry] = await vi.waitFor(async () => {
      const rows = await inquiriesFor(email);
      expect(rows.length).toBeTruthy();
      return rows;
    }, WAIT);
    expect(inquiry).toMatchObject({ source: 'widget', listing_ref: 'maple-7' });
    expect(suite.pageErrors).toEqual([]);
  });

  it("porchlight('open') from a button a click does not focus (Safari, Firefox on macOS): the dialog has the button's theme and gives it the focus back", { timeout: 30_000 }, async () => {
    const page = await openPage(LISTING_PAGE);
    // The README's third install, themed, with a label inside the button (what a click hits).
    // Safari does not focus a clicked <button>; preventDefault() on mousedown keeps Chromium from
    // focusing it too, so document.activeElement is <body> when porchlight('open') runs.
    await page.evaluate(() =>
      document.body.insertAdjacentHTML(
        'afterbegin',
        `<button type="button" class="book" data-heading="Book a viewing" data-accent="#8a1538" data-label-message="Anything we should know?"
           onmousedown="event.preventDefault()" onclick="window.focusedAtOpen = document.activeElement.tagName; porchlight('open')"><span>Book a viewing</span></button>`,
      ),
    );
    const dialog = page.getByRole('dialog');
    for (const closeWith of ['Escape', 'the close button']) {
      await page.locator('button.book span').click();
      await dialog.waitFor();
      expect(await page.evaluate(() => (window as any).focusedAtOpen), 'the focus when open() ran').toBe('BODY');
      expect(await dialog.getByRole('heading').textContent()).toBe('Book a viewing');
      expect(await dialog.getByRole('button', { name: 'Send message' }).evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(138, 21, 56)');
      await dialog.getByLabel('Anything we should know?').waitFor();
      await expectFocus(page, 'input[name=name]');

      if (closeWith === 'Escape') await page.keyboard.press('Escape');
      else await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
      await expectFocus(page, 'button.book');
      await page.waitForFunction(() => ![...document.body.children].some((el) => el.shadowRoot?.querySelector('dialog')));
      // Off the button again before the next click, as a Safari visitor would be.
      await page.evaluate(() => (document.activeElement as HTMLElement).blur());
    }
    expect(suite.pageErrors).toEqual([]);
  });

  it('files an inquiry under the listing around its form, or around the button that opened the dialog, not the page’s first', { timeout: 30_000 }, async () => {
    const page = await openPage(LISTING_PAGE);
    // A results-page card after the page's own listing (<main data-porchlight-listing="oak-12">,
    // the first on the page): an "Ask about 7 Maple" button and an inline form inside the card.
    await page.evaluate(() =>
      document.body.insertAdjacentHTML(
        'beforeend',
        `<article data-porchlight-listing="maple-7"><h2>7 Maple Avenue</h2>
           <button type="button" id="ask-maple" onclick="porchlight('open')"><span>Ask about 7 Maple</span></button>
           <div data-porchlight-form id="maple-form"></div></article>`,
      ),
    );
    const card = page.locator('#maple-form');
    await card.locator('form').waitFor({ state: 'visible' });
    await fillForm(card, { name: 'Card Form', email: 'card.form@example.com', message: 'Is Maple still available?', consent: true });
    await card.getByRole('button', { name: 'Send message' }).click();
    await card.getByRole('status').waitFor();

    await page.locator('#ask-maple span').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await fillForm(dialog, { name: 'Card Button', email: 'card.button@example.com', message: 'Can I see Maple on Sunday?', consent: true });
    await dialog.getByRole('button', { name: 'Send message' }).click();
    await dialog.getByRole('status').waitFor();

    expect((await inquiriesFor('card.form@example.com')).map((i) => i.listing_ref)).toEqual(['maple-7']);
    expect((await inquiriesFor('card.button@example.com')).map((i) => i.listing_ref)).toEqual(['maple-7']);
    expect(suite.pageErrors).toEqual([]);
  });

  it('on a phone (390×844): the dialog does not scroll when it fits, and a right-to-left page with the form is no wider than the window', { timeout: 30_000 }, async () => {
    const page = await openPage(LISTING_PAGE, { width: 390, height: 844 });
    await page.evaluate(() => (window as any).porchlight('open'));
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const box = await dialog.evaluate((d) => ({ scroll: d.scrollHeight, client: d.clientHeight, window: innerHeight }));
    expect(box.client, 'the dialog fits in the window').toBeLessThan(box.window - 24);
    // (a dialog that scrolls is also a Tab stop of its own, without a name)
    expect(box.scroll, `the dialog's content (${box.scroll}px) fits its box (${box.client}px)`).toBeLessThanOrEqual(box.client);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // (The example site's own skip link is off-screen with `left: -9999px` too, which widens an rtl
    // page the same way: it goes, so that only the widget is measured.)
    await page.evaluate(() => {
      document.querySelector('.skip')?.remove();
      document.documentElement.setAttribute('dir', 'rtl');
    });
    await expectNoHorizontalOverflow(page, 'the rtl page with the inline form');
    // The honeypot is a clipped 1×1 px box inside the window, not a field 9999 px off to the side.
    const trap = (await inline(page).locator('div.h').boundingBox())!;
    expect(trap.width * trap.height).toBeLessThanOrEqual(1);
    expect(trap.x).toBeGreaterThanOrEqual(0);
    expect(suite.pageErrors).toEqual([]);
  });

  it("Escape or the close button keeps what the visitor typed for the next porchlight('open'); once it is sent, the next is a new form", { timeout: 30_000 }, async () => {
    const email = 'drew.draft@example.com';
    const page = await openPage(LISTING_PAGE);
    const sent = recordInquiries(page);
    const dialog = page.getByRole('dialog');
    const openDialog = async () => {
      await page.evaluate(() => (window as any).porchlight('open'));
      await dialog.waitFor();
    };
    await openDialog();
    await fillForm(dialog, { name: 'Drew Draft', email, message: 'Is the basement finished?' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => ![...document.body.children].some((el) => el.shadowRoot?.querySelector('dialog')));

    await openDialog();
    expect(await dialog.getByLabel('Message').inputValue()).toBe('Is the basement finished?');
    expect(await dialog.getByLabel('Email').inputValue()).toBe(email);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Opened again after the close button: modal again (the top layer, the focus inside it, Escape
    // works) — the close button used to leave the <dialog> open, and it came back as a plain box
    // below the page, without a focus trap.
    await openDialog();
    expect(await dialog.evaluate((d) => d.matches(':modal'))).toBe(true);
    expect(await dialog.evaluate((d) => d.contains((d.getRootNode() as ShadowRoot).activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await openDialog();
    expect(await dialog.evaluate((d) => d.matches(':modal'))).toBe(true);
    expect(await dialog.getByLabel('Name').inputValue()).toBe('Drew Draft');
    await dialog.getByLabel(/I agree/).check();
    await dialog.getByRole('button', { name: 'Send message' }).click();
    await dialog.getByRole('status').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    await openDialog();
    expect(await dialog.getByLabel('Message').inputValue()).toBe('');
    expect(await dialog.getByLabel('Name').inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await inquiriesFor(email)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(suite.pageErrors).toEqual([]);
  });

  it('a draft opened again for another listing is a new inquiry: one whose answer was lost for the first is not taken as its retry', { timeout: 30_000 }, async () => {
    const email = 'lost.answer@example.com';
    const page = await openPage(LISTING_PAGE);
    await page.evaluate(() =>
      document.body.insertAdjacentHTML('beforeend', '<article data-porchlight-listing="maple-7"><button type="button" id="ask-maple" onclick="porchlight(\'open\')">Ask about 7 Maple</button></article>'),
    );
    const dialog = page.getByRole('dialog');
    // The first send reaches the API (stored) but its answer never reaches the page.
    let lose = true;
    await page.route(`${suite.server.url}/v1/inquiries`, async (route) => {
      if (!lose) return route.continue();
      lose = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.evaluate(() => (window as any).porchlight('open'));
    await dialog.waitFor();
    await fillForm(dialog, { name: 'Lost Answer', email, message: 'Is Oak still available?', consent: true });
    await dialog.getByRole('button', { name: 'Send message' }).click();
    await dialog.getByRole('alert').filter({ hasText: /./ }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Asked about Maple instead, with the draft kept: sent, it is stored as its own inquiry.
    await page.locator('#ask-maple').click();
    await dialog.waitFor();
    await dialog.getByLabel('Message').fill('And is Maple still available?');
    await dialog.getByRole('button', { name: 'Send message' }).click();
    await dialog.getByRole('status').waitFor();
    expect((await inquiriesFor(email)).map((i) => [i.listing_ref, i.message]).sort()).toEqual([
      ['maple-7', 'And is Maple still available?'],
      ['oak-12', 'Is Oak still available?'],
    ]);
    expect(suite.pageErrors).toEqual([]);
  });

  it("porchlight('open') shows the dialog centred in the window, on a phone (390×844) and a desktop (1440×900)", { timeout: 30_000 }, async () => {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
      const page = await openPage(LISTING_PAGE, viewport);
      await page.evaluate(() => (window as any).porchlight('open'));
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      // With the errors shown the form is at its tallest (on the phone: taller than the window).
      await dialog.getByRole('button', { name: 'Send message' }).click();
      await dialog.getByText('Write a message').waitFor();
      const box = (await dialog.boundingBox())!;
      const size = `${viewport.width}×${viewport.height}`;
      await saveScreenshot(page, `widget-form-modal-${size.replace('×', 'x')}`, { fullPage: false });
      const left = box.x;
      const right = viewport.width - box.x - box.width;
      const top = box.y;
      const bottom = viewport.height - box.y - box.height;
      expect(Math.abs(left - right), `${size}: ${left}px left of the dialog, ${right}px right`).toBeLessThanOrEqual(1);
      expect(Math.abs(top - bottom), `${size}: ${top}px above the dialog, ${bottom}px below`).toBeLessThanOrEqual(1);
      expect(left, `${size}: the dialog does not touch the window's sides`).toBeGreaterThanOrEqual(12);
      expect(top, `${size}: the dialog does not touch the window's top`).toBeGreaterThan(0);
      // Everything in it is reachable: the dialog scrolls to its Send button, whose press still works.
      await dialog.getByRole('button', { name: 'Send message' }).click();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    expect(suite.pageErrors).toEqual([]);
  });
});
