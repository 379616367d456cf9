import { Migration } from '@mikro-orm/migrations';

export class Migration20261129110221 extends Migration {

  override name = 'Migration20261129110221';

  override up(): void | Promise<void> {
    this.addSql(`create table "pipeline_stages" ("stage_id" uuid not null, "user_id" uuid not null, "key" varchar(60) not null, "label" varchar(60) not null, "position" int not null, "outcome" text not null default 'open', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("stage_id"));`);
    this.addSql(`create index "pipeline_stages_user_position_index" on "pipeline_stages" ("user_id", "position");`);
    this.addSql(`alter table "pipeline_stages" add constraint "pipeline_stages_user_key_unique" unique ("user_id", "key");`);

    this.addSql(`create table "listings" ("listing_id" uuid not null, "user_id" uuid not null, "site_id" uuid not null, "listing_ref" varchar(200) not null, "title" varchar(200) null, "url" varchar(2048) null, "image_url" varchar(2048) null, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("listing_id"));`);
    this.addSql(`create index "listings_user_index" on "listings" ("user_id");`);
    this.addSql(`alter table "listings" add constraint "listings_site_ref_unique" unique ("site_id", "listing_ref");`);

    this.addSql(`create table "lead_activities" ("activity_id" uuid not null, "user_id" uuid not null, "lead_id" uuid not null, "actor_user_id" uuid null, "type" text not null, "outcome" varchar(40) null, "body" text null, "meta" jsonb null, "occurred_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("activity_id"));`);
    this.addSql(`create index "lead_activities_lead_occurred_index" on "lead_activities" ("lead_id", "occurred_at" desc);`);
    this.addSql(`create index "lead_activities_user_type_occurred_index" on "lead_activities" ("user_id", "type", "occurred_at");`);

    this.addSql(`alter table "leads" add "stage_id" uuid null, add "stage_changed_at" timestamptz null, add "first_contacted_at" timestamptz null, add "last_contacted_at" timestamptz null;`);
    this.addSql(`alter table "leads" add constraint "leads_stage_id_foreign" foreign key ("stage_id") references "pipeline_stages" ("stage_id") on delete set null;`);
    this.addSql(`create index "leads_stage_id_index" on "leads" ("stage_id");`);
    this.addSql(`create index "leads_user_uncontacted_index" on "leads" ("user_id", "created_at") where "first_contacted_at" is null;`);

    this.addSql(`alter table "pipeline_stages" add constraint "pipeline_stages_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "pipeline_stages" add constraint "pipeline_stages_outcome_check" check ("outcome" in ('open', 'won', 'lost'));`);

    this.addSql(`alter table "listings" add constraint "listings_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "listings" add constraint "listings_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);

    this.addSql(`alter table "lead_activities" add constraint "lead_activities_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_actor_user_id_foreign" foreign key ("actor_user_id") references "users" ("user_id") on delete set null;`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_type_check" check ("type" in ('call', 'text', 'email', 'note', 'meeting', 'showing', 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "leads" drop constraint "leads_stage_id_foreign";`);

    this.addSql(`drop table if exists "pipeline_stages" cascade;`);
    this.addSql(`drop table if exists "listings" cascade;`);
    this.addSql(`drop table if exists "lead_activities" cascade;`);

    this.addSql(`drop index "leads_stage_id_index";`);
    this.addSql(`drop index "leads_user_uncontacted_index";`);
    this.addSql(`alter table "leads" drop column "stage_id", drop column "stage_changed_at", drop column "first_contacted_at", drop column "last_contacted_at";`);
  }

}
