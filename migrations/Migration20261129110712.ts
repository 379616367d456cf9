import { Migration } from '@mikro-orm/migrations';

export class Migration20261129110712 extends Migration {

  override name = 'Migration20261129110712';

  override up(): void | Promise<void> {
    this.addSql(`create table "analytics_rollup_state" ("name" varchar(40) not null, "watermark" timestamptz not null, "updated_at" timestamptz not null default now(), primary key ("name"));`);

    this.addSql(`create table "analytics_daily" ("site_id" uuid not null, "day" date not null, "event_type" varchar(50) not null, "listing_ref" varchar(200) not null, "user_id" uuid not null, "events" bigint not null, primary key ("site_id", "day", "event_type", "listing_ref"));`);
    this.addSql(`create index "analytics_daily_user_day_index" on "analytics_daily" ("user_id", "day");`);
    this.addSql(`create index "analytics_daily_listing_index" on "analytics_daily" ("site_id", "listing_ref", "day");`);

    this.addSql(`create table "analytics_daily_totals" ("site_id" uuid not null, "day" date not null, "event_type" varchar(50) not null, "user_id" uuid not null, "events" bigint not null, primary key ("site_id", "day", "event_type"));`);
    this.addSql(`create index "analytics_daily_totals_user_day_index" on "analytics_daily_totals" ("user_id", "day");`);
    this.addSql(`alter table "analytics_daily_totals" add constraint "analytics_daily_totals_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
    this.addSql(`alter table "analytics_daily_totals" add constraint "analytics_daily_totals_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`create index "lead_analytics_received_index" on "lead_analytics" ("received_at");`);
    this.addSql(`create index "inquiries_site_created_index" on "inquiries" ("site_id", "created_at") include ("lead_id", "listing_ref", "source");`);
    this.addSql(`create index "visitors_site_first_seen_lead_index" on "visitors" ("site_id", "first_seen_at") include ("lead_id");`);
    this.addSql(`drop index "visitors_site_first_seen_index";`);
    this.addSql(`create index "inquiries_manual_created_index" on "inquiries" ("created_at") where "site_id" is null;`);
    // Backfill happens on the job's first runs, in bounded chunks from the epoch; until then the
    // summary counts the events after the watermark raw, so it is exact from the start.
    this.addSql(`insert into "analytics_rollup_state" ("name", "watermark") values ('events', '1970-01-01T00:00:00Z');`);

    this.addSql(`alter table "analytics_daily" add constraint "analytics_daily_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
    this.addSql(`alter table "analytics_daily" add constraint "analytics_daily_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "analytics_rollup_state" cascade;`);
    this.addSql(`drop table if exists "analytics_daily" cascade;`);
    this.addSql(`drop table if exists "analytics_daily_totals" cascade;`);

    this.addSql(`drop index "lead_analytics_received_index";`);
    this.addSql(`drop index "inquiries_site_created_index";`);
    this.addSql(`drop index "inquiries_manual_created_index";`);
    this.addSql(`create index "visitors_site_first_seen_index" on "visitors" ("site_id", "first_seen_at");`);
    this.addSql(`drop index "visitors_site_first_seen_lead_index";`);
  }

}
