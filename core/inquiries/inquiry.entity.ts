import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';
import { INQUIRY_SOURCES } from '../shared/enums.ts';
import { FIRST_INQUIRY_TRIGGERS } from '../analytics/first-inquiry.ts';
import { INQUIRY_DAILY_COUNT_TRIGGERS } from '../analytics/lead-daily-count.entity.ts';

export { INQUIRY_SOURCES, type InquirySource } from '../shared/enums.ts';

/** A message from a lead (seed table `inquiries`; seed columns kept). */
export const InquirySchema = defineEntity({
  name: 'Inquiry',
  tableName: 'inquiries',
  properties: {
    inquiryId: uuidPrimaryKey(),
    lead: () => p.manyToOne(LeadSchema).deleteRule('cascade'),
    message: p.text(),
    createdAt: createdAtColumn(),
    site: () => p.manyToOne(SiteSchema).nullable().deleteRule('set null'),
    source: p.enum(INQUIRY_SOURCES).default('manual'),
    listingRef: p.string().length(200).nullable(),
    pageUrl: p.string().length(2048).nullable(),
    /** The browser's submission id: retries of one submission store one inquiry. */
    clientEventId: p.uuid().nullable(),
    /**
     * An unauthenticated submission whose contact details did not all match the lead it was
     * attached to (a phone, email or name the lead does not hold): anyone who knows a lead's
     * email can post one, so the realtor sees it flagged (docs/lead-poisoning.md).
     */
    unverified: p.boolean().default(false),
    /** The consent wording the visitor agreed to, its version, and when (docs/consent.md). */
    consentText: p.text().nullable(),
    consentVersion: p.string().length(40).nullable(),
    consentAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'inquiries_site_client_event_unique', properties: ['site', 'clientEventId'] }],
  indexes: [
    { name: 'inquiries_lead_created_index', expression: 'create index "inquiries_lead_created_index" on "inquiries" ("lead_id", "created_at" desc)' },
    // Analytics (core/analytics/): inquiries per site and day; inquiries added by hand (no site) by day.
    { name: 'inquiries_site_created_index', expression: 'create index "inquiries_site_created_index" on "inquiries" ("site_id", "created_at") include ("lead_id", "listing_ref", "source")' },
    // Top listings: the inquiries about a few candidate listings of a range.
    { name: 'inquiries_site_listing_created_index', expression: 'create index "inquiries_site_listing_created_index" on "inquiries" ("site_id", "listing_ref", "created_at") include ("lead_id")' },
    { name: 'inquiries_manual_created_index', expression: 'create index "inquiries_manual_created_index" on "inquiries" ("created_at") where "site_id" is null' },
  ],
  // leads.first_inquiry_at / first_inquiry_site_id (core/analytics/first-inquiry.ts) and inquiry_daily_counts
  // (core/analytics/lead-daily-count.entity.ts), kept in the writing statement.
  triggers: [...FIRST_INQUIRY_TRIGGERS, ...INQUIRY_DAILY_COUNT_TRIGGERS],
});
export type Inquiry = InferEntity<typeof InquirySchema>;
