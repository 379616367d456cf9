import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExamplePageUrl, type ExampleServer, parseSiteKeyArg, startExampleServer } from './serve.ts';

let dir: string;
let example: ExampleServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'porchlight-example-'));
  await writeFile(join(dir, 'index.html'), '<script async src="__PORCHLIGHT_ORIGIN__/w.js" data-site="__PORCHLIGHT_SITE_KEY__"></script><h1>Home</h1>');
  await writeFile(join(dir, 'hostile.html'), '<h1>Hostile</h1>');
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'assets', 'app.js'), 'window.API = "__PORCHLIGHT_ORIGIN__";');
  await writeFile(join(dir, 'assets', 'photo.svg'), '<svg xmlns="http://www.w3.org/2000/svg">__PORCHLIGHT_SITE_KEY__</svg>');
  example = await startExampleServer({ port: 0, apiOrigin: 'http://127.0.0.1:3999/ignored-path', siteKey: 'pk_demo123', publicDir: dir });
});
afterAll(async () => {
  await example.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(example.url + path);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('the example site server', () => {
  it('serves the page with the snippet pointed at the API and the site key', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/html');
    expect(res.text).toBe('<script async src="http://127.0.0.1:3999/w.js" data-site="pk_demo123"></script><h1>Home</h1>');
    expect((await get('/assets/app.js')).text).toBe('window.API = "http://127.0.0.1:3999";');
  });

  it('serves other files untouched, finds x.html for /x and falls back to index.html for client-side routes', async () => {
    expect((await get('/assets/photo.svg')).text).toContain('__PORCHLIGHT_SITE_KEY__');
    expect((await get('/hostile')).text).toBe('<h1>Hostile</h1>');
    expect((await get('/listings/maple-7')).text).toContain('<h1>Home</h1>');
    expect((await get('/missing.png')).status).toBe(404);
  });

  it('never serves files outside its folder', async () => {
    for (const path of ['/../serve.ts', '/%2e%2e/serve.ts', '/assets/%2e%2e/%2e%2e/serve.ts', '/%00']) {
      const res = await get(path);
      expect(res.text).not.toContain('startExampleServer');
    }
  });

  it('refuses a site key that could break out of the attribute', async () => {
    await expect(startExampleServer({ port: 0, apiOrigin: 'http://127.0.0.1:1', siteKey: 'pk_"><script>', publicDir: dir })).rejects.toThrow(/site key/);
  });

  it('prints the listing page on the same loopback name as the API, never mixing localhost and 127.0.0.1', () => {
    expect(buildExamplePageUrl('http://localhost:3000', 4000)).toBe('http://localhost:4000/');
    expect(buildExamplePageUrl('http://127.0.0.1:3000', 4000)).toBe('http://127.0.0.1:4000/');
    expect(buildExamplePageUrl('https://leads.example.com', 4001)).toBe('http://localhost:4001/');
  });
});

describe('--site-key (the first-run card\'s command)', () => {
  it('reads the key from --site-key pk_…, --site-key=pk_… or EXAMPLE_SITE_KEY, the argument first', () => {
    expect(parseSiteKeyArg(['--site-key', 'pk_abc'], undefined)).toBe('pk_abc');
    expect(parseSiteKeyArg(['--site-key=pk_abc'], undefined)).toBe('pk_abc');
    expect(parseSiteKeyArg([], 'pk_env')).toBe('pk_env');
    expect(parseSiteKeyArg(['--site-key', 'pk_arg'], 'pk_env')).toBe('pk_arg');
    expect(parseSiteKeyArg([], undefined)).toBeUndefined();
    expect(parseSiteKeyArg([], '  ')).toBeUndefined();
  });
});
