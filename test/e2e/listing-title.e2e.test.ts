// The tracker sends a listing page's title with its page view (the page's data-listing-title, else
// the document title), in Chromium on pages served from a loopback origin allowed on the site; the
// rollup job then fills the realtor's listings. (og:title / og:image did not fit the tracker's
// 1.5 KB budget; the rollup still takes a `listingTitle` / `listingImage` prop a site sends itself.)
import type { EntityManager } from '@mikro-orm/postgresql';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rollupEvents } from '#core/analytics/rollup-events.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { startExampleSite } from '#test/example-site.ts';
import { ApiClient } from '#test/http.ts';
import type { ExampleServer } from '../../examples/listing-site/serve.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';

// Registered before the suite, so it runs after the suite's afterAll (they run last-registered
// first): the pages server still closes after the contexts, browser and test server.
afterAll(() => new Promise((resolve) => pagesServer?.close(resolve)));
const suite = useBrowserSuite();
let example: ExampleServer;
/** A plain HTTP server for this file's pages (Chromium refuses loopback scripts to routed, addressless pages). */
let pagesServer: Server;
let origin = '';
const pages = new Map<string, string>();
let owner: ApiClient;
let siteId = '';
let siteKey = '';

function html({ head = '', listing, titleAttr }: { head?: string; listing?: string; titleAttr?: string }): string {
  const attrs = listing ? ` data-porchlight-listing="${listing}"${titleAttr ? ` data-listing-title="${titleAttr}"` : ''}` : '';
  return `<!doctype html><html><head><title>Document title | Realty</title>${head}
    <script async src="${suite.server.url}/w.js" data-site="${siteKey}"></script></head>
    <body><main${attrs}><h1>A page</h1></main></body></html>`;
}

/** Serves `body` at `path` from the pages server (a real loopback origin, allowed on the site) and opens it. */
async function open(path: string, body: string): Promise<Page> {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  suite.contexts.push(context);
  pages.set(path, body);
  const page = await context.newPage();
  page.on('pageerror', (err) => suite.pageErrors.push(err.message));
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => (window as any).porchlight?.l === 1);
  return page;
}

async function pageViewProps(path: string): Promise<Record<string, unknown> | null> {
  return vi.waitFor(async () => {
    const rows = await suite.server.sql<{ props: Record<string, unknown> | null }>(
      `select props from lead_analytics where site_id = $1 and event_type = 'page_view' and page_url = $2`, [siteId, `${origin}${path}`]);
    expect(rows.length, `the page view of ${path}`).toBe(1);
    return rows[0].props;
  }, WAIT);
}

beforeAll(async () => {
  owner = new ApiClient(suite.server.url);
  await owner.signUp({ username: 'Maya Brooks' });
  ({ example, siteId, siteKey } = await startExampleSite(suite.server, owner, 'Hearth & Co. Realty'));
  pagesServer = createServer((req, res) => {
    const body = pages.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => pagesServer.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(pagesServer.address() as AddressInfo).port}`;
  expect((await owner.patch(`/v1/sites/${siteId}`, { allowedOrigins: [example.url, origin] })).status).toBe(200);
});

afterAll(() => closeAll(example));

describe('listing title capture', () => {
  it('sends data-listing-title as the page view\'s title on a listing page, the document title elsewhere', async () => {
    await open('/t/attr', html({ listing: 'oak-12', titleAttr: '12 Oak Street', head: '<meta property="og:title" content="OG title">' }));
    expect(await pageViewProps('/t/attr')).toEqual({ title: '12 Oak Street' });
    await open('/t/plain', html({}));
    expect(await pageViewProps('/t/plain')).toEqual({ title: 'Document title | Realty' });
  });

  it('clips a long title to 200 characters; the rollup fills the listings with the right titles', async () => {
    await open('/t/long', html({ listing: 'pine-9', titleAttr: 'x'.repeat(900) }));
    expect(await pageViewProps('/t/long')).toEqual({ title: 'x'.repeat(200) });
    // No data-listing-title: the document title.
    await open('/t/doc', html({ listing: 'birch-1' }));
    await pageViewProps('/t/doc');

    await rollupEvents({ em: suite.server.orm.em.fork() as EntityManager, lagMs: 0 });
    const listings = await owner.get(`/v1/listings?siteId=${siteId}`);
    expect(listings.status).toBe(200);
    const byRef = Object.fromEntries(listings.body.items.map((l: { listingRef: string; title: string; imageUrl: string | null }) => [l.listingRef, l]));
    expect(byRef['oak-12']).toMatchObject({ title: '12 Oak Street', imageUrl: null, url: `${origin}/t/attr`, views: 1 });
    expect(byRef['pine-9'].title).toBe('x'.repeat(200));
    expect(byRef['birch-1'].title).toBe('Document title | Realty');
    expect(suite.pageErrors).toEqual([]);
  });
});
