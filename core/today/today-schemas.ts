import { z } from 'zod';
import { ZLeadJson } from '../leads/lead-schemas.ts';
import { ZReminderJson } from '../reminders/reminder-schemas.ts';

/** How many items each section of Today lists at most (the rest: the Leads and Reminders pages). */
export const TODAY_SECTION_LIMIT = 25;

export const ZTodayLead = ZLeadJson.extend({
  /** Seconds since the lead arrived (created_at), as of the request. */
  waitingSeconds: z.number().int(),
});
export const ZTodayHotLead = ZLeadJson.extend({
  /** When it last crossed into hot (its latest `lead.hot` announcement). */
  turnedHotAt: z.string(),
});
export const ZTodayShowing = z.object({
  activityId: z.uuid(),
  leadId: z.uuid(),
  type: z.literal('showing'),
  outcome: z.string().nullable(),
  body: z.string().nullable(),
  occurredAt: z.string(),
  lead: ZLeadJson,
});

/** `GET /v1/today`: what the realtor should do now. */
export const ZTodayJson = z.object({
  /** The realtor's calendar day (YYYY-MM-DD) in `timeZone`. */
  date: z.string(),
  /** IANA time zone of the realtor (notification preferences), which "today" is read in. */
  timeZone: z.string(),
  /** Open reminders (pending or due) whose time is before the end of today, earliest first. */
  dueReminders: z.array(ZReminderJson),
  /** Leads never contacted (no logged call, text, email, meeting or showing), longest waiting first. */
  uncontacted: z.array(ZTodayLead),
  /** All not-yet-contacted leads (the list shows the first TODAY_SECTION_LIMIT). */
  uncontactedCount: z.number().int(),
  /** Leads that turned hot after `hotSince` and are still hot, latest first. */
  hotSinceLastVisit: z.array(ZTodayHotLead),
  /** The end of the previous visit to Today (first visit: a day before it). */
  hotSince: z.string(),
  /** Showings logged or scheduled for today (activities of type `showing`), earliest first. */
  showingsToday: z.array(ZTodayShowing),
});
export type TodayJson = z.output<typeof ZTodayJson>;
