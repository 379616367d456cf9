// The example listing site (examples/listing-site) for browser tests, wired to a test server: a
// realtor's site whose snippet is on the example's pages and whose allowed origin is the
// example's random port (known only once it listens: create the site, start, then allow).
import { type ExampleServer, startExampleServer } from '../examples/listing-site/serve.ts';
import type { TestServer } from './app.ts';
import type { ApiClient } from './http.ts';

export interface ExampleSite {
  example: ExampleServer;
  siteId: string;
  siteKey: string;
}

/** Creates `owner`'s site named `name`, serves the example pages with its key and allows their origin. */
export async function startExampleSite(server: TestServer, owner: ApiClient, name: string): Promise<ExampleSite> {
  const site = await owner.post('/v1/sites', { name, allowedOrigins: [] });
  if (site.status !== 201) throw new Error(`creating the site answered ${site.status}: ${JSON.stringify(site.body)}`);
  const example = await startExampleServer({ port: 0, apiOrigin: server.url, siteKey: site.body.publicKey });
  const patched = await owner.patch(`/v1/sites/${site.body.siteId}`, { allowedOrigins: [example.url] });
  if (patched.status !== 200) {
    await example.close();
    throw new Error(`allowing the example's origin answered ${patched.status}: ${JSON.stringify(patched.body)}`);
  }
  return { example, siteId: site.body.siteId, siteKey: site.body.publicKey };
}
