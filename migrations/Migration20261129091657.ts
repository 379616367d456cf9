import { Migration } from '@mikro-orm/migrations';

export class Migration20261129091657 extends Migration {

  override name = 'Migration20261129091657';

  override up(): void | Promise<void> {
    this.addSql(`create table "reminder_settings" ("user_id" uuid not null, "hot_lead_enabled" boolean not null default true, "hot_lead_delay_minutes" smallint not null default 60, "inquiry_unanswered_enabled" boolean not null default true, "inquiry_unanswered_hours" smallint not null default 24, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("user_id"));`);

    this.addSql(`alter table "follow_up_reminders" add "auto_rule" text null;`);
    // Until now every automatic reminder came from a hot crossing. Of a lead's open ones, the
    // oldest stays open and the rest are dismissed, so the unique index below can be built.
    this.addSql(`update "follow_up_reminders" set "auto_rule" = 'lead_hot' where "kind" = 'auto';`);
    this.addSql(`update "follow_up_reminders" r set "status" = 'dismissed', "completed_at" = now()
      where r."auto_rule" is not null and r."status" in ('pending', 'due') and exists (
        select 1 from "follow_up_reminders" o where o."lead_id" = r."lead_id" and o."auto_rule" = r."auto_rule" and o."status" in ('pending', 'due')
          and (o."created_at", o."reminder_id") < (r."created_at", r."reminder_id"));`);
    this.addSql(`create unique index "follow_up_reminders_open_auto_unique" on "follow_up_reminders" ("lead_id", "auto_rule") where "auto_rule" is not null and "status" in ('pending', 'due');`);
    this.addSql(`alter table "follow_up_reminders" add constraint "follow_up_reminders_auto_rule_check" check ("auto_rule" in ('lead_hot', 'inquiry_unanswered'));`);

    this.addSql(`alter table "reminder_settings" add constraint "reminder_settings_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "reminder_settings" cascade;`);

    this.addSql(`drop index "follow_up_reminders_open_auto_unique";`);
    this.addSql(`alter table "follow_up_reminders" drop constraint "follow_up_reminders_auto_rule_check";`);
    this.addSql(`alter table "follow_up_reminders" drop column "auto_rule";`);
  }

}
