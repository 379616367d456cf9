import { Migration } from '@mikro-orm/migrations';

export class Migration20261129091609 extends Migration {

  override name = 'Migration20261129091609';

  override up(): void | Promise<void> {
    this.addSql(`create table "notifications" ("notification_id" uuid not null, "user_id" uuid not null, "kind" text not null, "lead_id" uuid null, "inquiry_id" uuid null, "reminder_id" uuid null, "endpoint_id" uuid null, "dedupe_key" varchar(200) not null, "data" jsonb null, "status" text not null default 'pending', "send_at" timestamptz not null, "attempt_count" int not null default 0, "next_attempt_at" timestamptz null, "leased_until" timestamptz null, "lease_token" uuid null, "last_error" varchar(500) null, "sent_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("notification_id"));`);
    this.addSql(`create index "notifications_user_id_index" on "notifications" ("user_id");`);
    this.addSql(`create index "notifications_lead_id_index" on "notifications" ("lead_id");`);
    this.addSql(`alter table "notifications" add constraint "notifications_dedupe_key_unique" unique ("dedupe_key");`);
    this.addSql(`create index "notifications_pending_index" on "notifications" ("next_attempt_at") where "status" = 'pending';`);
    this.addSql(`create index "notifications_user_kind_created_index" on "notifications" ("user_id", "kind", "created_at");`);

    this.addSql(`create table "notification_attempts" ("attempt_id" uuid not null, "notification_id" uuid not null, "attempted_at" timestamptz not null, "ok" boolean not null, "response_code" smallint null, "error" varchar(500) null, "duration_ms" int not null, "transport" varchar(10) not null, "message_id" varchar(255) null, primary key ("attempt_id"));`);
    this.addSql(`create index "notification_attempts_notification_id_index" on "notification_attempts" ("notification_id");`);

    this.addSql(`alter table "users" add "email_verified_at" timestamptz null;`);

    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_kind_check" check ("kind" in ('new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt'));`);
    this.addSql(`alter table "notifications" add constraint "notifications_status_check" check ("status" in ('pending', 'sent', 'failed', 'cancelled'));`);

    this.addSql(`alter table "notification_attempts" add constraint "notification_attempts_notification_id_foreign" foreign key ("notification_id") references "notifications" ("notification_id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "notification_attempts" drop constraint "notification_attempts_notification_id_foreign";`);

    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`drop table if exists "notification_attempts" cascade;`);

    this.addSql(`alter table "users" drop column "email_verified_at";`);
  }

}
