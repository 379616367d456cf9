// The example listing site: `npm run example`. Migrates the database, seeds a demo realtor and a
// demo site (idempotent), then serves ./public on EXAMPLE_PORT (4000) with the snippet pointed at
// the local API. The API itself runs separately: `npm start`.
// `npm run example -- --site-key pk_…` (or EXAMPLE_SITE_KEY) uses that site of *your* account
// instead of the demo account (the admin's first-run card shows the exact command).
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/postgresql';
import { signUp } from '../../core/accounts/sign-up.ts';
import { tenantOfUser } from '../../core/accounts/tenant.ts';
import { UserSchema } from '../../core/accounts/user.entity.ts';
import { loadConfigOrExit } from '../../core/config.ts';
import { createRuntimeOrExit } from '../../core/runtime.ts';
import { SiteSchema } from '../../core/sites/site.entity.ts';
import { createSite } from '../../core/sites/sites.ts';
import { DEFAULT_RECEIVER_PORT, type DemoCrmReceiver, startDemoCrmReceiver } from '../crm-receiver/wire-demo.ts';

export const DEMO_EMAIL = 'demo@porchlight.test';
export const DEMO_PASSWORD = 'porchlight-demo';
export const DEMO_SITE_NAME = 'Demo listing site';
/** Default port of the example site (override with EXAMPLE_PORT). */
export const DEFAULT_EXAMPLE_PORT = 4000;

export const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};
/** Files in which the placeholders are replaced. */
const TEMPLATED = new Set(['.html', '.js', '.css']);

export interface ExampleServer {
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `publicDir` (default ./public), replacing `__PORCHLIGHT_ORIGIN__` with `apiOrigin` and
 * `__PORCHLIGHT_SITE_KEY__` with `siteKey` in HTML, JS and CSS. `/x` also finds `x.html`; other
 * extension-less paths fall back to index.html (client-side routes). Port 0 picks a free port.
 */
export async function startExampleServer(opts: { port: number; apiOrigin: string; siteKey: string; host?: string; publicDir?: string }): Promise<ExampleServer> {
  const apiOrigin = new URL(opts.apiOrigin).origin; // refuses anything that is not a URL; drops paths
  if (!/^pk_[A-Za-z0-9_-]+$/.test(opts.siteKey)) throw new Error(`not a site key: ${opts.siteKey}`);
  const root = normalize(opts.publicDir ?? PUBLIC_DIR);
  const host = opts.host ?? '127.0.0.1';

  const findFile = async (urlPath: string): Promise<string | null> => {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    const candidates = [rel, join(rel, 'index.html'), ...(extname(rel) ? [] : [`${rel}.html`, 'index.html'])];
    for (const candidate of candidates) {
      const full = normalize(join(root, candidate));
      if (full !== root && !full.startsWith(root + sep)) continue;
      if ((await stat(full).catch(() => null))?.isFile()) return full;
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://example.invalid');
    const file = await findFile(pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    const ext = extname(file);
    let body: Buffer | string = await readFile(file);
    if (TEMPLATED.has(ext)) {
      body = body.toString('utf8').replaceAll('__PORCHLIGHT_ORIGIN__', apiOrigin).replaceAll('__PORCHLIGHT_SITE_KEY__', opts.siteKey);
    }
    res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The demo realtor (`demo@porchlight.test` / `porchlight-demo`) and its demo site, created once;
 * later runs add any missing `origins` to the site and re-enable it. Returns the site's key.
 */
export async function seedDemoAccount(orm: MikroORM, origins: string[]): Promise<{ siteKey: string; siteId: string; userId: string }> {
  const em = orm.em.fork();
  const user = (await em.findOne(UserSchema, { email: DEMO_EMAIL })) ?? (await signUp({ em, input: { username: 'Demo Realtor', email: DEMO_EMAIL, password: DEMO_PASSWORD } }));
  // The demo address receives no mail: it counts as confirmed, so its login works with
  // SIGNUP_VERIFY_FIRST on (the default when SMTP_URL is set, as in docker-compose.yml).
  if (!user.emailVerifiedAt) {
    user.emailVerifiedAt = new Date();
    await em.flush();
  }
  let site = await em.findOne(SiteSchema, { user: user.userId, name: DEMO_SITE_NAME });
  if (!site) {
    site = await createSite({ em, tenant: tenantOfUser(user.userId), input: { name: DEMO_SITE_NAME, allowedOrigins: origins } });
  } else {
    const missing = origins.filter((o) => !site!.allowedOrigins.includes(o));
    if (missing.length || !site.enabled) {
      site.allowedOrigins = [...site.allowedOrigins, ...missing];
      site.enabled = true;
      await em.flush();
    }
  }
  return { siteKey: site.publicKey, siteId: site.siteId, userId: user.userId };
}

/** The site behind `--site-key`: its example origins are added (once) so the page may send to it. */
export async function useOwnSite(orm: MikroORM, siteKey: string, origins: string[]): Promise<{ siteKey: string; siteId: string; userId: string; siteName: string; ownerEmail: string }> {
  const em = orm.em.fork();
  const site = await em.findOne(SiteSchema, { publicKey: siteKey });
  if (!site) throw new Error(`No site has the key ${siteKey} in this database (DATABASE_URL). Copy the command from the admin's Leads or Sites page.`);
  const missing = origins.filter((o) => !site.allowedOrigins.includes(o));
  if (missing.length) {
    site.allowedOrigins = [...site.allowedOrigins, ...missing];
    await em.flush();
  }
  const owner = await em.findOneOrFail(UserSchema, { userId: site.user.userId });
  return { siteKey: site.publicKey, siteId: site.siteId, userId: owner.userId, siteName: site.name, ownerEmail: owner.email };
}

/** `--site-key pk_…`, `--site-key=pk_…` or EXAMPLE_SITE_KEY; undefined for the demo account. */
export function parseSiteKeyArg(argv: readonly string[], env: string | undefined): string | undefined {
  const i = argv.findIndex((a) => a === '--site-key' || a.startsWith('--site-key='));
  const value = i < 0 ? env : argv[i].includes('=') ? argv[i].slice('--site-key='.length) : argv[i + 1];
  return value?.trim() || undefined;
}

/**
 * The listing page's address as printed: on the same loopback name as the API (PUBLIC_URL), so the
 * two URLs a newcomer opens never mix `localhost` and `127.0.0.1`; `localhost` otherwise.
 */
export function buildExamplePageUrl(publicUrl: string, port: number): string {
  const apiHost = new URL(publicUrl).hostname;
  const host = ['localhost', '127.0.0.1', '[::1]'].includes(apiHost) ? apiHost : 'localhost';
  return `http://${host}:${port}/`;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const rawPort = process.env.EXAMPLE_PORT;
  const port = rawPort ? Number(rawPort) : DEFAULT_EXAMPLE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`Invalid configuration: EXAMPLE_PORT: expected a port number, got "${rawPort}"\n`);
    process.exit(1);
  }
  // Postgres only, and only while seeding: the pages themselves are static.
  const runtime = await createRuntimeOrExit({ name: 'example', config, redis: false, migrate: true, orm: { pool: { min: 0, max: 2 } } });
  let seeded: { siteKey: string; userId: string };
  // EXAMPLE_CRM_RECEIVER=1: also run the example CRM receiver, subscribed to the demo account.
  let crm: DemoCrmReceiver | null = null;
  const ownKey = parseSiteKeyArg(process.argv.slice(2), process.env.EXAMPLE_SITE_KEY);
  if (ownKey !== undefined && !/^pk_[A-Za-z0-9_-]+$/.test(ownKey)) {
    process.stderr.write(`Invalid --site-key: expected pk_…, got "${ownKey}"\n`);
    process.exit(1);
  }
  let login = `log in as ${DEMO_EMAIL} / ${DEMO_PASSWORD}`;
  try {
    const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
    if (ownKey) {
      const own = await useOwnSite(runtime.orm, ownKey, origins).catch((err: Error) => {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      });
      seeded = own;
      login = `log in as ${own.ownerEmail}, the owner of “${own.siteName}”`;
    } else {
      seeded = await seedDemoAccount(runtime.orm, origins);
    }
    if (process.env.EXAMPLE_CRM_RECEIVER === '1') {
      const receiverPort = Number(process.env.RECEIVER_PORT ?? DEFAULT_RECEIVER_PORT);
      crm = await startDemoCrmReceiver({ orm: runtime.orm, config, userId: seeded.userId, port: receiverPort }).catch((err: Error) => {
        process.stderr.write(`Cannot start the example CRM receiver: ${err.message}\n`);
        process.exit(1);
      });
    }
  } finally {
    await runtime.close();
  }
  const example = await startExampleServer({ port, host: '0.0.0.0', apiOrigin: config.PUBLIC_URL, siteKey: seeded.siteKey }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    process.stderr.write(`Port ${port} is in use; pick another with EXAMPLE_PORT=4001 npm run example\n`);
    process.exit(1);
  });

  const apiUp = await fetch(`${config.PUBLIC_URL}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok).catch(() => false);
  process.stdout.write(
    [
      '',
      'Porchlight example listing site',
      `  listing page:  ${buildExamplePageUrl(config.PUBLIC_URL, example.port)}`,
      `  admin:         ${config.PUBLIC_URL}/app/   (${login}: the leads of this page go there)`,
      `  site key:      ${seeded.siteKey}`,
      apiUp ? `  API:           ${config.PUBLIC_URL} is up` : `  API:           not answering at ${config.PUBLIC_URL} — start it in another terminal with \`npm start\``,
      ...(crm
        ? [
            `  CRM receiver:  ${crm.url} (webhook endpoint ${crm.endpointId} of the demo account)`,
            '                 send the form on the listing page: the signed webhooks are printed below,',
            `                 and listed in the admin under ${config.PUBLIC_URL}/app/webhooks/${crm.endpointId}`,
          ]
        : []),
      '',
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  const stop = () => {
    void Promise.all([example.close(), crm?.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.main) await main();
