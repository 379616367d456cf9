import type { EntityManager } from '@mikro-orm/postgresql';
import type { Next } from 'koa';
import { isOriginAllowedBySomeSite } from '#core/sites/resolve-ingest-site.ts';
import { AppError } from '#core/errors.ts';
import type { AppContext } from './context.ts';

/** How long a browser may cache a preflight answer (Chromium caps it at 2 h). */
export const INGEST_PREFLIGHT_MAX_AGE_SEC = 7200;

/** Set by an ingest route once the request's site has accepted its Origin. */
export interface IngestCorsState {
  ingestOriginAllowed?: boolean;
}

/** The CORS headers of an ingest answer to an allowed `origin`. */
function ingestCorsHeaders(origin: string): Record<string, string> {
  // Let the widget read Retry-After on a 429; never credentials (the widget uses no cookies).
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After' };
}

/**
 * The CORS headers of an answer to a POST on an ingest endpoint (the Koa middleware below and the
 * beacon lane): the Origin is echoed only when it is allowed — by the request's site, once the
 * route has checked it (`accepted`), or, for an answer given before the site is known (unreadable
 * body, validation error, 429), by some enabled site. None without an Origin.
 */
export async function ingestCorsHeadersFor(em: EntityManager, origin: string | undefined, accepted: boolean): Promise<Record<string, string> | undefined> {
  if (!origin) return undefined;
  return accepted || (await isOriginAllowedBySomeSite(em, origin).catch(() => false)) ? ingestCorsHeaders(origin) : undefined;
}

/** CORS for the public ingest endpoints (`ingestCorsHeadersFor`); always `Vary: Origin`. */
export function ingestCors() {
  return async (ctx: AppContext, next: Next) => {
    ctx.vary('Origin');
    const origin = ctx.get('origin') || undefined;
    const state = ctx.state as AppContext['state'] & IngestCorsState;
    const decide = async () => {
      const headers = await ingestCorsHeadersFor(ctx.state.em, origin, state.ingestOriginAllowed === true);
      if (headers) ctx.set(headers);
    };
    try {
      await next();
    } catch (err) {
      await decide();
      throw err;
    }
    await decide();
  };
}

/** Answers `OPTIONS` for an ingest path: 204 with CORS headers for a known origin, else 403. */
export function ingestPreflight() {
  return async (ctx: AppContext) => {
    ctx.vary('Origin');
    const origin = ctx.get('origin') || undefined;
    if (!origin || !(await isOriginAllowedBySomeSite(ctx.state.em, origin))) {
      throw new AppError('forbidden', 'This origin is not allowed to send events; add it to a site on the Sites page');
    }
    ctx.set(ingestCorsHeaders(origin));
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'Content-Type');
    ctx.set('Access-Control-Max-Age', String(INGEST_PREFLIGHT_MAX_AGE_SEC));
    ctx.status = 204;
  };
}
