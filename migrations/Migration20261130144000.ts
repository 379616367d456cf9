import { Migration } from '@mikro-orm/migrations';

export class Migration20261130144000 extends Migration {

  override name = 'Migration20261130144000';

  override up(): void | Promise<void> {
    // A link is tied to the address it was emailed to: existing tokens were issued for the
    // account's current address (nothing could change it before this migration).
    this.addSql(`alter table "account_tokens" add column "email" varchar(255) null;`);
    this.addSql(`update "account_tokens" t set "email" = u."email" from "users" u where u."user_id" = t."user_id";`);
    this.addSql(`alter table "account_tokens" alter column "email" set not null;`);
    // `email_change`: the link that confirms a new sign-in address (POST /v1/account/email).
    this.addSql(`alter table "account_tokens" drop constraint if exists "account_tokens_purpose_check";`);
    this.addSql(`alter table "account_tokens" add constraint "account_tokens_purpose_check" check ("purpose" in ('email_verification', 'password_reset', 'email_change'));`);
    // The account settings' emails: the link to the new address, the notice to the old one, the
    // password-changed notice.
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_kind_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_kind_check" check ("kind" in ('new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt', 'email_change', 'email_changed', 'password_changed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "notifications" where "kind" in ('email_change', 'email_changed', 'password_changed');`);
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_kind_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_kind_check" check ("kind" in ('new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt'));`);
    this.addSql(`delete from "account_tokens" where "purpose" = 'email_change';`);
    this.addSql(`alter table "account_tokens" drop constraint if exists "account_tokens_purpose_check";`);
    this.addSql(`alter table "account_tokens" add constraint "account_tokens_purpose_check" check ("purpose" in ('email_verification', 'password_reset'));`);
    this.addSql(`alter table "account_tokens" drop column "email";`);
  }

}
