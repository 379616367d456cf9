import { z } from 'zod';
import { zLimit } from '../db/keyset-cursor.ts';
import { REMINDER_AUTO_RULES, REMINDER_KINDS, REMINDER_STATUSES } from '../shared/enums.ts';
import {
  HOT_LEAD_DELAY_MINUTES_MAX, HOT_LEAD_DELAY_MINUTES_MIN, INQUIRY_UNANSWERED_HOURS_MAX, INQUIRY_UNANSWERED_HOURS_MIN,
  REMINDER_MESSAGE_MAX_CHARS, REMINDER_SNOOZE_CHOICES, type ReminderSnoozeChoice,
} from '../shared/reminder-rules.ts';
import { plainText } from '../validation/plain-text.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';
import { zInstant } from '../validation/instant.ts';
import { withRenamedIdFilter } from '../validation/renamed-id-filter.ts';

/** The list filters of `GET /v1/reminders` (see `listReminders` for what each means). */
export const REMINDER_LIST_STATUSES = ['due', 'overdue', 'upcoming', 'done'] as const;
export type ReminderListStatus = (typeof REMINDER_LIST_STATUSES)[number];

export const REMINDERS_PAGE_DEFAULT = 50;
export const REMINDERS_PAGE_MAX = 100;

const ZReminderDate = zInstant();
const ZReminderMessage = plainText(REMINDER_MESSAGE_MAX_CHARS, { multiline: true })
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'Write what to do'));

/** `POST /v1/leads/:id/reminders`. A time already past is allowed: the reminder falls due at once. */
export const ZCreateReminderBody = z.strictObject({ reminderDate: ZReminderDate, reminderMessage: ZReminderMessage });
export type CreateReminderBody = z.output<typeof ZCreateReminderBody>;

/** `PATCH /v1/reminders/:id`: a new date reschedules (and reopens) it; a new message only relabels it. */
export const ZUpdateReminderBody = z
  .strictObject({ reminderDate: ZReminderDate.optional(), reminderMessage: ZReminderMessage.optional() })
  .refine((b) => b.reminderDate !== undefined || b.reminderMessage !== undefined, { message: 'Give a reminderDate or a reminderMessage' });
export type UpdateReminderBody = z.output<typeof ZUpdateReminderBody>;

/**
 * `POST /v1/reminders/:id/snooze`: `{for: '15m' | '1h' | 'tomorrow'}` or `{until: <ISO>}`. One
 * object rather than a union of two, so a wrong value is reported on its key (`for`: "Use one of
 * …") instead of a union's bare "Invalid input" with no path.
 */
export const ZSnoozeReminderBody = z
  .strictObject({
    for: z.enum(REMINDER_SNOOZE_CHOICES, { message: `Use one of ${REMINDER_SNOOZE_CHOICES.join(', ')}` }).optional(),
    until: ZReminderDate.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.for === undefined) === (b.until === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: `Give either for (${REMINDER_SNOOZE_CHOICES.join(', ')}) or until (an ISO 8601 time), not both` });
    }
  })
  .transform((b): { for: ReminderSnoozeChoice } | { until: string } => (b.until !== undefined ? { until: b.until } : { for: b.for as ReminderSnoozeChoice }));
export type SnoozeReminderBody = z.output<typeof ZSnoozeReminderBody>;

/** `POST /v1/reminders/:id/unsnooze`: `until`, the time the snooze being undone set (its answer's `reminderDate`). */
export const ZUnsnoozeReminderBody = z.strictObject({ until: ZReminderDate });
export type UnsnoozeReminderBody = z.output<typeof ZUnsnoozeReminderBody>;

/**
 * `GET /v1/reminders?status&lead&cursor&limit` (DESIGN.md's contract). `leadId`, the name the route
 * first shipped with, is kept as an alias so existing clients keep working; both naming different
 * leads is a 400. The output carries the lead as `leadId`.
 */
export const ZListRemindersQuery = withRenamedIdFilter(
  {
    status: z.preprocess(emptyToUndefined, z.enum(REMINDER_LIST_STATUSES).optional()),
    cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
    limit: zLimit(REMINDERS_PAGE_DEFAULT, REMINDERS_PAGE_MAX),
  },
  { name: 'lead', alias: 'leadId', noun: 'lead', description: 'Only this lead’s reminders (another account’s lead: 404)' },
);
export type ListRemindersQuery = z.output<typeof ZListRemindersQuery>;

export const ZReminderJson = z.object({
  reminderId: z.uuid(),
  leadId: z.uuid(),
  /** The lead's name (null when the lead has none: show its email or phone). */
  leadName: z.string().nullable(),
  leadEmail: z.string().nullable(),
  leadPhone: z.string().nullable(),
  reminderDate: z.string(),
  reminderMessage: z.string(),
  kind: z.enum(REMINDER_KINDS),
  autoRule: z.enum(REMINDER_AUTO_RULES).nullable(),
  status: z.enum(REMINDER_STATUSES),
  /** Due for more than REMINDER_OVERDUE_AFTER_MS (1 h) at the time of the request. */
  overdue: z.boolean(),
  firedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type ReminderJson = z.output<typeof ZReminderJson>;

/** `GET /v1/reminders/summary`: what the navigation badge shows. */
export const ZReminderSummaryJson = z.object({ due: z.number().int(), overdue: z.number().int() });
export type ReminderSummaryJson = z.output<typeof ZReminderSummaryJson>;

/** `GET/PUT /v1/reminder-settings`: the automatic-reminder rules. */
export const ZReminderSettingsBody = z.strictObject({
  hotLeadEnabled: z.boolean(),
  hotLeadDelayMinutes: z.number().int('Use whole minutes').min(HOT_LEAD_DELAY_MINUTES_MIN, `At least ${HOT_LEAD_DELAY_MINUTES_MIN} minutes`)
    .max(HOT_LEAD_DELAY_MINUTES_MAX, `At most ${HOT_LEAD_DELAY_MINUTES_MAX} minutes (a day)`),
  inquiryUnansweredEnabled: z.boolean(),
  inquiryUnansweredHours: z.number().int('Use whole hours').min(INQUIRY_UNANSWERED_HOURS_MIN, `At least ${INQUIRY_UNANSWERED_HOURS_MIN} hour`)
    .max(INQUIRY_UNANSWERED_HOURS_MAX, `At most ${INQUIRY_UNANSWERED_HOURS_MAX} hours (a week)`),
});
export type ReminderSettingsBody = z.output<typeof ZReminderSettingsBody>;
export const ZReminderSettingsJson = ZReminderSettingsBody;
export type ReminderSettingsJson = ReminderSettingsBody;
