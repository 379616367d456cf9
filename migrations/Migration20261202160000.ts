import { Migration } from '@mikro-orm/migrations';

/**
 * Lets the beacon's visitor upsert be a HOT update again. Every `POST /v1/collect` moves its
 * visitor's `last_seen_at` (core/events/ingest-batcher.ts). Since Migration20261201113000 the stitch
 * sweeper's partial index had `last_seen_at` as its key, and a column in any index makes Postgres
 * write a new version of the row into every index of the table (3 index entries per beacon) instead
 * of a heap-only tuple: in the ingest bench no update of `visitors` was HOT. The sweeper's index now
 * keys on `lead_id`, which the beacon never changes; it still holds only linked, unstitched
 * visitors (a handful), which the sweeper sorts by `last_seen_at` itself.
 *
 * Measured by replaying the batch statement (25 events from 5,000 visitors, 1,500 batches, three
 * rounds each, the Postgres backend's CPU): 41–47 µs per event against 52–59 µs with the old index,
 * 93–96 % of the visitor updates heap-only against 0 %. Before the sweeper's index about 90 % were;
 * a lower fillfactor (90 here, 80 in docs/performance-history.md) gained nothing measurable.
 */
export class Migration20261202160000 extends Migration {

  override name = 'Migration20261202160000';

  override up(): void | Promise<void> {
    this.addSql(`drop index if exists "visitors_unstitched_last_seen_index";`);
    this.addSql(`create index "visitors_unstitched_index" on "visitors" ("lead_id") where "lead_id" is not null and "stitched_at" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "visitors_unstitched_index";`);
    this.addSql(`create index "visitors_unstitched_last_seen_index" on "visitors" ("last_seen_at") where "lead_id" is not null and "stitched_at" is null;`);
  }

}
