import { Migration } from '@mikro-orm/migrations';

export class Migration20261130093500 extends Migration {

  override name = 'Migration20261130093500';

  override up(): void | Promise<void> {
    // `reminder_rescheduled`: a reminder given a new date (PATCH /v1/reminders/:id, also the admin's
    // Undo of a snooze) is on the lead's timeline, which otherwise still said the snooze's time.
    this.addSql(`alter table "lead_activities" drop constraint if exists "lead_activities_type_check";`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_type_check" check ("type" in ('call', 'text', 'email', 'note', 'meeting', 'showing', 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed', 'reminder_reopened', 'reminder_rescheduled'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "lead_activities" where "type" = 'reminder_rescheduled';`);
    this.addSql(`alter table "lead_activities" drop constraint if exists "lead_activities_type_check";`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_type_check" check ("type" in ('call', 'text', 'email', 'note', 'meeting', 'showing', 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed', 'reminder_reopened'));`);
  }

}
