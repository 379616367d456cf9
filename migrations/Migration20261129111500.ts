import { Migration } from '@mikro-orm/migrations';

/**
 * `lead_analytics` becomes a table partitioned by month of `event_date` (native range
 * partitioning), with the same name and columns (docs/performance.md, "Events at scale").
 *
 * - Monthly partitions `lead_analytics_pYYYYMM` cover the existing rows (at most 24 months back)
 *   and the next 3 months; `lead_analytics_default` catches anything outside them (a far-past
 *   seed, a month the worker has not created yet). The worker keeps creating months ahead
 *   (`maintenance.partitions`) and moves rows out of the default partition when it does.
 * - A unique constraint on a partitioned table must contain the partition key, so the replay
 *   guard (site_id, client_event_id) moves to its own small table `lead_analytics_keys`: ingest
 *   inserts the key first (`on conflict do nothing`) and stores only the events whose key was new.
 *   Keys are kept for ANALYTICS_KEY_RETENTION_DAYS after receipt (purged by the worker).
 * - The primary key becomes (analytic_id, event_date); the three indexes are recreated on the
 *   parent (so on every partition) with their old names.
 */
export class Migration20261129111500 extends Migration {

  override name = 'Migration20261129111500';

  override up(): void | Promise<void> {
    this.addSql(`alter table "lead_analytics" rename to "lead_analytics_unpartitioned";`);
    this.addSql(`create table "lead_analytics" ("analytic_id" uuid not null, "lead_id" uuid null, "event_type" varchar(50) not null, "event_value" varchar(500) null, "event_date" timestamptz not null default now(), "site_id" uuid not null, "visitor_id" varchar(64) null, "client_event_id" uuid null, "listing_ref" varchar(200) null, "page_url" varchar(2048) null, "props" jsonb null, "received_at" timestamptz not null default now()) partition by range ("event_date");`);
    this.addSql(`create table "lead_analytics_default" partition of "lead_analytics" default;`);
    this.addSql(`
      do $$
      declare
        this_month date := date_trunc('month', now() at time zone 'UTC')::date;
        m date;
      begin
        select greatest(least(coalesce(date_trunc('month', min(event_date) at time zone 'UTC')::date, this_month), this_month), (this_month - interval '24 months')::date)
          into m from "lead_analytics_unpartitioned";
        while m <= this_month + interval '3 months' loop
          execute format('create table %I partition of "lead_analytics" for values from (%L) to (%L)',
            'lead_analytics_p' || to_char(m, 'YYYYMM'), to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
          m := (m + interval '1 month')::date;
        end loop;
      end $$;`);
    this.addSql(`insert into "lead_analytics" ("analytic_id", "lead_id", "event_type", "event_value", "event_date", "site_id", "visitor_id", "client_event_id", "listing_ref", "page_url", "props", "received_at") select "analytic_id", "lead_id", "event_type", "event_value", "event_date", "site_id", "visitor_id", "client_event_id", "listing_ref", "page_url", "props", "received_at" from "lead_analytics_unpartitioned";`);
    this.addSql(`create table "lead_analytics_keys" ("site_id" uuid not null, "client_event_id" uuid not null, "received_at" timestamptz not null default now(), primary key ("site_id", "client_event_id"));`);
    this.addSql(`create index "lead_analytics_keys_received_index" on "lead_analytics_keys" ("received_at");`);
    this.addSql(`insert into "lead_analytics_keys" ("site_id", "client_event_id", "received_at") select "site_id", "client_event_id", max("received_at") from "lead_analytics_unpartitioned" where "client_event_id" is not null group by 1, 2;`);
    this.addSql(`drop table "lead_analytics_unpartitioned";`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_pkey" primary key ("analytic_id", "event_date");`);
    this.addSql(`create index "lead_analytics_site_visitor_index" on "lead_analytics" ("site_id", "visitor_id");`);
    this.addSql(`create index "lead_analytics_lead_date_index" on "lead_analytics" ("lead_id", "event_date" desc);`);
    this.addSql(`create index "lead_analytics_site_date_index" on "lead_analytics" ("site_id", "event_date");`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
    this.addSql(`analyze "lead_analytics";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "lead_analytics" rename to "lead_analytics_partitioned";`);
    this.addSql(`create table "lead_analytics" (like "lead_analytics_partitioned" including defaults);`);
    this.addSql(`insert into "lead_analytics" select * from "lead_analytics_partitioned";`);
    this.addSql(`drop table "lead_analytics_partitioned" cascade;`);
    this.addSql(`drop table "lead_analytics_keys";`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_pkey" primary key ("analytic_id");`);
    this.addSql(`create index "lead_analytics_site_visitor_index" on "lead_analytics" ("site_id", "visitor_id");`);
    this.addSql(`create index "lead_analytics_lead_date_index" on "lead_analytics" ("lead_id", "event_date" desc);`);
    this.addSql(`create index "lead_analytics_site_date_index" on "lead_analytics" ("site_id", "event_date");`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_client_event_unique" unique ("site_id", "client_event_id");`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
  }

}
