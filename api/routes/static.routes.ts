import type Router from '@koa/router';
import type { Context } from 'koa';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIST_DIR = fileURLToPath(new URL('../../dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Precompressed copies written by scripts/precompress.ts at build time, in order of preference. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** Whether `Accept-Encoding` accepts `coding` (a q=0 refuses it; `*` accepts what is not named). */
export function acceptsEncoding(header: string | undefined, coding: string): boolean {
  if (!header) return false;
  let star: boolean | null = null;
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const accepted = !q || Number(q.slice(2)) > 0;
    if (name === coding) return accepted;
    if (name === '*') star = accepted;
  }
  return star ?? false;
}

// path → the ETag of its content, recomputed when the file changes (a rebuild).
const tags = new Map<string, { size: number; mtimeMs: number; tag: string }>();

/**
 * A weak ETag from the file's content (not its mtime: every API instance behind a load balancer
 * builds its own dist/ and must answer the same tag). Weak: the bytes sent differ by encoding.
 */
async function contentTag(full: string, info: { size: number; mtimeMs: number }): Promise<string> {
  const known = tags.get(full);
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.tag;
  const tag = `W/"${createHash('sha256').update(await readFile(full)).digest('base64url').slice(0, 22)}"`;
  tags.set(full, { size: info.size, mtimeMs: info.mtimeMs, tag });
  return tag;
}

interface SendOptions {
  cacheControl: string;
  /** Answer with a weak ETag of the file (size + mtime) and 304 to a matching If-None-Match. */
  etag?: boolean;
}

/**
 * Serves one file from under `root`, refusing anything that escapes it, as the precompressed
 * `.br`/`.gz` copy when the client accepts it (Content-Encoding, Content-Length of the bytes
 * sent, `Vary: Accept-Encoding` on every answer). Returns false if absent.
 */
async function sendFile(ctx: Context, root: string, relPath: string, { cacheControl, etag }: SendOptions): Promise<boolean> {
  const full = normalize(join(root, relPath));
  if (!full.startsWith(root + sep)) return false;
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) return false;
  ctx.type = TYPES[extname(full)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', cacheControl);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.vary('Accept-Encoding');
  if (etag) {
    const tag = await contentTag(full, info);
    ctx.set('ETag', tag);
    // (ctx.get answers '' for a missing header: nothing matches)
    if (ctx.get('if-none-match').split(',').some((t) => t.trim() === tag || t.trim() === '*')) {
      ctx.status = 304;
      return true;
    }
  }
  const acceptEncoding = ctx.get('accept-encoding');
  for (const { name, suffix } of ENCODINGS) {
    if (!acceptsEncoding(acceptEncoding, name)) continue;
    const body = await readFile(full + suffix).catch(() => null);
    if (!body) continue;
    ctx.set('Content-Encoding', name);
    ctx.body = body;
    ctx.length = body.length;
    return true;
  }
  ctx.body = await readFile(full);
  return true;
}

/** w.js and w-form.js: five minutes, then revalidated with their ETag. */
export const WIDGET_CACHE_CONTROL = 'public, max-age=300';
/** Hashed admin assets. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const ADMIN_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'",
].join('; ');

/**
 * The widget (`/w.js`, `/w-form.js`, from dist/widget) and the admin SPA (`/app/*`, from dist/admin,
 * with index.html as the fallback for client-side routes).
 */
export function mountStaticRoutes(router: Router, distDir = DIST_DIR): void {
  const widgetDir = join(distDir, 'widget');
  const adminDir = join(distDir, 'admin');

  for (const file of ['w.js', 'w-form.js']) {
    router.get(`/${file}`, async (ctx) => {
      // The form is a cross-origin module import(): it needs CORS. The URLs are not hashed (the
      // snippet names them), so: a short cache so fixes roll out, then a cheap 304 revalidation.
      ctx.set('Access-Control-Allow-Origin', '*');
      ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
      if (!(await sendFile(ctx, widgetDir, file, { cacheControl: WIDGET_CACHE_CONTROL, etag: true }))) {
        ctx.status = 404;
        ctx.body = { error: { code: 'not_found', message: 'Widget not built; run `npm run build:widget`' } };
      }
    });
  }

  router.get('/', (ctx) => ctx.redirect('/app/'));
  router.get(['/app', '/app/{*path}'], async (ctx) => {
    if (ctx.path === '/app') return ctx.redirect('/app/');
    const rel = ctx.path.slice('/app/'.length);
    ctx.set('Content-Security-Policy', ADMIN_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'same-origin');
    // Files under assets/ carry a content hash in their name: cached for good.
    const cacheControl = rel.startsWith('assets/') ? IMMUTABLE_CACHE_CONTROL : 'no-cache';
    if (rel && !/\.(br|gz)$/.test(rel) && (await sendFile(ctx, adminDir, rel, { cacheControl, etag: cacheControl === 'no-cache' }))) return;
    if (rel.startsWith('assets/')) return; // a missing asset is a 404, not the SPA
    if (!(await sendFile(ctx, adminDir, 'index.html', { cacheControl: 'no-cache', etag: true }))) {
      ctx.status = 503;
      ctx.body = { error: { code: 'unavailable', message: 'Admin not built; run `npm run build:admin`' } };
    }
  });
}
