import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn } from '../db/columns.ts';

/**
 * The replay guard of `lead_analytics`: one row per (site, browser event id) stored. A unique
 * constraint on the partitioned `lead_analytics` would have to include `event_date`, which a
 * replay does not reproduce reliably (the server clamps client times into the last 24 h, and uses
 * its own clock when an event has none), so ingest claims the key here first, `on conflict do
 * nothing`, and stores only the events whose key was new (ingest-batcher.ts `eventInsertCtes`).
 * Keys are kept ANALYTICS_KEY_RETENTION_DAYS after receipt (`maintenance.retention` purges them):
 * the tracker replays an event only from its queue of failed sends, normally seconds later.
 */
export const LeadAnalyticKeySchema = defineEntity({
  name: 'LeadAnalyticKey',
  tableName: 'lead_analytics_keys',
  properties: {
    siteId: p.uuid().primary(),
    clientEventId: p.uuid().primary(),
    receivedAt: createdAtColumn().index('lead_analytics_keys_received_index'),
  },
});
export type LeadAnalyticKey = InferEntity<typeof LeadAnalyticKeySchema>;
