// Reminder rules the server and the admin share: limits, the overdue threshold, snooze choices
// and the bounds of the automatic-reminder settings.
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.ts';

/** A reminder's message (the webhook catalogue's `reminder.due` allows this much). */
export const REMINDER_MESSAGE_MAX_CHARS = 2000;

/**
 * A due reminder counts as overdue once its time is this far behind: an hour left unanswered is
 * when a hot lead goes cold, and the admin highlights it.
 */
export const REMINDER_OVERDUE_AFTER_MS = HOUR_MS;

/** How far ahead a reminder may be set (a typo in the year must not park it forever). */
export const REMINDER_MAX_AHEAD_MS = 5 * 366 * DAY_MS;

/** Snooze choices: fixed durations, or `tomorrow` (9:00 next morning in the realtor's zone). */
export const REMINDER_SNOOZE_CHOICES = ['15m', '1h', 'tomorrow'] as const;
export type ReminderSnoozeChoice = (typeof REMINDER_SNOOZE_CHOICES)[number];
export const REMINDER_SNOOZE_MS = { '15m': 15 * MINUTE_MS, '1h': HOUR_MS } as const;
/** `tomorrow` means this local hour. */
export const REMINDER_TOMORROW_HOUR = 9;

/** Bounds of the automatic-reminder settings. */
export const HOT_LEAD_DELAY_MINUTES_MIN = 5;
export const HOT_LEAD_DELAY_MINUTES_MAX = 24 * 60;
export const INQUIRY_UNANSWERED_HOURS_MIN = 1;
export const INQUIRY_UNANSWERED_HOURS_MAX = 7 * 24;

/** "1 hour", "90 minutes", "2 hours": the wording of a delay in minutes. */
export function formatDelayMinutes(minutes: number): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
