import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';

/**
 * One analytics event (seed table `lead_analytics`; seed columns kept). `lead_id` stays
 * null until the visitor is identified, then stitching fills it in. The big table:
 * reads go through the (site_id, visitor_id) and (lead_id, event_date) indexes. `analytic_id`
 * is time-ordered for ingested events (`timeOrderedUuid`), so the primary key grows at its end.
 *
 * Partitioned by month of `event_date` (migration Migration20261129111500; the worker's
 * `maintenance.partitions` creates months ahead, retention drops old ones). The ORM does not
 * manage the partitioning (no `partitionBy` here: MikroORM leaves it alone and ignores the
 * partitions). Its primary key includes the partition key, as PostgreSQL requires; the replay
 * guard (site_id, client_event_id) lives in `lead_analytics_keys` (lead-analytic-key.entity.ts).
 */
export const LeadAnalyticSchema = defineEntity({
  name: 'LeadAnalytic',
  tableName: 'lead_analytics',
  properties: {
    analyticId: uuidPrimaryKey(),
    lead: () => p.manyToOne(LeadSchema).nullable().deleteRule('cascade'),
    eventType: p.string().length(50),
    /** VARCHAR as in the seed; 500 is the longest value the collect API accepts. */
    eventValue: p.string().length(500).nullable(),
    eventDate: createdAtColumn().primary(),
    // No foreign key constraint (migration Migration20261130013000): its check locked the site row
    // for every inserted event. deleteSite deletes a site's events; retention purges stragglers.
    site: () => p.manyToOne(SiteSchema).createForeignKeyConstraint(false),
    visitorId: p.string().length(64).nullable(),
    /** The browser's event id: a replayed batch stores each event once (see `lead_analytics_keys`). */
    clientEventId: p.uuid().nullable(),
    listingRef: p.string().length(200).nullable(),
    pageUrl: p.string().length(2048).nullable(),
    props: p.json<Record<string, string | number | boolean | null>>().nullable(),
    receivedAt: createdAtColumn(),
  },
  indexes: [
    { name: 'lead_analytics_site_visitor_index', properties: ['site', 'visitorId'] },
    // Identified leads' events only: every read names a lead, and anonymous page views (most
    // events) skip the entry (migration Migration20261129224500).
    { name: 'lead_analytics_lead_date_index', expression: 'create index "lead_analytics_lead_date_index" on "lead_analytics" ("lead_id", "event_date" desc) where "lead_id" is not null' },
    { name: 'lead_analytics_site_date_index', properties: ['site', 'eventDate'] },
    // The analytics rollup reads events by arrival (its watermark) — core/analytics/rollup-events.ts.
    { name: 'lead_analytics_received_index', properties: ['receivedAt'] },
  ],
});
export type LeadAnalytic = InferEntity<typeof LeadAnalyticSchema>;
