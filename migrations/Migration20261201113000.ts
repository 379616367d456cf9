import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for four foreign keys Postgres had to check by reading the whole referencing table, and
 * for the stitch sweeper's query.
 *
 * A foreign key's ON DELETE action looks up the referencing rows by its columns; without an index
 * that is a sequential scan of the table, all tenants, once per deleted row. Deleting leads
 * cascades to inquiries, and each inquiry set `lead_reported_contacts.inquiry_id` to null that
 * way: one account-purge chunk of 500 leads took 2,332 ms, 2,237 ms of it in that trigger (500
 * calls), at 60k reported contacts; with the index, 67 ms. `lead_activities.actor_user_id` (set
 * null) was scanned in the purge's last transaction while it holds the user's and sites' locks;
 * `analytics_listing_weeks.user_id` (cascade) and `lead_reported_contacts.site_id` (set null) the
 * same on a user's or site's delete. core/db/foreign-key-indexes.int.test.ts keeps every foreign
 * key indexed from now on.
 *
 * The sweeper (core/events/find-unstitched-visitors.ts, every 30 s) read all of `visitors` to find
 * the few linked but not yet stitched ones (32 ms at 299k visitors, growing with each visitor):
 * the partial index holds only those rows, in the order it reads them.
 *
 * Plain CREATE INDEX, inside the migration's transaction like every migration here (the runner
 * has no non-transactional ones, and CONCURRENTLY cannot run in a transaction): each build holds
 * a SHARE lock on its table — writes to it wait, reads go on — for about 1 s per million rows (a
 * uuid column, measured), so well under a second at the sizes above.
 */
export class Migration20261201113000 extends Migration {

  override name = 'Migration20261201113000';

  override up(): void | Promise<void> {
    this.addSql(`create index "lead_reported_contacts_inquiry_id_index" on "lead_reported_contacts" ("inquiry_id");`);
    this.addSql(`create index "lead_reported_contacts_site_id_index" on "lead_reported_contacts" ("site_id");`);
    this.addSql(`create index "lead_activities_actor_user_id_index" on "lead_activities" ("actor_user_id");`);
    this.addSql(`create index "analytics_listing_weeks_user_id_index" on "analytics_listing_weeks" ("user_id");`);
    this.addSql(`create index "visitors_unstitched_last_seen_index" on "visitors" ("last_seen_at") where "lead_id" is not null and "stitched_at" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "visitors_unstitched_last_seen_index";`);
    this.addSql(`drop index if exists "analytics_listing_weeks_user_id_index";`);
    this.addSql(`drop index if exists "lead_activities_actor_user_id_index";`);
    this.addSql(`drop index if exists "lead_reported_contacts_site_id_index";`);
    this.addSql(`drop index if exists "lead_reported_contacts_inquiry_id_index";`);
  }

}
