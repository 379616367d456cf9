import type Router from '@koa/router';
import type { Context } from 'koa';
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

/** Serves one file from under `root`, refusing anything that escapes it. Returns false if absent. */
async function sendFile(ctx: Context, root: string, relPath: string, cacheControl: string): Promise<boolean> {
  const full = normalize(join(root, relPath));
  if (!full.startsWith(root + sep)) return false;
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) return false;
  ctx.type = TYPES[extname(full)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', cacheControl);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = await readFile(full);
  return true;
}

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
      // The form is a cross-origin module import(): it needs CORS. Short cache so fixes roll out.
      ctx.set('Access-Control-Allow-Origin', '*');
      ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
      if (!(await sendFile(ctx, widgetDir, file, 'public, max-age=300'))) {
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
    if (rel && (await sendFile(ctx, adminDir, rel, rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'))) return;
    if (rel.startsWith('assets/')) return; // a missing asset is a 404, not the SPA
    if (!(await sendFile(ctx, adminDir, 'index.html', 'no-cache'))) {
      ctx.status = 503;
      ctx.body = { error: { code: 'unavailable', message: 'Admin not built; run `npm run build:admin`' } };
    }
  });
}
