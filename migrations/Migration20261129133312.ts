import { Migration } from '@mikro-orm/migrations';

export class Migration20261129133312 extends Migration {

  override name = 'Migration20261129133312';

  override up(): void | Promise<void> {
    this.addSql(`create table "inquiry_daily_counts" ("count_id" bigserial primary key, "site_id" uuid not null, "day" date not null, "source" varchar(20) not null, "n" bigint not null, "compacted" boolean not null default false);`);
    this.addSql(`create index "inquiry_daily_counts_site_day_index" on "inquiry_daily_counts" ("site_id", "day") include ("source", "n");`);
    this.addSql(`create index "inquiry_daily_counts_pending_index" on "inquiry_daily_counts" ("site_id") where not "compacted";`);

    this.addSql(`create table "lead_daily_counts" ("count_id" bigserial primary key, "user_id" uuid not null, "site_id" uuid not null, "day" date not null, "stage_id" uuid not null, "contacted" boolean not null, "n" bigint not null, "compacted" boolean not null default false);`);
    this.addSql(`create index "lead_daily_counts_user_day_index" on "lead_daily_counts" ("user_id", "day") include ("site_id", "stage_id", "contacted", "n");`);
    this.addSql(`create index "lead_daily_counts_pending_index" on "lead_daily_counts" ("user_id") where not "compacted";`);

    this.addSql(`create table "speed_daily_counts" ("count_id" bigserial primary key, "user_id" uuid not null, "site_id" uuid not null, "day" date not null, "leads" bigint not null, "contacted" bigint not null, "within_5m" bigint not null, "within_1h" bigint not null, "compacted" boolean not null default false);`);
    this.addSql(`create index "speed_daily_counts_user_day_index" on "speed_daily_counts" ("user_id", "day") include ("site_id", "leads", "contacted", "within_5m", "within_1h");`);
    this.addSql(`create index "speed_daily_counts_pending_index" on "speed_daily_counts" ("user_id") where not "compacted";`);

    this.addSql(`create function lead_daily_counts_add() returns trigger language plpgsql as \$\$ begin
  insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date, coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*) from new_leads group by 1, 2, 3, 4, 5;   insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, count(*), count(x.first_contacted_at),
    count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from new_leads x where x.first_inquiry_at is not null group by 1, 2, 3;   return null; end \$\$;`);
    this.addSql(`create trigger lead_daily_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_daily_counts_add();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_insert;`);
    this.addSql(`create function lead_daily_counts_remove() returns trigger language plpgsql as \$\$ begin
  insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date, coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, -count(*) from old_leads group by 1, 2, 3, 4, 5;   insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, -count(*), -count(x.first_contacted_at),
    -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from old_leads x where x.first_inquiry_at is not null group by 1, 2, 3;   return null; end \$\$;`);
    this.addSql(`create trigger lead_daily_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_daily_counts_remove();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_delete;`);
    this.addSql(`create function lead_daily_counts_move() returns trigger language plpgsql as \$\$ begin
  if (old.user_id, old.site_id, (old.created_at at time zone 'UTC')::date, old.stage_id, old.first_contacted_at is null)
     is distinct from (new.user_id, new.site_id, (new.created_at at time zone 'UTC')::date, new.stage_id, new.first_contacted_at is null) then
    insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n) values
      (old.user_id, coalesce(old.site_id, '00000000-0000-0000-0000-000000000000'), (old.created_at at time zone 'UTC')::date, coalesce(old.stage_id, '00000000-0000-0000-0000-000000000000'), old.first_contacted_at is not null, -1),
      (new.user_id, coalesce(new.site_id, '00000000-0000-0000-0000-000000000000'), (new.created_at at time zone 'UTC')::date, coalesce(new.stage_id, '00000000-0000-0000-0000-000000000000'), new.first_contacted_at is not null, 1);   end if;   if (old.user_id, old.first_inquiry_site_id, old.first_inquiry_at, old.first_contacted_at)
     is distinct from (new.user_id, new.first_inquiry_site_id, new.first_inquiry_at, new.first_contacted_at) then
    if old.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
      values (old.user_id, coalesce(old.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (old.first_inquiry_at at time zone 'UTC')::date, -1, -(old.first_contacted_at is not null)::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 300, false))::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 3600, false))::int);     end if;     if new.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
      values (new.user_id, coalesce(new.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (new.first_inquiry_at at time zone 'UTC')::date, 1, (new.first_contacted_at is not null)::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 300, false))::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 3600, false))::int);     end if;   end if;   return null; end \$\$;`);
    this.addSql(`create trigger lead_daily_counts_update after update of user_id, site_id, created_at, stage_id, first_contacted_at, first_inquiry_at, first_inquiry_site_id on leads for each row
  when (old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id or old.created_at is distinct from new.created_at
    or old.stage_id is distinct from new.stage_id or old.first_contacted_at is distinct from new.first_contacted_at
    or old.first_inquiry_at is distinct from new.first_inquiry_at or old.first_inquiry_site_id is distinct from new.first_inquiry_site_id)
  execute function lead_daily_counts_move();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_update;`);

    this.addSql(`create index "inquiries_site_listing_created_index" on "inquiries" ("site_id", "listing_ref", "created_at") include ("lead_id");`);
    this.addSql(`create function inquiry_daily_counts_add() returns trigger language plpgsql as \$\$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, (created_at at time zone 'UTC')::date, source, count(*) from new_inquiries where site_id is not null group by 1, 2, 3;   return null; end \$\$;`);
    this.addSql(`create trigger inquiry_daily_counts_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function inquiry_daily_counts_add();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_insert;`);
    this.addSql(`create function inquiry_daily_counts_remove() returns trigger language plpgsql as \$\$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, (created_at at time zone 'UTC')::date, source, -count(*) from old_inquiries where site_id is not null group by 1, 2, 3;   return null; end \$\$;`);
    this.addSql(`create trigger inquiry_daily_counts_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function inquiry_daily_counts_remove();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_delete;`);
    this.addSql(`create function inquiry_daily_counts_move() returns trigger language plpgsql as \$\$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, day, source, sum(n) from (
    select o.site_id, (o.created_at at time zone 'UTC')::date as day, o.source, -1 as n from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where o.site_id is not null and (o.site_id, (o.created_at at time zone 'UTC')::date, o.source) is distinct from (w.site_id, (w.created_at at time zone 'UTC')::date, w.source)
    union all
    select w.site_id, (w.created_at at time zone 'UTC')::date, w.source, 1 from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where w.site_id is not null and (o.site_id, (o.created_at at time zone 'UTC')::date, o.source) is distinct from (w.site_id, (w.created_at at time zone 'UTC')::date, w.source)
  ) x group by 1, 2, 3 having sum(n) <> 0;   return null; end \$\$;`);
    this.addSql(`create trigger inquiry_daily_counts_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function inquiry_daily_counts_move();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_update;`);

    this.addSql(`create table "visitor_daily_counts" ("count_id" bigserial primary key, "site_id" uuid not null, "day" date not null, "visitors" bigint not null, "leads" bigint not null, "compacted" boolean not null default false);`);
    this.addSql(`create index "visitor_daily_counts_site_day_index" on "visitor_daily_counts" ("site_id", "day") include ("visitors", "leads");`);
    this.addSql(`create index "visitor_daily_counts_pending_index" on "visitor_daily_counts" ("site_id") where not "compacted";`);

    this.addSql(`create function visitor_daily_counts_add() returns trigger language plpgsql as \$\$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads)
  select site_id, (first_seen_at at time zone 'UTC')::date, count(*), count(lead_id) from new_visitors group by 1, 2;   return null; end \$\$;`);
    this.addSql(`create trigger visitor_daily_counts_insert after insert on visitors referencing new table as new_visitors for each statement execute function visitor_daily_counts_add();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_insert;`);
    this.addSql(`create function visitor_daily_counts_remove() returns trigger language plpgsql as \$\$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads)
  select site_id, (first_seen_at at time zone 'UTC')::date, -count(*), -count(lead_id) from old_visitors group by 1, 2;   return null; end \$\$;`);
    this.addSql(`create trigger visitor_daily_counts_delete after delete on visitors referencing old table as old_visitors for each statement execute function visitor_daily_counts_remove();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_delete;`);
    this.addSql(`create function visitor_daily_counts_move() returns trigger language plpgsql as \$\$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads) values
    (old.site_id, (old.first_seen_at at time zone 'UTC')::date, -1, -(old.lead_id is not null)::int),
    (new.site_id, (new.first_seen_at at time zone 'UTC')::date, 1, (new.lead_id is not null)::int);   return null; end \$\$;`);
    this.addSql(`create trigger visitor_daily_counts_update after update of site_id, first_seen_at, lead_id on visitors for each row
  when (old.site_id is distinct from new.site_id or (old.first_seen_at at time zone 'UTC')::date is distinct from (new.first_seen_at at time zone 'UTC')::date
    or (old.lead_id is null) is distinct from (new.lead_id is null))
  execute function visitor_daily_counts_move();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_update;`);

    // The leads, inquiries and visitors already there, one compacted row per key. create trigger holds a lock
    // on leads, inquiries and visitors that blocks their writers until this migration commits: none is
    // counted twice or missed.
    this.addSql(`insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n, compacted)
      select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date,
        coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*), true
      from leads group by 1, 2, 3, 4, 5;`);
    this.addSql(`insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h, compacted)
      select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, count(*), count(x.first_contacted_at),
        count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300),
        count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600), true
      from leads x where x.first_inquiry_at is not null group by 1, 2, 3;`);
    this.addSql(`insert into inquiry_daily_counts (site_id, day, source, n, compacted)
      select site_id, (created_at at time zone 'UTC')::date, source, count(*), true from inquiries where site_id is not null group by 1, 2, 3;`);
    this.addSql(`insert into visitor_daily_counts (site_id, day, visitors, leads, compacted)
      select site_id, (first_seen_at at time zone 'UTC')::date, count(*), count(lead_id), true from visitors group by 1, 2;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "visitor_daily_counts_insert" on "visitors";`);
    this.addSql(`drop trigger "visitor_daily_counts_delete" on "visitors";`);
    this.addSql(`drop trigger "visitor_daily_counts_update" on "visitors";`);
    this.addSql(`drop function visitor_daily_counts_add(), visitor_daily_counts_remove(), visitor_daily_counts_move();`);
    this.addSql(`drop table if exists "visitor_daily_counts" cascade;`);
    this.addSql(`drop trigger "inquiry_daily_counts_insert" on "inquiries";`);
    this.addSql(`drop trigger "inquiry_daily_counts_delete" on "inquiries";`);
    this.addSql(`drop trigger "inquiry_daily_counts_update" on "inquiries";`);
    this.addSql(`drop function inquiry_daily_counts_add(), inquiry_daily_counts_remove(), inquiry_daily_counts_move();`);
    this.addSql(`drop trigger "lead_daily_counts_insert" on "leads";`);
    this.addSql(`drop trigger "lead_daily_counts_delete" on "leads";`);
    this.addSql(`drop trigger "lead_daily_counts_update" on "leads";`);
    this.addSql(`drop function lead_daily_counts_add(), lead_daily_counts_remove(), lead_daily_counts_move();`);
    this.addSql(`drop index "inquiries_site_listing_created_index";`);
    this.addSql(`drop table if exists "inquiry_daily_counts" cascade;`);
    this.addSql(`drop table if exists "lead_daily_counts" cascade;`);
    this.addSql(`drop table if exists "speed_daily_counts" cascade;`);
  }

}
