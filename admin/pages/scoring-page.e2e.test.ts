// The scoring rules page in Chromium against the real API and Postgres: going through the rules
// with Tab, every field that takes the focus is visible, never under the action bar that sticks
// to the bottom of the window (it covered several at 390×844 and at 1440×900); "Undo changes" and
// "Reset to defaults" go away (or are disabled) once pressed, and focus moves to the notice saying
// what they did instead of falling to <body>. Screenshots in
// test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';

const suite = useBrowserSuite();
let owner: ApiClient;

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Dana Realtor' });
});

/** The focused rule field, and whether it is what shows at its own centre (nothing drawn over it). */
function focusedField(page: Page): Promise<{ id: string; visible: boolean } | null> {
  return page.evaluate(() => {
    const field = document.activeElement;
    if (!(field instanceof HTMLInputElement) || !field.matches('.rules-form input')) return null;
    const box = field.getBoundingClientRect();
    return { id: field.id, visible: document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === field };
  });
}

describe('scoring rules page', () => {
  for (const viewport of [{ width: 390, height: 844 }, { width: 1440, height: 900 }]) {
    it(`at ${viewport.width}×${viewport.height}: a field focused with Tab is never under the sticky action bar`, { timeout: 60_000 }, async () => {
      const { server, browser, contexts, pageErrors } = suite;
      const page = await newSessionPage(browser, server, owner, { viewport, contexts, pageErrors, timeoutMs: 15_000 });
      await page.goto(`${server.url}/app/scoring`);
      const fields = page.locator('.rules-form input');
      await fields.first().waitFor();
      const count = await fields.count();
      // An edit makes the bar taller (Undo changes, Unsaved changes).
      await fields.first().fill('10');
      await page.getByText('Unsaved changes').waitFor();

      const seen: Array<{ id: string; visible: boolean }> = [];
      for (let i = 0; i < count; i++) {
        const field = await focusedField(page);
        if (field) seen.push(field);
        await page.keyboard.press('Tab');
      }
      expect(seen).toHaveLength(count);
      expect(seen.filter((f) => !f.visible)).toEqual([]);
      await saveScreenshot(page, `scoring-tab-${viewport.width}`, { fullPage: false });
    });
  }
});

/** The focused element: its tag and text. */
const focused = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName, text: document.activeElement?.textContent?.trim() }));

describe('scoring rules page: Undo and Reset', () => {
  it('keep the keyboard focus on the notice of what they did, not on <body>', { timeout: 60_000 }, async () => {
    const { server, browser, contexts, pageErrors } = suite;
    const page = await newSessionPage(browser, server, owner, { viewport: { width: 1440, height: 900 }, contexts, pageErrors, timeoutMs: 15_000 });
    await page.goto(`${server.url}/app/scoring`);
    const first = page.locator('.rules-form input').first();
    await first.waitFor();
    const saved = await first.inputValue();

    await first.fill('37');
    await page.getByRole('button', { name: 'Undo changes' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Undo changes' }).waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toEqual({ tag: 'SPAN', text: 'Changes undone: the form shows your saved rules.' });
    expect(await first.inputValue()).toBe(saved);

    // The next edit clears the notice; Reset to defaults (disabled once pressed) says what it did.
    await first.fill('37');
    expect(await page.getByText('Changes undone').count()).toBe(0);
    await page.getByRole('button', { name: 'Reset to defaults' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('button', { name: 'Reset to defaults' }).isDisabled()).toBe(true);
    await expect.poll(() => focused(page)).toEqual({ tag: 'SPAN', text: 'The form shows the default rules. Save to use them.' });
    // Tab goes on from there, not from the top of the page.
    await page.keyboard.press('Tab');
    expect((await focused(page)).tag).not.toBe('BODY');
  });
});
