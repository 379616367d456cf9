import { Migration } from '@mikro-orm/migrations';

export class Migration20261130090000 extends Migration {

  override name = 'Migration20261130090000';

  override up(): void | Promise<void> {
    // `reminder_reopened`: an undone dismissal or completion (POST /v1/reminders/:id/reopen) is on
    // the lead's timeline like the close it undoes.
    this.addSql(`alter table "lead_activities" drop constraint if exists "lead_activities_type_check";`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_type_check" check ("type" in ('call', 'text', 'email', 'note', 'meeting', 'showing', 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed', 'reminder_reopened'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "lead_activities" where "type" = 'reminder_reopened';`);
    this.addSql(`alter table "lead_activities" drop constraint if exists "lead_activities_type_check";`);
    this.addSql(`alter table "lead_activities" add constraint "lead_activities_type_check" check ("type" in ('call', 'text', 'email', 'note', 'meeting', 'showing', 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed'));`);
  }

}
