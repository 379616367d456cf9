import { Migration } from '@mikro-orm/migrations';

export class Migration20261130013000 extends Migration {

  override name = 'Migration20261130013000';

  override up(): void | Promise<void> {
    // Cheaper event inserts (docs/performance.md, "The site key check per event"): the foreign key
    // from lead_analytics.site_id to sites checked every inserted event with a
    // `select … for key share` on its site row. Two batches in flight lock the same busy sites, so
    // the locks became MultiXacts: with two writers, 64–72 µs of Postgres CPU and about 3,500 WAL
    // bytes per event with the key, 55 µs and 2,600 bytes without. Deleting a site now deletes
    // its events itself (core/sites/sites.ts); an ingest batch racing the delete still fails on
    // the visitors key, and the hourly retention purges any event of a site that no longer exists.
    this.addSql(`alter table "lead_analytics" drop constraint if exists "lead_analytics_site_id_foreign";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "lead_analytics" a where not exists (select 1 from "sites" s where s."site_id" = a."site_id");`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
  }

}
