// Activity logging rules shared by the API (zod schemas) and the admin (forms, one-click buttons,
// timeline wording): limits, the outcome keys with their labels, and the quick-log presets.
import type { ActivityType, LoggedActivityType } from './enums.ts';
import { DAY_MS, MINUTE_MS } from './time.ts';

/** An outcome key (`lead_activities.outcome`, varchar(40)): lower-case letters, digits, `_`. */
export const ACTIVITY_OUTCOME_MAX_CHARS = 40;
export const ACTIVITY_OUTCOME_PATTERN = /^[a-z0-9_]+$/;
/** The text of a note, or what was said on a call. */
export const ACTIVITY_BODY_MAX_CHARS = 5000;
/** How far ahead a meeting or showing may be scheduled (a year). */
export const ACTIVITY_MAX_AHEAD_MS = 366 * DAY_MS;
/** How far back an activity may be logged (ten years: an import of old notes). */
export const ACTIVITY_MAX_BEHIND_MS = 10 * 366 * DAY_MS;
/** Clock skew tolerated for "now" when a call, text, email or note is logged (they cannot be in the future). */
export const ACTIVITY_CLOCK_SKEW_MS = 5 * MINUTE_MS;
/** The logged types that may lie in the future (scheduled). */
export const SCHEDULABLE_ACTIVITY_TYPES: readonly LoggedActivityType[] = ['meeting', 'showing'];

/** Every row type as a noun ("Call", "Stage change"…). */
export const ACTIVITY_TYPE_LABELS: Record<ActivityType, string> = {
  call: 'Call',
  text: 'Text',
  email: 'Email',
  note: 'Note',
  meeting: 'Meeting',
  showing: 'Showing',
  stage_change: 'Stage change',
  status_change: 'Status change',
  reminder_created: 'Reminder set',
  reminder_completed: 'Reminder done',
  reminder_snoozed: 'Reminder snoozed',
  reminder_dismissed: 'Reminder dismissed',
  reminder_reopened: 'Reminder reopened',
  reminder_rescheduled: 'Reminder moved',
};

/** The outcomes the admin offers per logged type (the API accepts any key matching the pattern). */
export const ACTIVITY_OUTCOMES: Record<LoggedActivityType, ReadonlyArray<{ value: string; label: string }>> = {
  call: [
    { value: 'talked', label: 'Talked' },
    { value: 'left_voicemail', label: 'Left voicemail' },
    { value: 'no_answer', label: 'No answer' },
    { value: 'wrong_number', label: 'Wrong number' },
  ],
  text: [
    { value: 'sent', label: 'Sent' },
    { value: 'replied', label: 'They replied' },
  ],
  email: [
    { value: 'sent', label: 'Sent' },
    { value: 'replied', label: 'They replied' },
  ],
  note: [],
  meeting: [
    { value: 'scheduled', label: 'Scheduled' },
    { value: 'completed', label: 'Held' },
    { value: 'no_show', label: 'No-show' },
    { value: 'cancelled', label: 'Cancelled' },
  ],
  showing: [
    { value: 'scheduled', label: 'Scheduled' },
    { value: 'completed', label: 'Held' },
    { value: 'no_show', label: 'No-show' },
    { value: 'cancelled', label: 'Cancelled' },
  ],
};

/** "left_voicemail" → "Left voicemail" (known keys by their label, others humanised). */
export function activityOutcomeLabel(outcome: string): string {
  for (const list of Object.values(ACTIVITY_OUTCOMES)) {
    const known = list.find((o) => o.value === outcome);
    if (known) return known.label;
  }
  const words = outcome.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The one-click buttons of the lead page and the list: what each logs. */
export const QUICK_LOGS: ReadonlyArray<{ key: string; label: string; type: LoggedActivityType; outcome: string | null }> = [
  { key: 'no_answer', label: 'Called — no answer', type: 'call', outcome: 'no_answer' },
  { key: 'left_voicemail', label: 'Left voicemail', type: 'call', outcome: 'left_voicemail' },
  { key: 'talked', label: 'Talked', type: 'call', outcome: 'talked' },
  { key: 'texted', label: 'Texted', type: 'text', outcome: 'sent' },
];
