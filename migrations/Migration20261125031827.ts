import { Migration } from '@mikro-orm/migrations';

export class Migration20261125031827 extends Migration {

  override name = 'Migration20261125031827';

  override up(): void | Promise<void> {
    this.addSql(`create table "users" ("user_id" uuid not null, "username" varchar(255) not null, "email" varchar(255) not null, "password_hash" varchar(255) not null, "created_at" timestamptz not null default now(), primary key ("user_id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "sites" ("site_id" uuid not null, "user_id" uuid not null, "name" varchar(100) not null, "public_key" varchar(40) not null, "allowed_origins" text[] not null default '{}', "settings" jsonb not null default '{"respectDnt":true}', "enabled" boolean not null default true, "last_event_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("site_id"));`);
    this.addSql(`create index "sites_user_id_index" on "sites" ("user_id");`);
    this.addSql(`alter table "sites" add constraint "sites_public_key_unique" unique ("public_key");`);

    this.addSql(`create table "sessions" ("session_id" uuid not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "csrf_token" varchar(64) not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "last_seen_at" timestamptz not null default now(), "ip" varchar(64) null, "user_agent" varchar(512) null, primary key ("session_id"));`);
    this.addSql(`alter table "sessions" add constraint "sessions_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(`create table "scoring_rules" ("scoring_rules_id" uuid not null, "user_id" uuid not null, "version" int not null, "rules" jsonb not null, "created_at" timestamptz not null default now(), "rescore_total" int not null default 0, "rescore_done" int not null default 0, "rescore_finished_at" timestamptz null, primary key ("scoring_rules_id"));`);
    this.addSql(`alter table "scoring_rules" add constraint "scoring_rules_user_version_unique" unique ("user_id", "version");`);

    this.addSql(`create table "leads" ("lead_id" uuid not null, "user_id" uuid not null, "name" varchar(255) null, "contact_info" varchar(255) null, "score" int not null default 0, "created_at" timestamptz not null default now(), "site_id" uuid null, "email" varchar(254) null, "phone" varchar(20) null, "status" text not null default 'new', "score_breakdown" jsonb null, "score_band" text not null default 'cold', "last_activity_at" timestamptz null, "updated_at" timestamptz not null default now(), "needs_rescore" boolean not null default false, "scored_at" timestamptz null, primary key ("lead_id"));`);
    this.addSql(`create index "leads_site_id_index" on "leads" ("site_id");`);
    this.addSql(`create index "leads_user_score_index" on "leads" ("user_id", "score" desc, "lead_id" desc);`);
    this.addSql(`create index "leads_user_activity_index" on "leads" ("user_id", "last_activity_at" desc nulls last, "lead_id" desc);`);
    this.addSql(`create index "leads_user_created_index" on "leads" ("user_id", "created_at" desc, "lead_id" desc);`);
    this.addSql(`create index "leads_needs_rescore_index" on "leads" ("updated_at") where "needs_rescore";`);
    this.addSql(`create unique index "leads_user_email_unique" on "leads" ("user_id", "email") where "email" is not null;`);
    this.addSql(`create unique index "leads_user_phone_unique" on "leads" ("user_id", "phone") where "phone" is not null;`);
    this.addSql(`alter table "leads" add constraint "leads_status_check" check ("status" in ('new', 'contacted', 'qualified', 'client', 'lost'));`);
    this.addSql(`alter table "leads" add constraint "leads_score_band_check" check ("score_band" in ('hot', 'warm', 'cold'));`);

    this.addSql(`create table "lead_analytics" ("analytic_id" uuid not null, "lead_id" uuid null, "event_type" varchar(50) not null, "event_value" text null, "event_date" timestamptz not null default now(), "site_id" uuid not null, "visitor_id" varchar(64) null, "client_event_id" uuid null, "listing_ref" varchar(200) null, "page_url" varchar(2048) null, "props" jsonb null, "received_at" timestamptz not null default now(), primary key ("analytic_id"));`);
    this.addSql(`create index "lead_analytics_site_visitor_index" on "lead_analytics" ("site_id", "visitor_id");`);
    this.addSql(`create index "lead_analytics_lead_date_index" on "lead_analytics" ("lead_id", "event_date" desc);`);
    this.addSql(`create index "lead_analytics_site_date_index" on "lead_analytics" ("site_id", "event_date");`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_client_event_unique" unique ("site_id", "client_event_id");`);

    this.addSql(`create table "inquiries" ("inquiry_id" uuid not null, "lead_id" uuid not null, "message" text not null, "created_at" timestamptz not null default now(), "site_id" uuid null, "source" text not null default 'manual', "listing_ref" varchar(200) null, "page_url" varchar(2048) null, "client_event_id" uuid null, primary key ("inquiry_id"));`);
    this.addSql(`create index "inquiries_lead_created_index" on "inquiries" ("lead_id", "created_at" desc);`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_site_client_event_unique" unique ("site_id", "client_event_id");`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_source_check" check ("source" in ('widget', 'manual', 'api'));`);

    this.addSql(`create table "follow_up_reminders" ("reminder_id" uuid not null, "lead_id" uuid not null, "reminder_date" timestamptz not null, "reminder_message" text not null, "created_at" timestamptz not null default now(), "user_id" uuid not null, "kind" text not null default 'manual', "status" text not null default 'pending', "fired_at" timestamptz null, "completed_at" timestamptz null, primary key ("reminder_id"));`);
    this.addSql(`create index "follow_up_reminders_lead_id_index" on "follow_up_reminders" ("lead_id");`);
    this.addSql(`create index "follow_up_reminders_user_status_date_index" on "follow_up_reminders" ("user_id", "status", "reminder_date");`);
    this.addSql(`create index "follow_up_reminders_pending_due_index" on "follow_up_reminders" ("reminder_date") where "status" = 'pending';`);
    this.addSql(`alter table "follow_up_reminders" add constraint "follow_up_reminders_kind_check" check ("kind" in ('manual', 'auto'));`);
    this.addSql(`alter table "follow_up_reminders" add constraint "follow_up_reminders_status_check" check ("status" in ('pending', 'due', 'done', 'dismissed'));`);

    this.addSql(`create table "api_keys" ("api_key_id" uuid not null, "user_id" uuid not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, primary key ("api_key_id"));`);
    this.addSql(`create index "api_keys_user_id_index" on "api_keys" ("user_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);

    this.addSql(`create table "visitors" ("site_id" uuid not null, "visitor_id" varchar(64) not null, "lead_id" uuid null, "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "stitched_at" timestamptz null, primary key ("site_id", "visitor_id"));`);
    this.addSql(`create index "visitors_lead_id_index" on "visitors" ("lead_id");`);

    this.addSql(`create table "webhook_endpoints" ("endpoint_id" uuid not null, "user_id" uuid not null, "url" varchar(2048) not null, "description" varchar(500) null, "secret" varchar(100) not null, "previous_secret" varchar(100) null, "previous_secret_expires_at" timestamptz null, "event_types" text[] null, "enabled" boolean not null default true, "disabled_reason" varchar(500) null, "failing_since" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("endpoint_id"));`);
    this.addSql(`create index "webhook_endpoints_user_id_index" on "webhook_endpoints" ("user_id");`);

    this.addSql(`create table "webhook_messages" ("message_id" varchar(40) not null, "user_id" uuid not null, "event_type" varchar(50) not null, "payload" jsonb not null, "created_at" timestamptz not null default now(), primary key ("message_id"));`);
    this.addSql(`create index "webhook_messages_user_created_index" on "webhook_messages" ("user_id", "created_at");`);

    this.addSql(`create table "webhook_deliveries" ("delivery_id" uuid not null, "message_id" varchar(40) not null, "endpoint_id" uuid not null, "status" text not null default 'pending', "attempt_count" int not null default 0, "next_attempt_at" timestamptz null, "last_attempt_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("delivery_id"));`);
    this.addSql(`create index "webhook_deliveries_endpoint_created_index" on "webhook_deliveries" ("endpoint_id", "created_at");`);
    this.addSql(`create index "webhook_deliveries_pending_index" on "webhook_deliveries" ("next_attempt_at") where "status" = 'pending';`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_message_endpoint_unique" unique ("message_id", "endpoint_id");`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_status_check" check ("status" in ('pending', 'succeeded', 'failed'));`);

    this.addSql(`create table "webhook_attempts" ("attempt_id" uuid not null, "delivery_id" uuid not null, "attempted_at" timestamptz not null default now(), "status_code" int null, "duration_ms" int not null, "response_excerpt" text null, "error" varchar(500) null, primary key ("attempt_id"));`);
    this.addSql(`create index "webhook_attempts_delivery_id_index" on "webhook_attempts" ("delivery_id");`);

    this.addSql(`alter table "sites" add constraint "sites_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "scoring_rules" add constraint "scoring_rules_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "leads" add constraint "leads_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "leads" add constraint "leads_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete set null;`);

    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "lead_analytics" add constraint "lead_analytics_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);

    this.addSql(`alter table "inquiries" add constraint "inquiries_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete set null;`);

    this.addSql(`alter table "follow_up_reminders" add constraint "follow_up_reminders_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "follow_up_reminders" add constraint "follow_up_reminders_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "visitors" add constraint "visitors_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
    this.addSql(`alter table "visitors" add constraint "visitors_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete set null;`);

    this.addSql(`alter table "webhook_endpoints" add constraint "webhook_endpoints_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "webhook_messages" add constraint "webhook_messages_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);

    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_message_id_foreign" foreign key ("message_id") references "webhook_messages" ("message_id") on delete cascade;`);
    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("endpoint_id") on delete cascade;`);

    this.addSql(`alter table "webhook_attempts" add constraint "webhook_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("delivery_id") on delete cascade;`);
  }

}
