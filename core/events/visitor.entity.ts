import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn } from '../db/columns.ts';
import { VISITOR_DAILY_COUNT_TRIGGERS } from '../analytics/lead-daily-count.entity.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';

/** An anonymous browser on a site (random id from localStorage), linked to a lead once identified. */
export const VisitorSchema = defineEntity({
  name: 'Visitor',
  tableName: 'visitors',
  properties: {
    site: () => p.manyToOne(SiteSchema).primary().deleteRule('cascade'),
    visitorId: p.string().length(64).primary(),
    lead: () => p.manyToOne(LeadSchema).nullable().deleteRule('set null').index('visitors_lead_id_index'),
    firstSeenAt: createdAtColumn(),
    lastSeenAt: createdAtColumn(),
    /** Set when events still need their lead id filled in by the stitching job. */
    stitchedAt: p.datetime().nullable(),
  },
  primaryKeys: ['site', 'visitorId'],
  // Analytics conversion: visitors first seen in a date range, per site.
  // Covering lead_id: visitors → leads counts are index-only scans (core/analytics/).
  indexes: [
    { name: 'visitors_site_first_seen_lead_index', expression: 'create index "visitors_site_first_seen_lead_index" on "visitors" ("site_id", "first_seen_at") include ("lead_id")' },
    // The stitch sweeper's query (find-unstitched-visitors.ts): only linked, unstitched visitors. Keyed
    // on lead_id, not last_seen_at: every beacon moves last_seen_at, and an indexed column would make
    // that update write into every index instead of a heap-only tuple (Migration20261202160000).
    { name: 'visitors_unstitched_index', expression: 'create index "visitors_unstitched_index" on "visitors" ("lead_id") where "lead_id" is not null and "stitched_at" is null' },
  ],
  // visitor_daily_counts: visitors and linked leads per site and day, kept in the writing statement (core/analytics/lead-daily-count.entity.ts).
  triggers: [...VISITOR_DAILY_COUNT_TRIGGERS],
});
export type Visitor = InferEntity<typeof VisitorSchema>;
