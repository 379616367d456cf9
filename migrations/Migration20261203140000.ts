import { Migration } from '@mikro-orm/migrations';

/**
 * Analytics counted by the hour, so the admin can show the days of the realtor's time zone
 * (docs/api-leads.md, "GET /v1/analytics/summary", Days): analytics_daily_totals and the four counters kept by triggers
 * (lead, speed, inquiry and visitor daily counts) are keyed by the UTC hour (`hour`) instead of
 * the UTC day; readers group the hours into the days of the zone they are asked for.
 * analytics_daily and analytics_listing_weeks (top listings) keep UTC days.
 */
export class Migration20261203140000 extends Migration {

  override name = 'Migration20261203140000';

  override up(): void | Promise<void> {
    // The counters' triggers write the day columns: dropped first, recreated at the end.
    this.addSql(`drop function if exists lead_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists lead_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists lead_daily_counts_move() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_move() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_move() cascade;`);
    // Events per site, hour and type. A day counted before hours keeps its whole count at 12:00 UTC: the same date in every zone from UTC−11 to UTC+11.
    this.addSql(`alter table "analytics_daily_totals" add "hour" timestamptz null;`);
    this.addSql(`update "analytics_daily_totals" set "hour" = ("day" + time '12:00') at time zone 'UTC';`);
    this.addSql(`alter table "analytics_daily_totals" alter column "hour" set not null;`);
    this.addSql(`drop index "analytics_daily_totals_user_day_index";`);
    this.addSql(`alter table "analytics_daily_totals" drop constraint "analytics_daily_totals_pkey";`);
    this.addSql(`alter table "analytics_daily_totals" drop column "day";`);
    this.addSql(`create index "analytics_daily_totals_user_hour_index" on "analytics_daily_totals" ("user_id", "hour");`);
    this.addSql(`alter table "analytics_daily_totals" add primary key ("site_id", "hour", "event_type");`);
    // The four counters sum their base rows exactly (every insert, update and delete of a lead, inquiry or visitor adds its delta): emptied, keyed by hour, and rebuilt from those rows, one compacted row per key.
    this.addSql(`truncate table lead_daily_counts, speed_daily_counts, inquiry_daily_counts, visitor_daily_counts;`);
    this.addSql(`drop index "inquiry_daily_counts_site_day_index";`);
    this.addSql(`alter table "inquiry_daily_counts" drop column "day";`);
    this.addSql(`alter table "inquiry_daily_counts" add "hour" timestamptz not null;`);
    this.addSql(`create index "inquiry_daily_counts_site_hour_index" on "inquiry_daily_counts" ("site_id", "hour") include ("source", "n");`);
    this.addSql(`drop index "lead_daily_counts_user_day_index";`);
    this.addSql(`alter table "lead_daily_counts" drop column "day";`);
    this.addSql(`alter table "lead_daily_counts" add "hour" timestamptz not null;`);
    this.addSql(`create index "lead_daily_counts_user_hour_index" on "lead_daily_counts" ("user_id", "hour") include ("site_id", "stage_id", "contacted", "n");`);
    this.addSql(`drop index "speed_daily_counts_user_day_index";`);
    this.addSql(`alter table "speed_daily_counts" drop column "day";`);
    this.addSql(`alter table "speed_daily_counts" add "hour" timestamptz not null;`);
    this.addSql(`create index "speed_daily_counts_user_hour_index" on "speed_daily_counts" ("user_id", "hour") include ("site_id", "leads", "contacted", "within_5m", "within_1h");`);
    this.addSql(`drop index "visitor_daily_counts_site_day_index";`);
    this.addSql(`alter table "visitor_daily_counts" drop column "day";`);
    this.addSql(`alter table "visitor_daily_counts" add "hour" timestamptz not null;`);
    this.addSql(`create index "visitor_daily_counts_site_hour_index" on "visitor_daily_counts" ("site_id", "hour") include ("visitors", "leads");`);
    this.addSql(`insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n, compacted) select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at, 'UTC'), coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*), true from leads group by 1, 2, 3, 4, 5;`);
    this.addSql(`insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h, compacted) select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', x.first_inquiry_at, 'UTC'), count(*), count(x.first_contacted_at), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600), true from leads x where x.first_inquiry_at is not null group by 1, 2, 3;`);
    this.addSql(`insert into inquiry_daily_counts (site_id, hour, source, n, compacted) select site_id, date_trunc('hour', created_at, 'UTC'), source, count(*), true from inquiries where site_id is not null group by 1, 2, 3;`);
    this.addSql(`insert into visitor_daily_counts (site_id, hour, visitors, leads, compacted) select site_id, date_trunc('hour', first_seen_at, 'UTC'), count(*), count(lead_id), true from visitors group by 1, 2;`);
    // The triggers, writing hours (core/analytics/lead-daily-count.entity.ts).
    this.addSql(`create function lead_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at, 'UTC'), coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*) from new_leads group by 1, 2, 3, 4, 5;
  insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', x.first_inquiry_at, 'UTC'), count(*), count(x.first_contacted_at),
    count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from new_leads x where x.first_inquiry_at is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_daily_counts_add();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_insert;;`);
    this.addSql(`create function lead_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', created_at, 'UTC'), coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, -count(*) from old_leads group by 1, 2, 3, 4, 5;
  insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', x.first_inquiry_at, 'UTC'), -count(*), -count(x.first_contacted_at),
    -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from old_leads x where x.first_inquiry_at is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_daily_counts_remove();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_delete;;`);
    this.addSql(`create function lead_daily_counts_move() returns trigger language plpgsql as $$ begin
  if (old.user_id, old.site_id, date_trunc('hour', old.created_at, 'UTC'), old.stage_id, old.first_contacted_at is null)
     is distinct from (new.user_id, new.site_id, date_trunc('hour', new.created_at, 'UTC'), new.stage_id, new.first_contacted_at is null) then
    insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n) values
      (old.user_id, coalesce(old.site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', old.created_at, 'UTC'), coalesce(old.stage_id, '00000000-0000-0000-0000-000000000000'), old.first_contacted_at is not null, -1),
      (new.user_id, coalesce(new.site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', new.created_at, 'UTC'), coalesce(new.stage_id, '00000000-0000-0000-0000-000000000000'), new.first_contacted_at is not null, 1);
  end if;
  if (old.user_id, old.first_inquiry_site_id, old.first_inquiry_at, old.first_contacted_at)
     is distinct from (new.user_id, new.first_inquiry_site_id, new.first_inquiry_at, new.first_contacted_at) then
    if old.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
      values (old.user_id, coalesce(old.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', old.first_inquiry_at, 'UTC'), -1, -(old.first_contacted_at is not null)::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 300, false))::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 3600, false))::int);
    end if;
    if new.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
      values (new.user_id, coalesce(new.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), date_trunc('hour', new.first_inquiry_at, 'UTC'), 1, (new.first_contacted_at is not null)::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 300, false))::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 3600, false))::int);
    end if;
  end if;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_update after update of user_id, site_id, created_at, stage_id, first_contacted_at, first_inquiry_at, first_inquiry_site_id on leads for each row
  when (old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id or old.created_at is distinct from new.created_at
    or old.stage_id is distinct from new.stage_id or old.first_contacted_at is distinct from new.first_contacted_at
    or old.first_inquiry_at is distinct from new.first_inquiry_at or old.first_inquiry_site_id is distinct from new.first_inquiry_site_id)
  execute function lead_daily_counts_move();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_update;;`);
    this.addSql(`create function inquiry_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, hour, source, n)
  select site_id, date_trunc('hour', created_at, 'UTC'), source, count(*) from new_inquiries where site_id is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function inquiry_daily_counts_add();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_insert;;`);
    this.addSql(`create function inquiry_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, hour, source, n)
  select site_id, date_trunc('hour', created_at, 'UTC'), source, -count(*) from old_inquiries where site_id is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function inquiry_daily_counts_remove();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_delete;;`);
    this.addSql(`create function inquiry_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, hour, source, n)
  select site_id, hour, source, sum(n) from (
    select o.site_id, date_trunc('hour', o.created_at, 'UTC') as hour, o.source, -1 as n from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where o.site_id is not null and (o.site_id, date_trunc('hour', o.created_at, 'UTC'), o.source) is distinct from (w.site_id, date_trunc('hour', w.created_at, 'UTC'), w.source)
    union all
    select w.site_id, date_trunc('hour', w.created_at, 'UTC'), w.source, 1 from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where w.site_id is not null and (o.site_id, date_trunc('hour', o.created_at, 'UTC'), o.source) is distinct from (w.site_id, date_trunc('hour', w.created_at, 'UTC'), w.source)
  ) x group by 1, 2, 3 having sum(n) <> 0;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function inquiry_daily_counts_move();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_update;;`);
    this.addSql(`create function visitor_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, hour, visitors, leads)
  select site_id, date_trunc('hour', first_seen_at, 'UTC'), count(*), count(lead_id) from new_visitors group by 1, 2;
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_insert after insert on visitors referencing new table as new_visitors for each statement execute function visitor_daily_counts_add();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_insert;;`);
    this.addSql(`create function visitor_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, hour, visitors, leads)
  select site_id, date_trunc('hour', first_seen_at, 'UTC'), -count(*), -count(lead_id) from old_visitors group by 1, 2;
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_delete after delete on visitors referencing old table as old_visitors for each statement execute function visitor_daily_counts_remove();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_delete;;`);
    this.addSql(`create function visitor_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, hour, visitors, leads) values
    (old.site_id, date_trunc('hour', old.first_seen_at, 'UTC'), -1, -(old.lead_id is not null)::int),
    (new.site_id, date_trunc('hour', new.first_seen_at, 'UTC'), 1, (new.lead_id is not null)::int);
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_update after update of site_id, first_seen_at, lead_id on visitors for each row
  when (old.site_id is distinct from new.site_id or date_trunc('hour', old.first_seen_at, 'UTC') is distinct from date_trunc('hour', new.first_seen_at, 'UTC')
    or (old.lead_id is null) is distinct from (new.lead_id is null))
  execute function visitor_daily_counts_move();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_update;;`);
  }

  override down(): void | Promise<void> {
    // Back to UTC days: the events' hours summed per day, the counters rebuilt per day.
    this.addSql(`drop function if exists lead_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists lead_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists lead_daily_counts_move() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists inquiry_daily_counts_move() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_add() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_remove() cascade;`);
    this.addSql(`drop function if exists visitor_daily_counts_move() cascade;`);
    this.addSql(`create table "analytics_daily_totals_by_day" as select "site_id", ("hour" at time zone 'UTC')::date as "day", "event_type", "user_id", sum("events")::bigint as "events" from "analytics_daily_totals" group by 1, 2, 3, 4;`);
    this.addSql(`truncate table "analytics_daily_totals";`);
    this.addSql(`drop index "analytics_daily_totals_user_hour_index";`);
    this.addSql(`alter table "analytics_daily_totals" drop constraint "analytics_daily_totals_pkey";`);
    this.addSql(`alter table "analytics_daily_totals" drop column "hour";`);
    this.addSql(`alter table "analytics_daily_totals" add "day" date not null;`);
    this.addSql(`insert into "analytics_daily_totals" ("site_id", "day", "event_type", "user_id", "events") select "site_id", "day", "event_type", "user_id", "events" from "analytics_daily_totals_by_day";`);
    this.addSql(`drop table "analytics_daily_totals_by_day";`);
    this.addSql(`create index "analytics_daily_totals_user_day_index" on "analytics_daily_totals" ("user_id", "day");`);
    this.addSql(`alter table "analytics_daily_totals" add primary key ("site_id", "day", "event_type");`);
    this.addSql(`truncate table lead_daily_counts, speed_daily_counts, inquiry_daily_counts, visitor_daily_counts;`);
    this.addSql(`drop index "inquiry_daily_counts_site_hour_index";`);
    this.addSql(`alter table "inquiry_daily_counts" drop column "hour";`);
    this.addSql(`alter table "inquiry_daily_counts" add "day" date not null;`);
    this.addSql(`create index "inquiry_daily_counts_site_day_index" on "inquiry_daily_counts" ("site_id", "day") include ("source", "n");`);
    this.addSql(`drop index "lead_daily_counts_user_hour_index";`);
    this.addSql(`alter table "lead_daily_counts" drop column "hour";`);
    this.addSql(`alter table "lead_daily_counts" add "day" date not null;`);
    this.addSql(`create index "lead_daily_counts_user_day_index" on "lead_daily_counts" ("user_id", "day") include ("site_id", "stage_id", "contacted", "n");`);
    this.addSql(`drop index "speed_daily_counts_user_hour_index";`);
    this.addSql(`alter table "speed_daily_counts" drop column "hour";`);
    this.addSql(`alter table "speed_daily_counts" add "day" date not null;`);
    this.addSql(`create index "speed_daily_counts_user_day_index" on "speed_daily_counts" ("user_id", "day") include ("site_id", "leads", "contacted", "within_5m", "within_1h");`);
    this.addSql(`drop index "visitor_daily_counts_site_hour_index";`);
    this.addSql(`alter table "visitor_daily_counts" drop column "hour";`);
    this.addSql(`alter table "visitor_daily_counts" add "day" date not null;`);
    this.addSql(`create index "visitor_daily_counts_site_day_index" on "visitor_daily_counts" ("site_id", "day") include ("visitors", "leads");`);
    this.addSql(`insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n, compacted) select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date, coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*), true from leads group by 1, 2, 3, 4, 5;`);
    this.addSql(`insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h, compacted) select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, count(*), count(x.first_contacted_at), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600), true from leads x where x.first_inquiry_at is not null group by 1, 2, 3;`);
    this.addSql(`insert into inquiry_daily_counts (site_id, day, source, n, compacted) select site_id, (created_at at time zone 'UTC')::date, source, count(*), true from inquiries where site_id is not null group by 1, 2, 3;`);
    this.addSql(`insert into visitor_daily_counts (site_id, day, visitors, leads, compacted) select site_id, (first_seen_at at time zone 'UTC')::date, count(*), count(lead_id), true from visitors group by 1, 2;`);
    this.addSql(`create function lead_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date, coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, count(*) from new_leads group by 1, 2, 3, 4, 5;
  insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, count(*), count(x.first_contacted_at),
    count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from new_leads x where x.first_inquiry_at is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_daily_counts_add();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_insert;;`);
    this.addSql(`create function lead_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), (created_at at time zone 'UTC')::date, coalesce(stage_id, '00000000-0000-0000-0000-000000000000'), first_contacted_at is not null, -count(*) from old_leads group by 1, 2, 3, 4, 5;
  insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
  select x.user_id, coalesce(x.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (x.first_inquiry_at at time zone 'UTC')::date, -count(*), -count(x.first_contacted_at),
    -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 300), -count(*) filter (where case when x.first_contacted_at is null then null else greatest(0, extract(epoch from x.first_contacted_at - x.first_inquiry_at)) end <= 3600)
  from old_leads x where x.first_inquiry_at is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_daily_counts_remove();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_delete;;`);
    this.addSql(`create function lead_daily_counts_move() returns trigger language plpgsql as $$ begin
  if (old.user_id, old.site_id, (old.created_at at time zone 'UTC')::date, old.stage_id, old.first_contacted_at is null)
     is distinct from (new.user_id, new.site_id, (new.created_at at time zone 'UTC')::date, new.stage_id, new.first_contacted_at is null) then
    insert into lead_daily_counts (user_id, site_id, day, stage_id, contacted, n) values
      (old.user_id, coalesce(old.site_id, '00000000-0000-0000-0000-000000000000'), (old.created_at at time zone 'UTC')::date, coalesce(old.stage_id, '00000000-0000-0000-0000-000000000000'), old.first_contacted_at is not null, -1),
      (new.user_id, coalesce(new.site_id, '00000000-0000-0000-0000-000000000000'), (new.created_at at time zone 'UTC')::date, coalesce(new.stage_id, '00000000-0000-0000-0000-000000000000'), new.first_contacted_at is not null, 1);
  end if;
  if (old.user_id, old.first_inquiry_site_id, old.first_inquiry_at, old.first_contacted_at)
     is distinct from (new.user_id, new.first_inquiry_site_id, new.first_inquiry_at, new.first_contacted_at) then
    if old.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
      values (old.user_id, coalesce(old.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (old.first_inquiry_at at time zone 'UTC')::date, -1, -(old.first_contacted_at is not null)::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 300, false))::int, -(coalesce(case when old.first_contacted_at is null then null else greatest(0, extract(epoch from old.first_contacted_at - old.first_inquiry_at)) end <= 3600, false))::int);
    end if;
    if new.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, day, leads, contacted, within_5m, within_1h)
      values (new.user_id, coalesce(new.first_inquiry_site_id, '00000000-0000-0000-0000-000000000000'), (new.first_inquiry_at at time zone 'UTC')::date, 1, (new.first_contacted_at is not null)::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 300, false))::int, (coalesce(case when new.first_contacted_at is null then null else greatest(0, extract(epoch from new.first_contacted_at - new.first_inquiry_at)) end <= 3600, false))::int);
    end if;
  end if;
  return null; end $$;`);
    this.addSql(`create trigger lead_daily_counts_update after update of user_id, site_id, created_at, stage_id, first_contacted_at, first_inquiry_at, first_inquiry_site_id on leads for each row
  when (old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id or old.created_at is distinct from new.created_at
    or old.stage_id is distinct from new.stage_id or old.first_contacted_at is distinct from new.first_contacted_at
    or old.first_inquiry_at is distinct from new.first_inquiry_at or old.first_inquiry_site_id is distinct from new.first_inquiry_site_id)
  execute function lead_daily_counts_move();`);
    this.addSql(`alter table leads enable always trigger lead_daily_counts_update;;`);
    this.addSql(`create function inquiry_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, (created_at at time zone 'UTC')::date, source, count(*) from new_inquiries where site_id is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function inquiry_daily_counts_add();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_insert;;`);
    this.addSql(`create function inquiry_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, (created_at at time zone 'UTC')::date, source, -count(*) from old_inquiries where site_id is not null group by 1, 2, 3;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function inquiry_daily_counts_remove();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_delete;;`);
    this.addSql(`create function inquiry_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, day, source, n)
  select site_id, day, source, sum(n) from (
    select o.site_id, (o.created_at at time zone 'UTC')::date as day, o.source, -1 as n from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where o.site_id is not null and (o.site_id, (o.created_at at time zone 'UTC')::date, o.source) is distinct from (w.site_id, (w.created_at at time zone 'UTC')::date, w.source)
    union all
    select w.site_id, (w.created_at at time zone 'UTC')::date, w.source, 1 from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where w.site_id is not null and (o.site_id, (o.created_at at time zone 'UTC')::date, o.source) is distinct from (w.site_id, (w.created_at at time zone 'UTC')::date, w.source)
  ) x group by 1, 2, 3 having sum(n) <> 0;
  return null; end $$;`);
    this.addSql(`create trigger inquiry_daily_counts_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function inquiry_daily_counts_move();`);
    this.addSql(`alter table inquiries enable always trigger inquiry_daily_counts_update;;`);
    this.addSql(`create function visitor_daily_counts_add() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads)
  select site_id, (first_seen_at at time zone 'UTC')::date, count(*), count(lead_id) from new_visitors group by 1, 2;
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_insert after insert on visitors referencing new table as new_visitors for each statement execute function visitor_daily_counts_add();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_insert;;`);
    this.addSql(`create function visitor_daily_counts_remove() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads)
  select site_id, (first_seen_at at time zone 'UTC')::date, -count(*), -count(lead_id) from old_visitors group by 1, 2;
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_delete after delete on visitors referencing old table as old_visitors for each statement execute function visitor_daily_counts_remove();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_delete;;`);
    this.addSql(`create function visitor_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, day, visitors, leads) values
    (old.site_id, (old.first_seen_at at time zone 'UTC')::date, -1, -(old.lead_id is not null)::int),
    (new.site_id, (new.first_seen_at at time zone 'UTC')::date, 1, (new.lead_id is not null)::int);
  return null; end $$;`);
    this.addSql(`create trigger visitor_daily_counts_update after update of site_id, first_seen_at, lead_id on visitors for each row
  when (old.site_id is distinct from new.site_id or (old.first_seen_at at time zone 'UTC')::date is distinct from (new.first_seen_at at time zone 'UTC')::date
    or (old.lead_id is null) is distinct from (new.lead_id is null))
  execute function visitor_daily_counts_move();`);
    this.addSql(`alter table visitors enable always trigger visitor_daily_counts_update;;`);
  }

}
