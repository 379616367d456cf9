import { Migration } from '@mikro-orm/migrations';

export class Migration20261129121557 extends Migration {

  override name = 'Migration20261129121557';

  override up(): void | Promise<void> {
    this.addSql(`create table "lead_band_counts" ("count_id" bigserial primary key, "user_id" uuid not null, "site_id" uuid not null, "score_band" varchar(10) not null, "n" bigint not null, "compacted" boolean not null default false);`);
    this.addSql(`create index "lead_band_counts_key_index" on "lead_band_counts" ("user_id", "site_id", "score_band") include ("n");`);
    this.addSql(`create index "lead_band_counts_pending_index" on "lead_band_counts" ("user_id", "site_id", "score_band") where not "compacted";`);

    this.addSql(`create index "analytics_daily_site_type_day_index" on "analytics_daily" ("site_id", "event_type", "day") include ("listing_ref", "events");`);

    // Band counts follow every change of a lead's band, owner or site in the changing statement
    // (core/analytics/lead-band-count.entity.ts). Inserts and deletes: once per statement, grouped
    // (a bulk load or an account deletion appends a few rows, not one per lead). Updates: per row,
    // only when score_band, user_id or site_id is among the updated columns and changed.
    this.addSql(`create function lead_band_counts_add() returns trigger language plpgsql as $$
begin
  insert into lead_band_counts (user_id, site_id, score_band, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), score_band, count(*) from new_leads group by 1, 2, 3;
  return null;
end $$;`);
    this.addSql(`create function lead_band_counts_remove() returns trigger language plpgsql as $$
begin
  insert into lead_band_counts (user_id, site_id, score_band, n)
  select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), score_band, -count(*) from old_leads group by 1, 2, 3;
  return null;
end $$;`);
    this.addSql(`create function lead_band_counts_move() returns trigger language plpgsql as $$
begin
  insert into lead_band_counts (user_id, site_id, score_band, n) values
    (old.user_id, coalesce(old.site_id, '00000000-0000-0000-0000-000000000000'), old.score_band, -1),
    (new.user_id, coalesce(new.site_id, '00000000-0000-0000-0000-000000000000'), new.score_band, 1);
  return null;
end $$;`);
    this.addSql(`create trigger lead_band_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_band_counts_add();`);
    this.addSql(`create trigger lead_band_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_band_counts_remove();`);
    this.addSql(`create trigger lead_band_counts_update after update of score_band, user_id, site_id on leads for each row
      when (old.score_band is distinct from new.score_band or old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id)
      execute function lead_band_counts_move();`);
    // Also under session_replication_role = replica (bulk loads skip foreign-key triggers, not these).
    this.addSql(`alter table leads enable always trigger lead_band_counts_insert, enable always trigger lead_band_counts_delete, enable always trigger lead_band_counts_update;`);
    // The leads already there. create trigger holds a lock on leads that blocks their writers until
    // this migration's transaction commits: none is counted twice or missed.
    this.addSql(`insert into lead_band_counts (user_id, site_id, score_band, n, compacted)
      select user_id, coalesce(site_id, '00000000-0000-0000-0000-000000000000'), score_band, count(*), true from leads group by 1, 2, 3;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger lead_band_counts_insert on leads;`);
    this.addSql(`drop trigger lead_band_counts_delete on leads;`);
    this.addSql(`drop trigger lead_band_counts_update on leads;`);
    this.addSql(`drop function lead_band_counts_add(), lead_band_counts_remove(), lead_band_counts_move();`);
    this.addSql(`drop table if exists "lead_band_counts" cascade;`);

    this.addSql(`drop index "analytics_daily_site_type_day_index";`);
  }

}
