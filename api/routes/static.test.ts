// The static routes (api/routes/static.routes.ts) over real HTTP, on a dist folder built here so
// the test does not depend on `npm run build`: the widget files with their type and CORS headers,
// the admin SPA with its CSP and the index.html fallback for deep links, and no way out of the
// served folders however the path is written.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { join, normalize } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '#api/middleware/error-handler.ts';
import { acceptsEncoding, mountStaticRoutes } from '#api/routes/static.routes.ts';
import { precompressDir } from '../../scripts/precompress.ts';

const INDEX_HTML = '<!doctype html><title>Porchlight admin</title><div id="app"></div>';
// Long and repetitive enough that its .br and .gz copies are smaller than it (else none is written).
const TRACKER_JS = `(()=>{${'/* tracker */ window.porchlight = window.porchlight || []; '.repeat(40)}})();`;
const FORM_JS = 'export const form = 1;';
const ASSET_JS = `console.log("app chunk");${' console.log("more of the app chunk");'.repeat(40)}`;
/** Files outside the served folders: no request may ever answer with them. */
const SECRET_ROOT = 'SECRET-OUTSIDE-DIST';
const SECRET_DIST = 'SECRET-IN-DIST-ROOT';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent byte for byte (fetch would resolve `..` and re-encode before sending). */
function getRaw(base: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer & { bytes: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function startStaticApp(distDir: string): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  mountStaticRoutes(router, distDir);
  app.use(errorHandler());
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

let root: string;
let built: { url: string; server: Server };
let unbuilt: { url: string; server: Server };

beforeAll(async () => {
  // root/package.json and root/dist/secret.txt sit beside the served folders root/dist/{admin,widget}.
  root = await mkdtemp(join(tmpdir(), 'porchlight-static-'));
  const dist = join(root, 'dist');
  await mkdir(join(dist, 'admin', 'assets'), { recursive: true });
  await mkdir(join(dist, 'widget'), { recursive: true });
  await mkdir(join(root, 'empty-dist'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: SECRET_ROOT }));
  await writeFile(join(dist, 'secret.txt'), SECRET_DIST);
  await writeFile(join(dist, 'admin', 'index.html'), INDEX_HTML);
  await writeFile(join(dist, 'admin', 'assets', 'app-1a2b3c.js'), ASSET_JS);
  await writeFile(join(dist, 'widget', 'w.js'), TRACKER_JS);
  await writeFile(join(dist, 'widget', 'w-form.js'), FORM_JS);
  precompressDir(join(dist, 'widget'));
  precompressDir(join(dist, 'admin'));
  built = await startStaticApp(dist);
  unbuilt = await startStaticApp(join(root, 'empty-dist'));
});
afterAll(async () => {
  if (built) await closeServer(built.server);
  if (unbuilt) await closeServer(unbuilt.server);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('widget files', () => {
  it('serves /w.js and /w-form.js as JavaScript any origin may load, cached briefly', async () => {
    for (const [path, content] of [['/w.js', TRACKER_JS], ['/w-form.js', FORM_JS]] as const) {
      const res = await getRaw(built.url, path);
      expect(res.status, path).toBe(200);
      expect(res.body).toBe(content);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
    }
  });

  it('answers a JSON 404 naming the build step when the widget is not built', async () => {
    const res = await getRaw(unbuilt.url, '/w.js');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'not_found', message: expect.stringContaining('npm run build:widget') });
  });
});

describe('compression and caching', () => {
  it('sends w.js precompressed as Brotli or gzip as Accept-Encoding asks, identity otherwise, always with Vary', async () => {
    const cases = [
      { accept: 'gzip, deflate, br, zstd', encoding: 'br', decode: brotliDecompressSync },
      { accept: 'br;q=1.0, gzip;q=0.8', encoding: 'br', decode: brotliDecompressSync },
      { accept: 'gzip, deflate', encoding: 'gzip', decode: gunzipSync },
      { accept: 'br;q=0, gzip', encoding: 'gzip', decode: gunzipSync },
      { accept: '*', encoding: 'br', decode: brotliDecompressSync },
      { accept: 'identity', encoding: undefined, decode: (b: Buffer) => b },
      { accept: '', encoding: undefined, decode: (b: Buffer) => b },
      { accept: 'br;q=0, gzip;q=0', encoding: undefined, decode: (b: Buffer) => b },
    ];
    for (const { accept, encoding, decode } of cases) {
      const res = await getRaw(built.url, '/w.js', accept ? { 'accept-encoding': accept } : {});
      expect(res.status, accept).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers.vary, accept).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length']), accept).toBe(res.bytes.length);
      expect(decode(res.bytes).toString('utf8'), accept).toBe(TRACKER_JS);
      if (encoding) expect(res.bytes.length, accept).toBeLessThan(Buffer.byteLength(TRACKER_JS));
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
  });

  it('w.js carries a short cache and an ETag, and a matching If-None-Match answers 304 with no body', async () => {
    const first = await getRaw(built.url, '/w.js', { 'accept-encoding': 'gzip' });
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await getRaw(built.url, '/w.js', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    // The tag comes from the content (two API instances with their own builds agree on it).
    expect(etag).toBe(`W/"${createHash('sha256').update(TRACKER_JS).digest('base64url').slice(0, 22)}"`);
    const stale = await getRaw(built.url, '/w.js', { 'if-none-match': 'W/"0-0"' });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(TRACKER_JS);
  });

  it('serves hashed admin assets compressed with a year of immutable caching', async () => {
    const res = await getRaw(built.url, '/app/assets/app-1a2b3c.js', { 'accept-encoding': 'gzip, br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(res.bytes).toString('utf8')).toBe(ASSET_JS);
  });

  it('sends a file whose compressed copy would not be smaller as it is (no copy written)', async () => {
    const res = await getRaw(built.url, '/w-form.js', { 'accept-encoding': 'gzip, br' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).toBe(FORM_JS);
  });

  it('never serves the .br/.gz copies as files of their own', async () => {
    const res = await getRaw(built.url, '/app/assets/app-1a2b3c.js.br');
    expect(res.status).toBe(404);
  });

  it('reads Accept-Encoding as RFC 9110 says', () => {
    expect(acceptsEncoding('gzip, br', 'br')).toBe(true);
    expect(acceptsEncoding('GZIP', 'gzip')).toBe(true);
    expect(acceptsEncoding('br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('*;q=0, gzip', 'br')).toBe(false);
    expect(acceptsEncoding('*', 'br')).toBe(true);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
    expect(acceptsEncoding('deflate', 'gzip')).toBe(false);
  });
});

describe('admin app', () => {
  it('serves /app/ with a Content-Security-Policy that allows only its own scripts, and no framing', async () => {
    const res = await getRaw(built.url, '/app/');
    expect(res.status).toBe(200);
    expect(res.body).toBe(INDEX_HTML);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) {
      expect(csp, directive).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('redirects / and /app to /app/', async () => {
    for (const path of ['/', '/app']) {
      const res = await getRaw(built.url, path);
      expect(res.status, path).toBe(302);
      expect(res.headers.location, path).toBe('/app/');
    }
  });

  it('answers a deep link (/app/leads/123) with index.html and the same CSP, so the client router can take it', async () => {
    for (const path of ['/app/leads/123', '/app/leads/123/timeline?cursor=abc', '/app/sites']) {
      const res = await getRaw(built.url, path);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toBe(INDEX_HTML);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable, and a missing asset is a 404, not the SPA', async () => {
    const asset = await getRaw(built.url, '/app/assets/app-1a2b3c.js');
    expect(asset.status).toBe(200);
    expect(asset.body).toBe(ASSET_JS);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await getRaw(built.url, '/app/assets/app-000000.js');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain(INDEX_HTML);
    expect(JSON.parse(missing.body).error.code).toBe('not_found');
  });

  it('answers a JSON 503 naming the build step when the admin is not built', async () => {
    const res = await getRaw(unbuilt.url, '/app/leads');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('npm run build:admin') });
  });
});

describe('path escapes', () => {
  const attempts = [
    '/app/..%2f..%2fpackage.json',
    '/app/..%2F..%2Fpackage.json',
    '/app/%2e%2e/%2e%2e/package.json',
    '/app/%2e%2e%2f%2e%2e%2fpackage.json',
    '/app/../../package.json',
    '/app/../secret.txt',
    '/app/..%2fsecret.txt',
    '/app/assets/../../secret.txt',
    '/app/assets/..%2f..%2f..%2fpackage.json',
    '/app/..%5c..%5cpackage.json',
    '/app/..\\..\\package.json',
    '/app/%252e%252e%252f%252e%252e%252fpackage.json',
    '/app/..%c0%af..%c0%afpackage.json',
    '/app/..%00/secret.txt',
    '/app//' + 'etc/passwd',
    '/w.js/../package.json',
  ];

  it('never serves a file outside the admin and widget folders, however the path is encoded', async () => {
    for (const path of attempts) {
      const res = await getRaw(built.url, path);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toContain(SECRET_ROOT);
      expect(res.body, path).not.toContain(SECRET_DIST);
      // What it may answer: the SPA's index.html (a client-side route), or a 4xx.
      if (res.status === 200) expect(res.body, path).toBe(INDEX_HTML);
    }
  });

  it('the files those paths aim at exist, so each refusal above is a real one', () => {
    const adminDir = join(root, 'dist', 'admin');
    expect(existsSync(normalize(join(adminDir, '../../package.json')))).toBe(true);
    expect(existsSync(normalize(join(adminDir, '../secret.txt')))).toBe(true);
  });
});
