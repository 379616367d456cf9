import { Migration } from '@mikro-orm/migrations';

/**
 * `lead_analytics_received_index` (the rollup's watermark scan, core/analytics/rollup-events.ts)
 * was created before `lead_analytics` became a partitioned table (Migration20261129111500), which
 * recreated only the table's own indexes: create it again, on the partitioned parent (so on
 * every month partition, present and future).
 */
export class Migration20261129123000 extends Migration {

  override name = 'Migration20261129123000';

  override up(): void | Promise<void> {
    this.addSql(`create index if not exists "lead_analytics_received_index" on "lead_analytics" ("received_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "lead_analytics_received_index";`);
  }

}
