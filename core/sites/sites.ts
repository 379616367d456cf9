import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { serializeAccountChange } from '../accounts/lock-live-user.ts';
import { ownedBy, ownedFilter, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { AppError, notFound } from '../errors.ts';
import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';
import type { CreateSiteBody, UpdateSiteBody } from './site-schemas.ts';
import { invalidateIngestSiteCache } from './resolve-ingest-site.ts';
import { DEFAULT_SITE_SETTINGS, SiteSchema, type Site } from './site.entity.ts';

export const MAX_SITES_PER_USER = 100;

export function createPublicKey(): string {
  return `pk_${randomBytes(16).toString('base64url')}`;
}

/** The script tag a website owner pastes. */
export function buildSnippet(publicUrl: string, publicKey: string): string {
  return `<script async src="${publicUrl}/w.js" data-site="${publicKey}"></script>`;
}

/** The queueing stub: `porchlight(…)` calls made before the async w.js has loaded are kept for it. */
export const PORCHLIGHT_STUB =
  '<script>window.porchlight = window.porchlight || function () { (window.porchlight.q = window.porchlight.q || []).push(arguments); };</script>';

/**
 * The three complete installs the Sites page offers, each paste-ready: the tracker alone; the
 * tracker and an inline form (the container is what makes the form appear); the tracker and a
 * button that opens the form as a dialog (the stub keeps a click made before w.js has loaded).
 */
export function buildSnippets(publicUrl: string, publicKey: string) {
  const tag = buildSnippet(publicUrl, publicKey);
  return {
    tracking: tag,
    inlineForm: `${tag}\n<!-- The inquiry form appears inside this element: put it where the form should be. -->\n<div data-porchlight-form></div>`,
    buttonForm: `${PORCHLIGHT_STUB}\n${tag}\n<button type="button" onclick="porchlight('open')">Ask about this home</button>`,
  };
}

export function toSiteJson(site: Site, publicUrl: string) {
  return {
    siteId: site.siteId,
    name: site.name,
    publicKey: site.publicKey,
    allowedOrigins: site.allowedOrigins,
    settings: { ...DEFAULT_SITE_SETTINGS, ...site.settings },
    enabled: site.enabled,
    lastEventAt: site.lastEventAt?.toISOString() ?? null,
    createdAt: site.createdAt.toISOString(),
    updatedAt: site.updatedAt.toISOString(),
    snippet: buildSnippet(publicUrl, site.publicKey),
    snippets: buildSnippets(publicUrl, site.publicKey),
  };
}

/**
 * Creates a site, at most MAX_SITES_PER_USER per account. The account's user row is locked (FOR
 * NO KEY UPDATE) before the count, so the account's creations run one at a time: two in parallel
 * both counted 99 and both inserted before.
 */
export async function createSite({ em, tenant, input }: { em: EntityManager; tenant: Tenant; input: CreateSiteBody }): Promise<Site> {
  const site = await em.transactional(async (tem) => {
    await serializeAccountChange(tem, tenant);
    const count = await tem.count(SiteSchema, ownedFilter(tenant));
    if (count >= MAX_SITES_PER_USER) throw new AppError('conflict', `At most ${MAX_SITES_PER_USER} sites per account`);
    return tem.create(SiteSchema, {
      ...ownedFilter(tenant),
      name: input.name,
      publicKey: createPublicKey(),
      allowedOrigins: input.allowedOrigins,
      settings: { ...DEFAULT_SITE_SETTINGS },
    });
  });
  invalidateIngestSiteCache(em); // its origins are allowed from now on
  return site;
}

export function listSites({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<Site[]> {
  return em.find(SiteSchema, ownedFilter(tenant), { orderBy: { createdAt: 'asc', siteId: 'asc' }, limit: MAX_SITES_PER_USER });
}

/** Throws 404 unless the site is the tenant's (a filter or a lead naming a site, say). */
export async function assertOwnSite({ em, tenant, siteId }: { em: EntityManager; tenant: Tenant; siteId: string }): Promise<void> {
  const site = await db(em).selectFrom('sites').select('site_id').where('site_id', '=', siteId).where(ownedBy(tenant)).executeTakeFirst();
  if (!site) throw notFound('Site');
}

/** The tenant's site, or 404 (also for other users' ids). */
export async function getSite({ em, tenant, siteId }: { em: EntityManager; tenant: Tenant; siteId: string }): Promise<Site> {
  const site = await em.findOne(SiteSchema, { siteId, ...ownedFilter(tenant) });
  if (!site) throw notFound('Site');
  return site;
}

export async function updateSite({ em, tenant, siteId, input }: { em: EntityManager; tenant: Tenant; siteId: string; input: UpdateSiteBody }): Promise<Site> {
  return changeSite({ em, tenant, siteId }, (site) => {
    if (input.name !== undefined) site.name = input.name;
    if (input.allowedOrigins !== undefined) site.allowedOrigins = input.allowedOrigins;
    if (input.enabled !== undefined) site.enabled = input.enabled;
    if (input.settings) site.settings = { ...DEFAULT_SITE_SETTINGS, ...site.settings, ...input.settings } as Site['settings'];
  });
}

/**
 * Applies `change` to the tenant's site (404 when it is not theirs) with its row locked: read,
 * changed and written in one transaction, so concurrent changes of one site run one after the
 * other, each from what the one before it stored. Without the lock two of them (two "add
 * origin", two settings saved from two tabs) read the same row and the later write dropped the
 * earlier one's change while both answered 200.
 */
export async function changeSite({ em, tenant, siteId }: { em: EntityManager; tenant: Tenant; siteId: string }, change: (site: Site) => void): Promise<Site> {
  const site = await em.transactional(async (tem) => {
    // One read, FOR UPDATE; refresh: the row as the change before this one committed it, never an
    // earlier read of it from the identity map.
    const current = await tem.findOne(SiteSchema, { siteId, ...ownedFilter(tenant) }, { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!current) throw notFound('Site');
    change(current);
    return current;
  });
  // Ingest reads sites through a short-lived cache: this process sees the change at once (others within INGEST_SITE_CACHE_TTL_MS).
  invalidateIngestSiteCache(em);
  return site;
}

/**
 * Deletes a site and its analytics events; leads and inquiries stay (their site becomes null).
 * `lead_analytics` has no foreign key to sites (its check cost every ingested event a lock on the
 * site row), so the events are deleted here, in the same transaction. An ingest batch racing the
 * delete fails on the visitors key; rows any other writer stores after it are purged by the
 * hourly retention (applyEventRetention).
 *
 * The leads those events belonged to were scored from them: they are flagged for rescoring in the
 * same transaction (`rescored` of them), and one `leads.score-flagged` wake-up for the account is
 * returned, to send after the commit: it scores them in batches of 200, so their scores and
 * breakdowns drop the deleted browsing soon after the delete (a few seconds for thousands of
 * leads) instead of keeping it until the hourly refresh, without holding up other accounts' scoring.
 *
 * Refused (409) while the site has held submissions in the Filtered list: they are real people's
 * inquiries until released, and the delete would erase them unseen (the key
 * `filtered_inquiries.site_id` also refuses it since Migration20261130060000, a 23503 this check
 * turns into a clear answer). The site row is locked before they are counted: a submission being held right now
 * (its foreign-key check holds a key-share lock on the row until it commits) is either counted or
 * waits and then fails on the deleted site — never erased uncounted.
 */
export async function deleteSite({ em, tenant, siteId }: { em: EntityManager; tenant: Tenant; siteId: string }): Promise<{ rescored: number; wakeups: Wakeup[] }> {
  const deleted = await em.transactional(async (tem) => {
    const site = await db(tem).selectFrom('sites').select('name').where('site_id', '=', siteId).where(ownedBy(tenant)).forUpdate().executeTakeFirst();
    if (!site) return null;
    const heldCount = pgCount((await db(tem)
      .selectFrom('filtered_inquiries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('site_id', '=', siteId)
      .where(ownedBy(tenant))
      .executeTakeFirstOrThrow()).n);
    if (heldCount > 0) {
      const them = heldCount === 1 ? 'it' : 'them';
      throw new AppError(
        'conflict',
        `“${site.name}” has ${heldCount === 1 ? '1 held submission' : `${heldCount} held submissions`} in Filtered (inquiries held back during a flood). Release or delete ${them} in Filtered first: deleting the site would erase ${them}.`,
        { heldSubmissions: heldCount },
      );
    }
    const n = await tem.nativeDelete(SiteSchema, { siteId, ...ownedFilter(tenant) });
    if (!n) return null;
    // The leads of the deleted rows are flagged in the same statement (no row per event, no ids
    // round-tripped), locked in lead-id order as the scoring batches lock them, so the two cannot
    // deadlock. `updated_at` as `markLeadsForRescore` sets it: the sweeper's clock for a lost wake-up.
    const flagged = await sql<{ n: string }>`
      with gone as (delete from lead_analytics where site_id = ${siteId}::uuid returning lead_id),
      affected as (
        select l.lead_id from leads l
        where l.lead_id in (select lead_id from gone where lead_id is not null) and ${ownedBy(tenant, 'l')}
        order by l.lead_id for no key update
      ), u as (
        update leads l set needs_rescore = true, updated_at = now() from affected a where l.lead_id = a.lead_id returning 1
      )
      select count(*) as n from u`.execute(db(tem));
    const rescored = pgCount(flagged.rows[0]?.n ?? '0');
    // One batched job for all of them (not a leads.score job per lead: see JOBS.scoreFlaggedLeads).
    return { rescored, wakeups: rescored > 0 ? [createWakeup('scoreFlaggedLeads', { userId: ownerIdOf(tenant) })] : [] };
  });
  invalidateIngestSiteCache(em);
  if (!deleted) throw notFound('Site');
  return deleted;
}
