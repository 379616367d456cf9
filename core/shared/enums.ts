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

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
