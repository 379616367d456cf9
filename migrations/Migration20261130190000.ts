import { Migration } from '@mikro-orm/migrations';

/**
 * Account deletion (DELETE /v1/account, docs/accounts.md): `users.deleted_at` marks an account
 * deleted — signed out, its address free, its sites and endpoints off — whose rows the worker is
 * still erasing (`accounts.purge`). The row is the purge's durable request: the sweeper finds it
 * through the partial index. The `account_deleted` email tells the old address.
 */
export class Migration20261130190000 extends Migration {

  override name = 'Migration20261130190000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" add column "deleted_at" timestamptz null;`);
    this.addSql(`create index "users_deleted_at_index" on "users" ("deleted_at") where "deleted_at" is not null;`);
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_kind_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_kind_check" check ("kind" in ('new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt', 'email_change', 'email_changed', 'password_changed', 'account_deleted'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "notifications" where "kind" = 'account_deleted';`);
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_kind_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_kind_check" check ("kind" in ('new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt', 'email_change', 'email_changed', 'password_changed'));`);
    this.addSql(`drop index if exists "users_deleted_at_index";`);
    this.addSql(`alter table "users" drop column "deleted_at";`);
  }

}
