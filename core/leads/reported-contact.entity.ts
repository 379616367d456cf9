import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { InquirySchema } from '../inquiries/inquiry.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';
import { REPORTED_CONTACT_KINDS, REPORTED_CONTACT_SOURCES } from '../shared/enums.ts';
import { LeadSchema } from './lead.entity.ts';

export { REPORTED_CONTACT_KINDS, REPORTED_CONTACT_SOURCES, type ReportedContactKind, type ReportedContactSource } from '../shared/enums.ts';

/**
 * A contact detail that an unauthenticated submission (the public inquiry form, an `identify`
 * event) reported for a lead that already existed, kept BESIDE the lead instead of written into
 * it: anyone who knows a site key and a lead's email can send one, so it never overwrites what
 * the realtor or an earlier submission established (docs/lead-poisoning.md). The realtor sees it
 * as "reported by the form" and may adopt it. One row per (lead, kind, value): a repeat refreshes
 * `last_reported_at` and counts.
 */
export const LeadReportedContactSchema = defineEntity({
  name: 'LeadReportedContact',
  tableName: 'lead_reported_contacts',
  properties: {
    reportedContactId: uuidPrimaryKey(),
    user: ownerColumn(),
    lead: () => p.manyToOne(LeadSchema).deleteRule('cascade'),
    kind: p.enum(REPORTED_CONTACT_KINDS),
    /** Normalised like the lead's own columns (lower-cased email, +digits phone, trimmed name). */
    value: p.string().length(255),
    source: p.enum(REPORTED_CONTACT_SOURCES),
    /** The (latest) inquiry that reported it; null for identify events. */
    // Indexed for the foreign key's set null: without it each deleted inquiry (a lead's delete
    // cascades to them) read the whole table (Migration20261201113000).
    inquiry: () => p.manyToOne(InquirySchema).nullable().deleteRule('set null').index('lead_reported_contacts_inquiry_id_index'),
    /** The visitor that sent it (identify events, form submissions with a visitor id). */
    visitorId: p.string().length(64).nullable(),
    site: () => p.manyToOne(SiteSchema).nullable().deleteRule('set null').index('lead_reported_contacts_site_id_index'),
    reportedAt: p.datetime(),
    lastReportedAt: p.datetime(),
    reportCount: p.integer().default(1),
    /** When the realtor adopted it as the lead's contact detail. */
    adoptedAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'lead_reported_contacts_lead_kind_value_unique', properties: ['lead', 'kind', 'value'] }],
  indexes: [{ name: 'lead_reported_contacts_user_index', properties: ['user'] }],
});
export type LeadReportedContact = InferEntity<typeof LeadReportedContactSchema>;
