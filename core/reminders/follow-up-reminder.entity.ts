import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { REMINDER_AUTO_RULES, REMINDER_KINDS, REMINDER_STATUSES } from '../shared/enums.ts';

export { REMINDER_AUTO_RULES, REMINDER_KINDS, REMINDER_STATUSES, type ReminderAutoRule, type ReminderKind, type ReminderStatus } from '../shared/enums.ts';

/** A follow-up for a lead (seed table `follow_up_reminders`; seed columns kept). */
export const FollowUpReminderSchema = defineEntity({
  name: 'FollowUpReminder',
  tableName: 'follow_up_reminders',
  properties: {
    reminderId: uuidPrimaryKey(),
    lead: () => p.manyToOne(LeadSchema).deleteRule('cascade').index('follow_up_reminders_lead_id_index'),
    reminderDate: p.datetime(),
    reminderMessage: p.text(),
    createdAt: createdAtColumn(),
    user: ownerColumn(),
    kind: p.enum(REMINDER_KINDS).default('manual'),
    status: p.enum(REMINDER_STATUSES).default('pending'),
    firedAt: p.datetime().nullable(),
    /** When it was closed: completed (`done`) or dismissed. */
    completedAt: p.datetime().nullable(),
    /** The rule that created an automatic reminder; null for manual ones. */
    autoRule: p.enum(REMINDER_AUTO_RULES).nullable(),
  },
  indexes: [
    { name: 'follow_up_reminders_user_status_date_index', properties: ['user', 'status', 'reminderDate'] },
    // At most one open (pending or due) automatic reminder per lead and rule: a second hot
    // crossing or a second unanswered inquiry keeps the reminder already open.
    {
      name: 'follow_up_reminders_open_auto_unique',
      expression: `create unique index "follow_up_reminders_open_auto_unique" on "follow_up_reminders" ("lead_id", "auto_rule") where "auto_rule" is not null and "status" in ('pending', 'due')`,
    },
    { name: 'follow_up_reminders_pending_due_index', expression: `create index "follow_up_reminders_pending_due_index" on "follow_up_reminders" ("reminder_date") where "status" = 'pending'` },
  ],
});
export type FollowUpReminder = InferEntity<typeof FollowUpReminderSchema>;
