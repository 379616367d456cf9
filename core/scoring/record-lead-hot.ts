import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import type { ScoreBand, ScoreBreakdown } from '../leads/lead.entity.ts';
import { recordOutboundEvent } from '../outbound/record-outbound-event.ts';
import { describeAutoReminder, recordAutoReminder } from '../reminders/record-auto-reminder.ts';
import { DEFAULT_REMINDER_SETTINGS } from '../reminders/reminder-settings.entity.ts';

/** The automatic reminder a lead turning hot creates, with the default settings (the realtor tunes them). */
const HOT_REMINDER_DEFAULT = describeAutoReminder('lead_hot', DEFAULT_REMINDER_SETTINGS);
export const HOT_REMINDER_DELAY_MS = HOT_REMINDER_DEFAULT.delayMs;
export const HOT_REMINDER_MESSAGE = HOT_REMINDER_DEFAULT.message;
export const LEAD_HOT_EVENT = 'lead.hot' as const;

export interface HotLead {
  leadId: string;
  userId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  score: number;
  band: ScoreBand;
  /** The band before this crossing (the `lead.hot` payload's `previousBand`). */
  previousBand: ScoreBand;
  breakdown: ScoreBreakdown;
}

/**
 * The outbox rows a hot crossing wrote, by id, and the wake-ups that act on them once the caller
 * commits: the `lead.hot` webhook deliveries and email alert, and the automatic reminder's
 * `reminders.fire` job delayed until `reminderAt`. A wake-up that is lost leaves its row waiting
 * in Postgres for the sweeper.
 */
export interface LeadHotOutbox {
  /**
   * To send after the commit: the `lead.hot` announcement's (webhook deliveries, email alert) and
   * the automatic reminder's `reminders.fire` job.
   */
  wakeups: Wakeup[];
  /**
   * `follow_up_reminders.reminder_id` of the automatic reminder; null when the realtor switched
   * the rule off or the lead already has an open one.
   */
  reminderId: string | null;
  /** Its `reminder_date`: when its job runs. */
  reminderAt: Date | null;
}

/**
 * Outbox rows for a lead that just turned hot, written in the caller's transaction (the one that
 * stores the new score): a `lead.hot` webhook message and, if the realtor's "lead turned hot"
 * rule is on and no such reminder is open, an automatic "call within N minutes" reminder. All or
 * nothing, with the score change. Returns their ids and the wake-ups to send after the commit.
 */
export async function recordLeadHot(em: EntityManager, lead: HotLead, now: Date, config: Config): Promise<LeadHotOutbox> {
  const announced = await recordOutboundEvent({
    em, userId: lead.userId, leadId: lead.leadId, type: LEAD_HOT_EVENT, now, config,
    data: { leadId: lead.leadId, score: lead.score, previousBand: lead.previousBand },
  });
  // The "call within N minutes" reminder, as the realtor's settings say (off, or already open: none).
  const reminder = await recordAutoReminder(em, { rule: 'lead_hot', leadId: lead.leadId, userId: lead.userId, now });
  return { wakeups: [...announced, ...(reminder?.wakeups ?? [])], reminderId: reminder?.reminderId ?? null, reminderAt: reminder?.reminderAt ?? null };
}
