import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type SqlBool } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { cursorScope, decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { notFound } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { z } from 'zod';
import type { FilteredInquiryJson, ReleasedInquiryJson } from './filtered-inquiry-schemas.ts';
import { storeWidgetInquiry, type WidgetInquiryInput } from './submit-inquiry.ts';

// The Filtered list (docs/inquiry-flood.md): widget submissions that arrived while their site was
// over its inquiry budget. A flood of junk from rotating addresses spends the budget; what comes
// after is held here, answered 202 like anything else, so a real person's inquiry is never
// refused or lost because of someone else's flood. Held rows make no lead, score, alert or
// webhook until the realtor releases them.

const COLUMNS = [
  'f.filtered_inquiry_id', 'f.site_id', 'f.client_event_id', 'f.visitor_id', 'f.name', 'f.email', 'f.phone', 'f.message', 'f.listing_ref', 'f.page_url',
  'f.consent_text', 'f.consent_version', 'f.consent_at', 'f.reason', 'f.received_at',
] as const;

interface Row {
  filtered_inquiry_id: string; site_id: string; client_event_id: string; visitor_id: string | null; name: string | null; email: string | null; phone: string | null;
  message: string; listing_ref: string | null; page_url: string | null; consent_text: string | null; consent_version: string | null;
  consent_at: string | Date | null; reason: string; received_at: string | Date; site_name: string | null;
}

function toJson(r: Row): FilteredInquiryJson {
  return {
    filteredInquiryId: r.filtered_inquiry_id, siteId: r.site_id, siteName: r.site_name, name: r.name, email: r.email, phone: r.phone, message: r.message,
    listingRef: r.listing_ref, pageUrl: r.page_url, consentText: r.consent_text, consentVersion: r.consent_version, consentAt: pgTimeToIso(r.consent_at),
    reason: r.reason, receivedAt: pgTimeToIsoStrict(r.received_at),
  };
}

const ZFilteredCursor = z.tuple([ZTimeKey, ZUuidKey]);

/** `GET /v1/filtered-inquiries?site&cursor&limit`: held submissions, newest first, with a total count. */
export async function listFilteredInquiries({ em, tenant, siteId, cursor, limit }: { em: EntityManager; tenant: Tenant; siteId?: string | null } & KeysetPageArgs): Promise<KeysetPage<FilteredInquiryJson> & { total: number }> {
  if (siteId) await assertOwnSite({ em, tenant, siteId });
  const scoped = () => {
    let q = db(em).selectFrom('filtered_inquiries as f').where(ownedBy(tenant, 'f'));
    if (siteId) q = q.where('f.site_id', '=', siteId);
    return q;
  };
  let query = scoped()
    .leftJoin('sites as s', 's.site_id', 'f.site_id')
    .select([...COLUMNS, 's.name as site_name', timeKey('f.received_at').as('cursor_key')])
    .orderBy('f.received_at', 'desc')
    .orderBy('f.filtered_inquiry_id', 'desc')
    .limit(limit + 1);
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ZFilteredCursor, cursorScope('filtered', siteId));
    query = query.where(sql<SqlBool>`(f.received_at, f.filtered_inquiry_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await query.execute();
  const { total } = await scoped().select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
  return { ...toKeysetPage(rows as unknown as (Row & { cursor_key: string })[], limit, toJson, (last) => [last.cursor_key, last.filtered_inquiry_id], cursorScope('filtered', siteId)), total };
}

/**
 * `POST /v1/filtered-inquiries/:id/release`: the held submission becomes a normal widget inquiry
 * (the same `storeWidgetInquiry` path, dated when it arrived): lead found or created, score,
 * `inquiry.created` / `lead.created` webhooks and alerts fire now. The held row is deleted in the
 * same transaction; releasing twice is a 404 the second time.
 */
export async function releaseFilteredInquiry({ em, queues, tenant, filteredInquiryId, now, log, config }: {
  em: EntityManager; queues: Queues; tenant: Tenant; filteredInquiryId: string; now: Date; log: Logger; config: Config;
}): Promise<ReleasedInquiryJson> {
  const { wakeups, ...result } = await transactionalWithRetry(em, async (tem) => {
    const held = await db(tem)
      .deleteFrom('filtered_inquiries')
      .where('filtered_inquiry_id', '=', filteredInquiryId)
      .where(ownedBy(tenant))
      .returningAll()
      .executeTakeFirst();
    if (!held) throw notFound('Filtered inquiry');
    const input: WidgetInquiryInput = {
      clientEventId: held.client_event_id, visitorId: held.visitor_id, name: held.name, email: held.email, phone: held.phone, message: held.message,
      listingRef: held.listing_ref, pageUrl: held.page_url,
      consent: held.consent_at ? { text: held.consent_text, version: held.consent_version, at: new Date(held.consent_at) } : null,
    };
    return storeWidgetInquiry(tem, { site: { siteId: held.site_id, userId: ownerIdOf(tenant) }, input, now, createdAt: new Date(held.received_at), config });
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return { leadId: result.leadId, inquiryId: result.inquiryId, leadCreated: result.leadCreated, unverified: result.unverified ?? false };
}

/** `DELETE /v1/filtered-inquiries/:id`: drops one held submission for good. */
export async function deleteFilteredInquiry({ em, tenant, filteredInquiryId }: { em: EntityManager; tenant: Tenant; filteredInquiryId: string }): Promise<void> {
  const res = await db(em).deleteFrom('filtered_inquiries').where('filtered_inquiry_id', '=', filteredInquiryId).where(ownedBy(tenant)).executeTakeFirst();
  if (!Number(res.numDeletedRows)) throw notFound('Filtered inquiry');
}

/**
 * `DELETE /v1/filtered-inquiries?site=&receivedUpTo=`: drops every held submission (of one site;
 * received at or before `receivedUpTo`), after a flood.
 */
export async function deleteAllFilteredInquiries({ em, tenant, siteId, receivedUpTo }: {
  em: EntityManager; tenant: Tenant; siteId?: string | null; receivedUpTo?: string | null;
}): Promise<{ deleted: number }> {
  if (siteId) await assertOwnSite({ em, tenant, siteId });
  let q = db(em).deleteFrom('filtered_inquiries').where(ownedBy(tenant));
  if (siteId) q = q.where('site_id', '=', siteId);
  // The list shows receivedAt to the millisecond; the column keeps microseconds.
  if (receivedUpTo) q = q.where(sql<SqlBool>`received_at < ${receivedUpTo}::timestamptz + interval '1 millisecond'`);
  const res = await q.executeTakeFirst();
  return { deleted: Number(res.numDeletedRows) };
}
