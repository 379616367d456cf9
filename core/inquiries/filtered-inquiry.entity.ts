import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { SiteSchema } from '../sites/site.entity.ts';

/**
 * A widget inquiry held back as probable spam (docs/inquiry-flood.md): it arrived while its site
 * was over its inquiry budget (someone flooding the form). It was answered 202 like any other
 * and is stored here as submitted — no lead, no score, no alert, no webhook — until the realtor
 * releases it (then it goes through the normal inquiry path) or deletes it.
 */
export const FilteredInquirySchema = defineEntity({
  name: 'FilteredInquiry',
  tableName: 'filtered_inquiries',
  properties: {
    filteredInquiryId: uuidPrimaryKey(),
    user: ownerColumn(),
    site: () => p.manyToOne(SiteSchema).deleteRule('no action'),
    /** The browser's submission id: a retry is stored once, and a release keeps it on the inquiry. */
    clientEventId: p.uuid(),
    visitorId: p.string().length(64).nullable(),
    name: p.string().length(255).nullable(),
    email: p.string().length(254).nullable(),
    phone: p.string().length(20).nullable(),
    message: p.text(),
    listingRef: p.string().length(200).nullable(),
    pageUrl: p.string().length(2048).nullable(),
    consentText: p.text().nullable(),
    consentVersion: p.string().length(40).nullable(),
    consentAt: p.datetime().nullable(),
    /** Why it was held back: `site_budget` (the site's inquiry budget was spent). */
    reason: p.string().length(20),
    receivedAt: p.datetime(),
  },
  uniques: [{ name: 'filtered_inquiries_site_client_event_unique', properties: ['site', 'clientEventId'] }],
  indexes: [
    { name: 'filtered_inquiries_user_received_index', expression: 'create index "filtered_inquiries_user_received_index" on "filtered_inquiries" ("user_id", "received_at" desc, "filtered_inquiry_id" desc)' },
  ],
});
export type FilteredInquiry = InferEntity<typeof FilteredInquirySchema>;
