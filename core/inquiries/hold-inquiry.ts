import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { rateLimited } from '../errors.ts';
import type { IngestSite } from '../sites/resolve-ingest-site.ts';
import type { FilterReason, WidgetInquiryInput } from './submit-inquiry.ts';

// Holding a widget submission in the Filtered list (docs/inquiry-flood.md); listing, releasing
// and deleting held ones is filtered-inquiries.ts.

/**
 * Most held submissions one site keeps. Past it the site answers 429 (the flood has then sent
 * thousands in minutes); without a bound a flood would fill the disk.
 */
export const FILTERED_INQUIRIES_MAX_PER_SITE = 5000;

/**
 * Holds a submission in the Filtered list (`on conflict do nothing`: a retry is stored once).
 * Returns `duplicate` when the id is already held or already stored as an inquiry.
 */
export async function holdInquiry({ em, site, input, reason, now }: {
  em: EntityManager; site: Pick<IngestSite, 'siteId' | 'userId'>; input: WidgetInquiryInput; reason: FilterReason; now: Date;
}): Promise<{ outcome: 'filtered' | 'duplicate'; filteredInquiryId: string | null }> {
  const q = db(em);
  const stored = await q.selectFrom('inquiries').select('inquiry_id').where('site_id', '=', site.siteId).where('client_event_id', '=', input.clientEventId).executeTakeFirst();
  if (stored) return { outcome: 'duplicate', filteredInquiryId: null };
  const { n } = await q
    .selectFrom((eb) => eb.selectFrom('filtered_inquiries').select(sql<number>`1`.as('one')).where('site_id', '=', site.siteId).limit(FILTERED_INQUIRIES_MAX_PER_SITE).as('held'))
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  if (n >= FILTERED_INQUIRIES_MAX_PER_SITE) {
    throw rateLimited('This site is receiving too many inquiries; retry in 10 minutes', 600);
  }
  const inserted = await q
    .insertInto('filtered_inquiries')
    .values({
      filtered_inquiry_id: sql<string>`gen_random_uuid()`, user_id: site.userId, site_id: site.siteId, client_event_id: input.clientEventId, visitor_id: input.visitorId,
      name: input.name, email: input.email, phone: input.phone, message: input.message, listing_ref: input.listingRef, page_url: input.pageUrl,
      consent_text: input.consent?.text ?? null, consent_version: input.consent?.version ?? null, consent_at: input.consent?.at ?? null, reason, received_at: now,
    })
    .onConflict((oc) => oc.columns(['site_id', 'client_event_id']).doNothing())
    .returning('filtered_inquiry_id')
    .execute();
  return inserted.length ? { outcome: 'filtered', filteredInquiryId: inserted[0].filtered_inquiry_id } : { outcome: 'duplicate', filteredInquiryId: null };
}

