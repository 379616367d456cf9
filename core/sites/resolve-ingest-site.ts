import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import { AppError } from '../errors.ts';
import { normaliseOrigin } from './site-schemas.ts';
import { DEFAULT_SITE_SETTINGS, type SiteSettings } from './site.entity.ts';

/** What the ingest endpoints need to know about the site a request names. */
export interface IngestSite {
  siteId: string;
  /** The realtor who owns the site (and every lead it captures). */
  userId: string;
  settings: SiteSettings;
  lastEventAt: Date | null;
}

/**
 * The site behind a public key, if the request may write to it: the key exists (else 404
 * `not_found`), the site is enabled (else 403 `forbidden`) and the request's Origin is one of
 * its allowed origins (else 403 `forbidden`). A request without an Origin header is refused too:
 * browsers send Origin on every cross-origin POST, sendBeacon included, so only non-browser
 * clients omit it, and those should use the realtor API.
 */
export async function resolveIngestSite({ em, publicKey, origin }: { em: EntityManager; publicKey: string; origin: string | undefined }): Promise<IngestSite> {
  const row = await execRaw<{ site_id: string; user_id: string; allowed_origins: string[]; settings: Partial<SiteSettings> | null; enabled: boolean; last_event_at: Date | null }>(
    em,
    'select site_id, user_id, allowed_origins, settings, enabled, last_event_at from sites where public_key = ?',
    [publicKey],
    'get',
  );
  if (!row) throw new AppError('not_found', 'Unknown site key; copy the snippet from the Sites page');
  if (!row.enabled) throw new AppError('forbidden', 'This site is disabled');
  const requestOrigin = origin ? normaliseOrigin(origin) : null;
  if (!requestOrigin) throw new AppError('forbidden', 'An Origin header is required; the widget only works from a browser');
  if (!row.allowed_origins.includes(requestOrigin)) {
    throw new AppError('forbidden', `Origin ${requestOrigin} is not allowed for this site; add it on the Sites page`);
  }
  return {
    siteId: row.site_id,
    userId: row.user_id,
    settings: { ...DEFAULT_SITE_SETTINGS, ...row.settings },
    lastEventAt: row.last_event_at ? new Date(row.last_event_at) : null,
  };
}

/**
 * True when some enabled site allows this origin. Used for CORS answers that come before the
 * site is known (preflights, which carry no body, and errors raised while reading the body).
 */
export async function isOriginAllowedBySomeSite(em: EntityManager, origin: string | undefined): Promise<boolean> {
  const normalised = origin ? normaliseOrigin(origin) : null;
  if (!normalised) return false;
  const row = await execRaw(em, 'select 1 as found from sites where enabled and ?::text = any(allowed_origins) limit 1', [normalised], 'get');
  return Boolean(row);
}

/** How stale `sites.last_event_at` may get before an event refreshes it (it feeds the install check). */
export const LAST_EVENT_AT_RESOLUTION_MS = 60_000;

/** Records that the site just received events; at most one write a minute per site. Best-effort. */
export async function touchSiteLastEventAt(em: EntityManager, site: IngestSite, now: Date): Promise<void> {
  if (site.lastEventAt && now.getTime() - site.lastEventAt.getTime() < LAST_EVENT_AT_RESOLUTION_MS) return;
  await execRaw(
    em,
    'update sites set last_event_at = ? where site_id = ? and (last_event_at is null or last_event_at < ?)',
    [now, site.siteId, new Date(now.getTime() - LAST_EVENT_AT_RESOLUTION_MS)],
    'run',
  );
}
