import { z } from 'zod';
import { ALERT_KINDS } from './alert-kinds.ts';
import { ZLocalTime, ZTimeZone } from './local-time.ts';

/** A realtor's alert settings as the API answers them. */
export const ZNotificationPreferences = z.object({
  alertNewInquiry: z.boolean().describe('Email on every new inquiry'),
  alertLeadHot: z.boolean().describe('Email when a lead turns hot'),
  alertReminderDue: z.boolean().describe('Email when a reminder falls due'),
  alertEndpointDisabled: z.boolean().describe('Email when a webhook endpoint is disabled'),
  alertDigest: z.boolean().describe('Morning digest of the day\u2019s reminders and new hot leads'),
  quietHoursEnabled: z.boolean().describe('Hold alerts during quiet hours; they are sent when quiet hours end'),
  quietStart: ZLocalTime.describe('Start of quiet hours, HH:MM in timeZone'),
  quietEnd: ZLocalTime.describe('End of quiet hours, HH:MM in timeZone (before quietStart: spans midnight)'),
  digestHour: z.number().int().min(0).max(23).describe('Local hour of the morning digest'),
  timeZone: z.string().describe('IANA time zone, e.g. America/New_York'),
  updatedAt: z.iso.datetime(),
});
export type NotificationPreferencesJson = z.infer<typeof ZNotificationPreferences>;

/** A change to the settings: any subset of the fields. */
export const ZNotificationPreferencesPatch = z
  .strictObject({
    alertNewInquiry: z.boolean(),
    alertLeadHot: z.boolean(),
    alertReminderDue: z.boolean(),
    alertEndpointDisabled: z.boolean(),
    alertDigest: z.boolean(),
    quietHoursEnabled: z.boolean(),
    quietStart: ZLocalTime,
    quietEnd: ZLocalTime,
    digestHour: z.number().int('Use a whole hour').min(0, 'Use an hour from 0 to 23').max(23, 'Use an hour from 0 to 23'),
    timeZone: ZTimeZone,
  })
  .partial()
  // Only when the fields parsed, so an unknown key is one clear issue rather than two.
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Change at least one setting', when: (payload) => payload.issues.length === 0 });
export type NotificationPreferencesPatch = z.infer<typeof ZNotificationPreferencesPatch>;

/** Which alert an unsubscribe link switches off. */
export const ZAlertKind = z.enum(ALERT_KINDS);
