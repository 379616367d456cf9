import { Migration } from '@mikro-orm/migrations';

export class Migration20261129135638 extends Migration {

  override name = 'Migration20261129135638';

  override up(): void | Promise<void> {
    this.addSql(`create table "analytics_listing_weeks" ("site_id" uuid not null, "week" date not null, "listing_ref" varchar(200) not null, "user_id" uuid not null, "views" bigint not null, primary key ("site_id", "week", "listing_ref"));`);
    this.addSql(`create index "analytics_listing_weeks_site_week_index" on "analytics_listing_weeks" ("site_id", "week") include ("listing_ref", "views");`);

    this.addSql(`alter table "analytics_listing_weeks" add constraint "analytics_listing_weeks_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
    this.addSql(`alter table "analytics_listing_weeks" add constraint "analytics_listing_weeks_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    // Page views per listing and week so far, from analytics_daily. The rollup job's state row is
    // locked first: a chunk of a job still running the old code (which writes analytics_daily but
    // not this table) cannot commit between this snapshot and the commit.
    this.addSql(`select watermark from analytics_rollup_state for update;`);
    this.addSql(`insert into analytics_listing_weeks (site_id, week, listing_ref, user_id, views)
      select site_id, date_trunc('week', day::timestamp)::date, listing_ref, user_id, sum(events) from analytics_daily
      where event_type = 'page_view' and listing_ref <> '' group by 1, 2, 3, 4;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "analytics_listing_weeks" cascade;`);
  }

}
