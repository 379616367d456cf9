// The Leads page's filter row with a site named at length (60 characters) in a real browser
// against the real API and Postgres: the Site select keeps its width (the chosen name cut with an
// ellipsis, the full name in its options and its title), so the row stays in line and inside the
// page at 1440×900 and 390×844, before and after the long-named site is chosen. Screenshots at
// both sizes in test-results/screenshots. Run `npm run build:admin` first.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { ApiClient } from '#test/http.ts';

const LONG_SITE = 'Riverside Heights Luxury Condominiums and Townhomes Phase II';

const suite = useBrowserSuite();
let realtor: ApiClient;
let longSiteId: string;

beforeAll(async () => {
  expect(LONG_SITE).toHaveLength(60);
  realtor = new ApiClient(suite.server.url);
  await realtor.signUp({ username: 'Dana Realtor' });
  longSiteId = (await realtor.post('/v1/sites', { name: LONG_SITE })).body.siteId;
  await realtor.post('/v1/sites', { name: 'Oak St' });
  await realtor.post('/v1/leads', { name: 'Casey Hartman', email: 'casey@example.com' });
});

interface Box {
  left: number;
  right: number;
  top: number;
  width: number;
}

/** Where the filter row and its selects are, and whether the row overflows. */
function measure(page: Page) {
  return page.locator('#lead-filter-site').evaluate((site) => {
    const row = site.closest('.filters-row') as HTMLElement;
    const box = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, width: r.width };
    };
    return {
      viewport: document.documentElement.clientWidth,
      row: { ...box(row), scrollWidth: row.scrollWidth, clientWidth: row.clientWidth },
      status: box(document.getElementById('lead-filter-status')!),
      site: box(site),
      sort: box(document.getElementById('lead-sort')!),
      textOverflow: getComputedStyle(site).textOverflow,
    };
  });
}

function expectRowInside(m: Awaited<ReturnType<typeof measure>>, label: string): void {
  expect(m.row.scrollWidth, `${label}: the row's scrollWidth`).toBeLessThanOrEqual(m.row.clientWidth);
  expect(m.row.right, `${label}: the row ends inside the page`).toBeLessThanOrEqual(m.viewport);
  for (const key of ['status', 'site', 'sort'] as const) {
    expect(m[key].left, `${label}: ${key} starts inside the row`).toBeGreaterThanOrEqual(m.row.left - 0.5);
    expect(m[key].right, `${label}: ${key} ends inside the row`).toBeLessThanOrEqual(m.row.right + 0.5);
  }
}

describe('the Site filter with a 60-character site name', () => {
  for (const [width, height] of [[1440, 900], [390, 844]] as const) {
    it(`keeps its width and the filter row inside the page at ${width}×${height}`, async () => {
      const { server, browser, contexts, pageErrors } = suite;
      const phone = width < 640;
      const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width, height }, isMobile: phone, hasTouch: phone });
      await page.goto(`${server.url}/app/leads`);
      if (phone) await page.getByRole('button', { name: /^Filters/ }).click();
      const site = page.locator('#lead-filter-site');
      await site.locator(`option[value="${longSiteId}"]`).waitFor({ state: 'attached' });
      // The option carries the whole name.
      expect(await site.locator(`option[value="${longSiteId}"]`).textContent()).toBe(LONG_SITE);

      const before = await measure(page);
      expectRowInside(before, `${width}, All sites`);
      await saveScreenshot(page, `leads-filters-long-site-${width}`);

      await site.selectOption(longSiteId);
      await page.waitForURL((url) => url.searchParams.get('site') === longSiteId);
      await page.getByText('No leads match these filters').waitFor();
      const after = await measure(page);
      expectRowInside(after, `${width}, the long site chosen`);
      // Choosing it does not widen the select or move the row's selects.
      expect(after.site.width, 'the site select keeps its width').toBeCloseTo(before.site.width, 0);
      expect(after.sort.left, 'Sort by stays put').toBeCloseTo(before.sort.left, 0);
      expect(after.sort.top, 'Sort by stays on its line').toBeCloseTo(before.sort.top, 0);
      // It keeps the width of a filter, not of its longest option (16rem at most; half the row at 390).
      for (const m of [before, after]) {
        expect(m.site.width, 'the site select is not stretched by the long name').toBeLessThanOrEqual(phone ? (m.row.clientWidth + 1) / 2 : 256);
        expect(m.site.top, 'Site sits on the line of Status').toBeCloseTo(m.status.top, 0);
        if (!phone) expect(m.sort.top, 'at 1440, Sort by too').toBeCloseTo(m.status.top, 0);
      }
      // The chosen name is cut with an ellipsis, and whole in the title.
      expect(after.textOverflow).toBe('ellipsis');
      expect(await site.getAttribute('title')).toBe(LONG_SITE);
      if (phone) {
        // "Filters" now counts the site chosen; the band chips beside it still fit, none cut off.
        const chips = await page.locator('.band-counts').evaluate((group) => {
          const toggle = document.querySelector('.filters-toggle')!.getBoundingClientRect();
          const last = group.lastElementChild!.getBoundingClientRect();
          return { scroll: group.scrollWidth, client: group.clientWidth, lastRight: last.right, toggleLeft: toggle.left };
        });
        expect(chips.scroll, 'the band chips do not scroll sideways').toBeLessThanOrEqual(chips.client);
        expect(chips.lastRight, 'the Cold chip ends before "Filters"').toBeLessThanOrEqual(chips.toggleLeft);
        expect(await page.getByRole('button', { name: 'Filters (1 set)' }).count()).toBe(1);
      }
      await expectNoHorizontalOverflow(page, `leads filters ${width}`);
      await saveScreenshot(page, `leads-filters-long-site-chosen-${width}`);
    });
  }
});
