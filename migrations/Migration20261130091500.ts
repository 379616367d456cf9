import { Migration } from '@mikro-orm/migrations';

export class Migration20261130091500 extends Migration {

  override name = 'Migration20261130091500';

  override up(): void | Promise<void> {
    // An email that no mail server accepted (SMTP_URL unset: logged in development, dropped in
    // production) was recorded `sent`. It now ends `not_sent` with the reason in last_error.
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_status_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_status_check" check ("status" in ('pending', 'sent', 'failed', 'cancelled', 'not_sent'));`);
    // Correct the history: an attempt through the log transport never reached anyone.
    this.addSql(`update "notifications" n set "status" = 'not_sent', "last_error" = 'smtp_not_configured', "sent_at" = null, "data" = case when n."kind" in ('verify_email', 'password_reset') then null else n."data" end where n."status" = 'sent' and exists (select 1 from "notification_attempts" a where a."notification_id" = n."notification_id" and a."ok" and a."transport" = 'log');`);
    this.addSql(`update "notification_attempts" set "ok" = false, "error" = 'smtp_not_configured: SMTP_URL is not set' where "ok" and "transport" = 'log';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`update "notification_attempts" set "ok" = true, "error" = null where "transport" = 'log' and "error" like 'smtp_not_configured%';`);
    this.addSql(`update "notifications" set "status" = 'sent', "last_error" = null, "sent_at" = "updated_at" where "status" = 'not_sent';`);
    this.addSql(`alter table "notifications" drop constraint if exists "notifications_status_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_status_check" check ("status" in ('pending', 'sent', 'failed', 'cancelled'));`);
  }

}
