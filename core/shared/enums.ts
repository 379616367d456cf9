// The values of every enum column. Entities pass these to `p.enum(…)`, zod schemas to
// `z.enum(…)`, and the admin builds its selects and filters from them: one list per enum.

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'client', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const SCORE_BANDS = ['hot', 'warm', 'cold'] as const;
export type ScoreBand = (typeof SCORE_BANDS)[number];

export const INQUIRY_SOURCES = ['widget', 'manual', 'api'] as const;
export type InquirySource = (typeof INQUIRY_SOURCES)[number];

export const REMINDER_KINDS = ['manual', 'auto'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/** Which automatic rule created a reminder (`kind` auto); null for manual reminders. */
export const REMINDER_AUTO_RULES = ['lead_hot', 'inquiry_unanswered'] as const;
export type ReminderAutoRule = (typeof REMINDER_AUTO_RULES)[number];

export const REMINDER_STATUSES = ['pending', 'due', 'done', 'dismissed'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];
/** The statuses of a reminder that still waits for the realtor (the others are closed). */
export const OPEN_REMINDER_STATUSES: readonly ReminderStatus[] = ['pending', 'due'];
/** The statuses of a reminder the realtor has finished with. */
export const CLOSED_REMINDER_STATUSES: readonly ReminderStatus[] = ['done', 'dismissed'];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What a realtor logs by hand (`POST /v1/leads/:id/activities`). */
export const LOGGED_ACTIVITY_TYPES = ['call', 'text', 'email', 'note', 'meeting', 'showing'] as const;
export type LoggedActivityType = (typeof LOGGED_ACTIVITY_TYPES)[number];
/** Every row of `lead_activities`: the logged kinds plus what the system records on the realtor's behalf. */
export const ACTIVITY_TYPES = [...LOGGED_ACTIVITY_TYPES, 'stage_change', 'status_change', 'reminder_created', 'reminder_completed', 'reminder_snoozed', 'reminder_dismissed', 'reminder_reopened', 'reminder_rescheduled'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
/** The logged types that count as contacting the lead (`first_contacted_at`, `last_contacted_at`). */
export const CONTACT_ACTIVITY_TYPES = ['call', 'text', 'email', 'meeting', 'showing'] as const satisfies readonly LoggedActivityType[];
export type ContactActivityType = (typeof CONTACT_ACTIVITY_TYPES)[number];

/** What a pipeline stage means for reporting: still in play, won (closed) or lost. */
export const STAGE_OUTCOMES = ['open', 'won', 'lost'] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];

/** Which contact detail an unauthenticated submission reported for an existing lead (`lead_reported_contacts.kind`). */
export const REPORTED_CONTACT_KINDS = ['email', 'phone', 'name'] as const;
export type ReportedContactKind = (typeof REPORTED_CONTACT_KINDS)[number];
/** Where a reported contact detail came from: the public inquiry form or an `identify` event. */
export const REPORTED_CONTACT_SOURCES = ['inquiry', 'identify'] as const;
export type ReportedContactSource = (typeof REPORTED_CONTACT_SOURCES)[number];
