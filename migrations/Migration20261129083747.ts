import { Migration } from '@mikro-orm/migrations';

export class Migration20261129083747 extends Migration {

  override name = 'Migration20261129083747';

  override up(): void | Promise<void> {
    this.addSql(`create table "notification_preferences" ("user_id" uuid not null, "alert_new_inquiry" boolean not null default true, "alert_lead_hot" boolean not null default true, "alert_reminder_due" boolean not null default true, "alert_endpoint_disabled" boolean not null default true, "alert_digest" boolean not null default false, "quiet_hours_enabled" boolean not null default false, "quiet_start" varchar(5) not null default '21:00', "quiet_end" varchar(5) not null default '07:00', "digest_hour" smallint not null default 7, "time_zone" varchar(64) not null default 'America/New_York', "unsubscribe_token" varchar(64) not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("user_id"));`);
    this.addSql(`alter table "notification_preferences" add constraint "notification_preferences_unsubscribe_token_unique" unique ("unsubscribe_token");`);

    this.addSql(`create table "account_tokens" ("token_id" uuid not null, "user_id" uuid not null, "purpose" text not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "consumed_at" timestamptz null, primary key ("token_id"));`);
    this.addSql(`alter table "account_tokens" add constraint "account_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "account_tokens_user_purpose_index" on "account_tokens" ("user_id", "purpose");`);

    this.addSql(`alter table "notification_preferences" add constraint "notification_preferences_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on update cascade on delete cascade;`);

    this.addSql(`alter table "account_tokens" add constraint "account_tokens_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "account_tokens" add constraint "account_tokens_purpose_check" check ("purpose" in ('email_verification', 'password_reset'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notification_preferences" cascade;`);
    this.addSql(`drop table if exists "account_tokens" cascade;`);
  }

}
