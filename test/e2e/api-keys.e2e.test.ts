// The API keys page in a real browser: create a read-only key with an expiry, copy it once, see it
// work read-only and show its last use (the list no wider than a 390×844 phone: its table scrolls
// inside its card), then revoke it. Needs `npm run build:admin` (npm test runs it).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionContext, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';

const suite = useBrowserSuite();

async function signedInPage(): Promise<Page> {
  const owner = new ApiClient(suite.server.url);
  await owner.signUp();
  const context = await newSessionContext(suite.browser, suite.server, owner, { viewport: { width: 1280, height: 860 } });
  suite.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

describe('API keys page', () => {
  it('creates a read-only key shown once, lists its last use, and revokes it', { timeout: 60_000 }, async () => {
    const page = await signedInPage();
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText('No API keys yet.').waitFor();

    // At 390×844 the chosen access fits its select (the explanation is help text below, not
    // option text cut off at "Read only — can look, cannot ch"), and the help follows the choice.
    await page.setViewportSize({ width: 390, height: 844 });
    const access = page.getByLabel('Access');
    const measureFit = () => access.evaluate((select: HTMLSelectElement) => {
      const style = getComputedStyle(select);
      const probe = document.createElement('span');
      probe.style.font = style.font;
      probe.style.whiteSpace = 'pre';
      probe.textContent = select.selectedOptions[0]?.text ?? '';
      document.body.append(probe);
      const textWidth = probe.getBoundingClientRect().width;
      probe.remove();
      const room = select.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
      return { text: probe.textContent, textWidth, room, help: select.getAttribute('aria-describedby') && document.getElementById(select.getAttribute('aria-describedby') ?? '')?.textContent };
    });
    for (const [scope, text, help] of [['read', 'Read only', 'Can look, cannot change anything.'], ['read_write', 'Read and write', 'Can look and make changes.']]) {
      await access.selectOption(scope);
      const measured = await measureFit();
      expect(measured.textWidth, measured.text ?? '').toBeLessThanOrEqual(measured.room);
      expect(measured).toMatchObject({ text, help });
      await page.getByText(help, { exact: true }).waitFor();
    }
    await saveScreenshot(page, 'admin-api-keys-form-390');
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.getByLabel('Name').fill('CRM sync');
    await page.getByLabel('Access').selectOption('read');
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Copy your new key now' }).waitFor();
    const key = ((await page.locator('.card-success .code-snippet-body code').textContent()) ?? '').trim();
    expect(key).toMatch(/^plk_/);
    const row = page.getByRole('row', { name: /CRM sync/ });
    await row.getByText('Read only').waitFor();
    await row.getByText('Never').waitFor(); // not used yet
    await saveScreenshot(page, 'admin-api-keys-created');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalOverflow(page, 'API keys with a key at 390×844');
    await saveScreenshot(page, 'admin-api-keys-created-390');
    await page.setViewportSize({ width: 1280, height: 860 });

    // The key reads but cannot write; its use shows up after a reload.
    const bot = new ApiClient(suite.server.url);
    bot.bearer = key;
    expect((await bot.get('/v1/leads')).status).toBe(200);
    expect((await bot.post('/v1/sites', { name: 'nope' })).status).toBe(403);
    await page.reload();
    await page.getByRole('row', { name: /CRM sync/ }).getByText(/ago|just now/i).waitFor();

    await page.getByRole('button', { name: 'Revoke CRM sync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('No API keys yet.').waitFor();
    expect((await bot.get('/v1/leads')).status).toBe(401);
  });
});
