// The widget on a site with a strict Content-Security-Policy (examples/listing-site/public/strict-csp.html:
// `default-src 'self'; script-src 'self' <API>; connect-src <API>; style-src 'self'`, no 'unsafe-inline'),
// in real Chromium against the real API and Postgres. The browser blocks inline `<style>` elements
// under it, also in shadow roots, so the form must style itself with a constructed stylesheet
// (widget/form/main.tsx): the inline form and the porchlight('open') dialog must look as the same
// page shows them without the policy (a context that bypasses CSP), with their data-* theme (set
// through CSSOM custom properties, which the policy allows), the browser must report no violation,
// and an inquiry sent through the dialog must be stored. Needs `npm run build:widget`.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import type { ExampleServer } from '../../examples/listing-site/serve.ts';

const suite = useBrowserSuite();
let example: ExampleServer;
/** Errors thrown in any page: the widget must never throw into its host. */

const PAGE = '/strict-csp.html';

/**
 * The strict-CSP page in a new browser context (a new visitor), its inline form mounted. `csp:
 * false` opens the same page with the policy bypassed: how the form looks without it.
 * `adoptedStyleSheets: false` takes that API away, as in browsers before Chrome 73, Firefox 101
 * and Safari 16.4. The page's `securitypolicyviolation` events are collected from before any of
 * its scripts run.
 */
async function openPage(csp: boolean, adoptedStyleSheets = true): Promise<Page> {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: !csp });
  suite.contexts.push(context);
  if (!adoptedStyleSheets) await context.addInitScript(() => delete (ShadowRoot.prototype as any).adoptedStyleSheets);
  await context.addInitScript(() => {
    const violations: string[] = [];
    (window as any).cspViolations = violations;
    // (the event is composed: one in a shadow root reaches the document, its target the host)
    document.addEventListener('securitypolicyviolation', (e) => {
      const target = e.target as Element;
      violations.push(`${e.effectiveDirective} ${e.blockedURI} ${target.nodeName}${target.id ? `#${target.id}` : ''}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => suite.pageErrors.push(`${PAGE}: ${err.message}`));
  await page.goto(example.url + PAGE);
  await page.locator('[data-porchlight-form] form').waitFor({ state: 'visible' });
  return page;
}

/**
 * The page's CSP violations so far. Violation events come in tasks of their own, after what caused
 * them: a probe that the policy blocks (an inline `<style>`, added now) is reported after
 * everything before it, so once the probe's report is in, so is every earlier one. The probe's own
 * report also proves the policy is in force and the listener hears it.
 */
async function violationsOf(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    const probe = document.createElement('style');
    probe.id = 'probe';
    probe.textContent = 'h1 { color: red }';
    document.head.append(probe);
  });
  const all = await page.waitForFunction(() => {
    const v: string[] = (window as any).cspViolations;
    return v.some((x) => x.endsWith('#probe')) && v;
  });
  return ((await all.jsonValue()) as string[]).filter((v) => !v.endsWith('#probe'));
}

/** Computed styles of the form in `which`'s shadow root: the inline form's, or the open dialog's. */
function lookOf(page: Page, which: 'inline' | 'dialog') {
  return page.evaluate((which) => {
    const host = which === 'inline' ? document.querySelector('[data-porchlight-form]') : [...document.body.children].find((el) => el.shadowRoot?.querySelector('dialog'));
    const root = host!.shadowRoot!;
    const pick = (selector: string, props: string[], pseudo?: string) => {
      const style = getComputedStyle(root.querySelector(selector)!, pseudo);
      return Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p).trim()]));
    };
    return {
      host: getComputedStyle(host!).display,
      box: pick('.w', ['--porchlight-accent', '--porchlight-radius', 'padding', 'border-radius', 'background-color', 'color', 'font-size', 'font-family']),
      heading: pick('h2', ['font-size', 'font-weight']),
      email: pick('input[name=email]', ['display', 'border-top', 'padding', 'border-radius']),
      message: pick('textarea', ['height']),
      honeypot: pick('.h', ['position', 'clip-path']),
      button: pick('button[type=submit]', ['background-color', 'color', 'padding', 'border-radius', 'font-weight']),
      ...(which === 'dialog' && {
        dialog: pick('dialog', ['max-width', 'padding', 'border-top-width', 'border-radius']),
        backdrop: pick('dialog', ['background-color'], '::backdrop'),
      }),
    };
  }, which);
}

/** Adds a button of the page's own that opens the dialog (bound by a script, as the policy allows; an inline onclick would be blocked). */
async function addOpenButton(page: Page): Promise<void> {
  await page.evaluate(() => {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'book';
    button.textContent = 'Book a viewing';
    Object.assign(button.dataset, { accent: '#0b4f8a', radius: '20px', heading: 'Book a viewing' });
    button.addEventListener('click', () => (window as any).porchlight('open', { listing: 'maple-7' }));
    document.querySelector('main')!.prepend(button);
  });
}

beforeAll(async () => {
  const owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Casey Strict' });
  ({ example } = await startExampleSite(suite.server, owner, 'Strict Realty'));
});

afterAll(() => closeAll(example));

describe('the widget on a page whose Content-Security-Policy allows no inline styles or scripts', () => {
  it('shows the inline form styled and themed as without the policy, and the browser reports no violation', { timeout: 30_000 }, async () => {
    const page = await openPage(true);
    const look = await lookOf(page, 'inline');
    expect(look, 'the same form without the policy').toEqual(await lookOf(await openPage(false), 'inline'));
    // Styled by our sheet, themed by the element's data-accent and data-radius (custom properties
    // that Preact sets through CSSOM): not the browser's defaults.
    expect(look).toMatchObject({
      host: 'block',
      box: { '--porchlight-accent': '#8a1538', '--porchlight-radius': '4px', padding: '20px', 'border-radius': '4px', 'background-color': 'rgb(255, 255, 255)', 'font-size': '16px' },
      heading: { 'font-size': '20px', 'font-weight': '700' },
      email: { display: 'block', 'border-top': '1px solid rgb(136, 136, 153)', padding: '9px 11px', 'border-radius': '4px' },
      message: { height: '110px' },
      honeypot: { position: 'absolute', 'clip-path': 'inset(50%)' },
      button: { 'background-color': 'rgb(138, 21, 56)', color: 'rgb(255, 255, 255)', padding: '11px 20px', 'border-radius': '4px', 'font-weight': '600' },
    });
    await saveScreenshot(page, 'widget-form-strict-csp');
    expect(await violationsOf(page)).toEqual([]);
    expect(suite.pageErrors).toEqual([]);
  });

  it('falls back to a <style> element in browsers without adoptedStyleSheets: styled as before where the policy allows it', async () => {
    const page = await openPage(false, false);
    expect(await page.evaluate(() => document.querySelector('[data-porchlight-form]')!.shadowRoot!.querySelectorAll('style').length)).toBe(1);
    expect(await lookOf(page, 'inline'), 'the form with adoptedStyleSheets').toEqual(await lookOf(await openPage(false), 'inline'));
    expect(suite.pageErrors).toEqual([]);
  });

  it("opens porchlight('open')'s dialog styled and themed by its opener, and an inquiry sent through it is stored", { timeout: 30_000 }, async () => {
    const email = 'casey.csp@example.com';
    const looks = [];
    for (const csp of [false, true]) {
      const page = await openPage(csp);
      await addOpenButton(page);
      await page.locator('#book').click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.getByRole('heading').textContent()).toBe('Book a viewing');
      looks.push(await lookOf(page, 'dialog'));
      if (!csp) continue;

      // Shared with the inline form: one constructed sheet for every shadow root.
      expect(await page.evaluate(() => document.querySelector('[data-porchlight-form]')!.shadowRoot!.adoptedStyleSheets[0] === [...document.body.children].find((el) => el.shadowRoot?.querySelector('dialog'))!.shadowRoot!.adoptedStyleSheets[0])).toBe(true);
      await saveScreenshot(page, 'widget-form-strict-csp-modal', { fullPage: false });
      await dialog.getByLabel('Name').fill('Casey Strict-Policy');
      await dialog.getByLabel('Email').fill(email);
      await dialog.getByLabel('Message').fill('Can I see 7 Maple Ave this weekend?');
      await dialog.getByLabel(/I agree/).check();
      await dialog.getByRole('button', { name: 'Send message' }).click();
      await dialog.getByRole('status').waitFor();
      expect(await violationsOf(page)).toEqual([]);
    }
    const [without, strict] = looks;
    expect(strict, 'the same dialog without the policy').toEqual(without);
    expect(strict).toMatchObject({
      box: { '--porchlight-accent': '#0b4f8a', '--porchlight-radius': '20px', padding: '20px', 'font-size': '16px' },
      heading: { 'font-size': '20px' },
      email: { 'border-top': '1px solid rgb(136, 136, 153)', padding: '9px 11px', 'border-radius': '20px' },
      button: { 'background-color': 'rgb(11, 79, 138)', padding: '11px 20px', 'border-radius': '20px' },
      // The dialog's own corners follow data-radius too (they stayed at 12px while the box inside had 20px).
      dialog: { 'max-width': '480px', padding: '0px', 'border-top-width': '0px', 'border-radius': '20px' },
      backdrop: { 'background-color': 'rgba(0, 0, 0, 0.6)' },
    });

    const rows = await vi.waitFor(async () => {
      const found = await suite.server.sql<{ source: string; listing_ref: string; message: string }>(
        'select i.source, i.listing_ref, i.message from inquiries i join leads l on l.lead_id = i.lead_id where l.email = $1',
        [email],
      );
      expect(found.length, 'the inquiry').toBeGreaterThan(0);
      return found;
    }, WAIT);
    expect(rows).toEqual([{ source: 'widget', listing_ref: 'maple-7', message: 'Can I see 7 Maple Ave this weekend?' }]);
    expect(suite.pageErrors).toEqual([]);
  });
});
