import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';
import { createdAtColumn } from '../db/columns.ts';
import { UserSchema } from '../accounts/user.entity.ts';

/**
 * Defaults of the automatic reminders (a realtor without a settings row gets these): both rules on,
 * "call within 60 minutes" for a lead turning hot, and a nudge 24 hours after an inquiry nobody
 * answered.
 */
export const DEFAULT_REMINDER_SETTINGS = {
  hotLeadEnabled: true,
  hotLeadDelayMinutes: 60,
  inquiryUnansweredEnabled: true,
  inquiryUnansweredHours: 24,
} as const;

const D = DEFAULT_REMINDER_SETTINGS;

/** A realtor's automatic-reminder rules, one row per user, written on the first change. */
export const ReminderSettingsSchema = defineEntity({
  name: 'ReminderSettings',
  tableName: 'reminder_settings',
  properties: {
    user: () => p.oneToOne(UserSchema).primary().owner().deleteRule('cascade'),
    hotLeadEnabled: p.boolean().default(D.hotLeadEnabled),
    /** Minutes after the hot crossing that the "call" reminder falls due. */
    hotLeadDelayMinutes: p.smallint().default(D.hotLeadDelayMinutes),
    inquiryUnansweredEnabled: p.boolean().default(D.inquiryUnansweredEnabled),
    /** Hours after a new inquiry that the "unanswered" reminder falls due. */
    inquiryUnansweredHours: p.smallint().default(D.inquiryUnansweredHours),
    createdAt: createdAtColumn(),
    updatedAt: createdAtColumn(),
  },
});
export type ReminderSettings = InferEntity<typeof ReminderSettingsSchema>;
