import type { Context, Next } from 'koa';
import type { Config } from '#core/config.ts';

/** One year: browsers remember to use https only for this long after seeing the header. */
export const HSTS_MAX_AGE_SEC = 365 * 24 * 3600;

/**
 * True when the deployment is served over https: in production, or whenever PUBLIC_URL is https.
 * Then the session cookie is `Secure` with the `__Host-` prefix and HSTS is sent.
 */
export function isHttpsDeployment(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>): boolean {
  return config.NODE_ENV === 'production' || config.PUBLIC_URL.startsWith('https://');
}

/**
 * Headers every answer carries: `nosniff`; `no-store` on the JSON API (it answers with personal
 * data and CSRF tokens, which no browser or proxy cache should keep — a route may still choose
 * otherwise); and HSTS on https deployments.
 */
export function securityHeaders(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>) {
  const api = securityHeaderValues(config, '/v1/');
  const other = securityHeaderValues(config, '/');
  return async (ctx: Context, next: Next) => {
    for (const [name, value] of Object.entries(ctx.path.startsWith('/v1/') ? api : other)) ctx.set(name, value);
    await next();
  };
}

/** The headers of `securityHeaders` for an answer on `path` (the beacon lane sets them itself). */
export function securityHeaderValues(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>, path: string): Readonly<Record<string, string>> {
  return {
    'X-Content-Type-Options': 'nosniff',
    ...(path.startsWith('/v1/') ? { 'Cache-Control': 'no-store' } : {}),
    ...(isHttpsDeployment(config) ? { 'Strict-Transport-Security': `max-age=${HSTS_MAX_AGE_SEC}` } : {}),
  };
}
