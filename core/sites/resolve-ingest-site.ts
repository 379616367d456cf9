import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { RefusedOriginError } from './blocked-origins.ts';
import { normaliseOrigin } from './site-schemas.ts';
import { DEFAULT_SITE_SETTINGS, type SiteSettings } from './site.entity.ts';

/** What the ingest endpoints need to know about the site a request names. */
export interface IngestSite {
  siteId: string;
  /** The realtor who owns the site (and every lead it captures). */
  userId: string;
  settings: SiteSettings;
  lastEventAt: Date | null;
  /** The request's (allowed, normalised) Origin. */
  origin?: string;
}

/**
 * How long this process trusts what it read about a site key or an origin. A change made through
 * this process (`updateSite`, `deleteSite`, `createSite`) clears the cache at once; a change made
 * by another API process (or straight in SQL) is seen here at most this late.
 */
export const INGEST_SITE_CACHE_TTL_MS = 5_000;
/** Entries per cache before it is emptied (a flood of made-up keys must not grow memory). */
export const INGEST_SITE_CACHE_MAX_ENTRIES = 10_000;

interface SiteRow {
  siteId: string;
  userId: string;
  allowedOrigins: string[];
  settings: SiteSettings;
  enabled: boolean;
  lastEventAt: Date | null;
}

interface IngestSiteCache {
  /** public key → the site, or null for an unknown key (cached too: made-up keys cost no query). */
  byKey: Map<string, { row: SiteRow | null; expiresAt: number }>;
  /** origin → expiry, for origins some enabled site allows (only positive answers are kept). */
  allowedOrigins: Map<string, number>;
}

// One cache per database connection pool (the driver), so two apps on two databases in one
// process (tests, the bench) never see each other's sites.
const caches = new WeakMap<object, IngestSiteCache>();

function cacheFor(em: EntityManager): IngestSiteCache {
  const driver = em.getDriver();
  let cache = caches.get(driver);
  if (!cache) {
    cache = { byKey: new Map(), allowedOrigins: new Map() };
    caches.set(driver, cache);
  }
  return cache;
}

/** Forgets every cached site key and origin of this database (call after a site changes). */
export function invalidateIngestSiteCache(em: EntityManager): void {
  const cache = cacheFor(em);
  cache.byKey.clear();
  cache.allowedOrigins.clear();
}

async function findSiteByKey(em: EntityManager, publicKey: string): Promise<SiteRow | null> {
  const cache = cacheFor(em);
  const now = Date.now();
  const hit = cache.byKey.get(publicKey);
  if (hit && hit.expiresAt > now) return hit.row;
  // A deleted account's site is disabled by the deletion; the join also refuses one a request in
  // flight at the deletion re-enabled (PATCH past auth, committed after it) until the purge erases it.
  const found = await db(em)
    .selectFrom('sites as s')
    .innerJoin('users as u', 'u.user_id', 's.user_id')
    .select(['s.site_id', 's.user_id', 's.allowed_origins', 's.settings', 's.last_event_at'])
    .select(sql<boolean>`s.enabled and u.deleted_at is null`.as('enabled'))
    .where('s.public_key', '=', publicKey)
    .executeTakeFirst();
  const row: SiteRow | null = found
    ? {
        siteId: found.site_id,
        userId: found.user_id,
        allowedOrigins: found.allowed_origins as string[],
        settings: { ...DEFAULT_SITE_SETTINGS, ...(found.settings as Partial<SiteSettings> | null) },
        enabled: found.enabled,
        lastEventAt: found.last_event_at ? new Date(found.last_event_at) : null,
      }
    : null;
  if (cache.byKey.size >= INGEST_SITE_CACHE_MAX_ENTRIES) cache.byKey.clear();
  cache.byKey.set(publicKey, { row, expiresAt: now + INGEST_SITE_CACHE_TTL_MS });
  return row;
}

/** What a public ingest call (events, inquiries) takes from its request. */
export interface IngestRequest {
  em: EntityManager;
  queues: Queues;
  /** The request's Origin header: checked against the site's allowed origins. */
  origin: string | undefined;
  userAgent: string | undefined;
  now: Date;
  log: Logger;
}

/**
 * The site behind a public key, if the request may write to it: the key exists (else 404
 * `not_found`), the site is enabled (else 403 `forbidden`) and the request's Origin is one of
 * its allowed origins (else 403 `forbidden`). A request without an Origin header is refused too:
 * browsers send Origin on every cross-origin POST, sendBeacon included, so only non-browser
 * clients omit it, and those should use the realtor API.
 *
 * Served from a per-process cache (INGEST_SITE_CACHE_TTL_MS): the hot path of every beacon.
 */
export async function resolveIngestSite({ em, publicKey, origin }: { em: EntityManager; publicKey: string; origin: string | undefined }): Promise<IngestSite> {
  const row = await findSiteByKey(em, publicKey);
  if (!row) throw new AppError('not_found', 'Unknown site key; copy the snippet from the Sites page');
  if (!row.enabled) throw new AppError('forbidden', 'This site is disabled');
  const requestOrigin = origin ? normaliseOrigin(origin) : null;
  if (!requestOrigin) throw new AppError('forbidden', 'An Origin header is required; the widget only works from a browser');
  if (!row.allowedOrigins.includes(requestOrigin)) throw new RefusedOriginError(row.siteId, requestOrigin);
  return { siteId: row.siteId, userId: row.userId, settings: row.settings, lastEventAt: row.lastEventAt, origin: requestOrigin };
}

/**
 * True when some enabled site allows this origin. Used for CORS answers that come before the
 * site is known (preflights, which carry no body, and errors raised while reading the body).
 * Only "allowed" is cached: a site added elsewhere is never refused for the TTL.
 */
export async function isOriginAllowedBySomeSite(em: EntityManager, origin: string | undefined): Promise<boolean> {
  const normalised = origin ? normaliseOrigin(origin) : null;
  if (!normalised) return false;
  const cache = cacheFor(em);
  const now = Date.now();
  if ((cache.allowedOrigins.get(normalised) ?? 0) > now) return true;
  const row = await db(em)
    .selectFrom('sites')
    .select(sql<number>`1`.as('found'))
    .where('enabled', '=', true)
    .where(sql<boolean>`${normalised}::text = any(allowed_origins)`)
    .limit(1)
    .executeTakeFirst();
  if (!row) return false;
  if (cache.allowedOrigins.size >= INGEST_SITE_CACHE_MAX_ENTRIES) cache.allowedOrigins.clear();
  cache.allowedOrigins.set(normalised, now + INGEST_SITE_CACHE_TTL_MS);
  return true;
}

/** How stale `sites.last_event_at` may get before an event refreshes it (it feeds the install check). */
export const LAST_EVENT_AT_RESOLUTION_MS = 60_000;

// siteId → when this process last wrote (or saw) last_event_at: at most one write a site a
// LAST_EVENT_AT_RESOLUTION_MS per process, whatever the cached site row says.
const lastEventTouches = new Map<string, number>();

// Entity managers whose ingest must not update the install check: the admin's test inquiry goes
// through the public ingest path, but proves nothing about the website's own install.
const installCheckExempt = new WeakSet<EntityManager>();

/** Ingest through `em` leaves `sites.last_event_at` alone (the admin's test inquiry). */
export function excludeFromInstallCheck(em: EntityManager): void {
  installCheckExempt.add(em);
}

/** Records that the site just received events; at most one write a minute per site and process. Best-effort. */
export async function touchSiteLastEventAt(em: EntityManager, site: IngestSite, now: Date): Promise<void> {
  if (installCheckExempt.has(em)) return;
  const nowMs = now.getTime();
  const known = Math.max(lastEventTouches.get(site.siteId) ?? 0, site.lastEventAt?.getTime() ?? 0);
  if (nowMs - known < LAST_EVENT_AT_RESOLUTION_MS) return;
  if (lastEventTouches.size >= INGEST_SITE_CACHE_MAX_ENTRIES) lastEventTouches.clear();
  lastEventTouches.set(site.siteId, nowMs);
  const threshold = new Date(nowMs - LAST_EVENT_AT_RESOLUTION_MS).toISOString();
  await db(em)
    .updateTable('sites')
    .set({ last_event_at: now, ...(site.origin ? { last_event_origin: site.origin } : {}) })
    .where('site_id', '=', site.siteId)
    .where((eb) => eb.or([eb('last_event_at', 'is', null), eb('last_event_at', '<', threshold)]))
    .execute()
    .catch((err) => {
      lastEventTouches.delete(site.siteId); // let the next event try again
      throw err;
    });
}
