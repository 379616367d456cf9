import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn } from '../db/columns.ts';
import { createToken } from '../accounts/tokens.ts';
import { UserSchema } from '../accounts/user.entity.ts';

/** Defaults for a US realtor: every alert on, the digest off until chosen, no quiet hours until switched on. */
export const DEFAULT_NOTIFICATION_PREFERENCES = {
  alertNewInquiry: true,
  alertLeadHot: true,
  alertReminderDue: true,
  alertEndpointDisabled: true,
  alertDigest: false,
  quietHoursEnabled: false,
  quietStart: '21:00',
  quietEnd: '07:00',
  digestHour: 7,
  timeZone: 'America/New_York',
} as const;

const D = DEFAULT_NOTIFICATION_PREFERENCES;

/**
 * A realtor's email alert settings, one row per user, created with the defaults on first use.
 * The unsubscribe token is stored as is, not hashed: every alert must embed it, and it can do
 * nothing but switch alerts off.
 */
export const NotificationPreferencesSchema = defineEntity({
  name: 'NotificationPreferences',
  tableName: 'notification_preferences',
  properties: {
    user: () => p.oneToOne(UserSchema).primary().owner().deleteRule('cascade'),
    alertNewInquiry: p.boolean().default(D.alertNewInquiry),
    alertLeadHot: p.boolean().default(D.alertLeadHot),
    alertReminderDue: p.boolean().default(D.alertReminderDue),
    alertEndpointDisabled: p.boolean().default(D.alertEndpointDisabled),
    alertDigest: p.boolean().default(D.alertDigest),
    quietHoursEnabled: p.boolean().default(D.quietHoursEnabled),
    /** `HH:MM`, the realtor's wall clock; quiet hours span midnight when start > end. */
    quietStart: p.string().length(5).default(D.quietStart),
    quietEnd: p.string().length(5).default(D.quietEnd),
    /** Local hour (0–23) of the morning digest. */
    digestHour: p.smallint().default(D.digestHour),
    /** IANA name (validated by ZTimeZone). */
    timeZone: p.string().length(64).default(D.timeZone),
    unsubscribeToken: p.string().length(64).unique('notification_preferences_unsubscribe_token_unique').onCreate(() => createToken('', 32)),
    createdAt: createdAtColumn(),
    /** Set by each change from the caller's clock (core functions inject `now`). */
    updatedAt: createdAtColumn(),
  },
});
export type NotificationPreferences = InferEntity<typeof NotificationPreferencesSchema>;
