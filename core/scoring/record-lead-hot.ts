import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import type { ScoreBand, ScoreBreakdown } from '../leads/lead.entity.ts';
import { recordOutboundEvent } from '../outbound/record-outbound-event.ts';

/** The automatic reminder a lead turning hot creates. */
export const HOT_REMINDER_DELAY_MS = 60 * 60 * 1000;
export const HOT_REMINDER_MESSAGE = 'Call within 1 hour — lead turned hot';
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
 * The outbox rows a hot crossing wrote, by id. No job delivers `lead.hot` messages or fires
 * reminders yet: the outbound work turns these into wake-ups (a message fan-out, a reminder job
 * delayed until `reminderAt`). Until then the rows wait in Postgres.
 */
export interface LeadHotOutbox {
  /** Wake-ups of the `lead.hot` announcement (webhook deliveries, email alert): send after commit. */
  wakeups: Wakeup[];
  /** `follow_up_reminders.reminder_id` of the automatic reminder. */
  reminderId: string;
  /** Its `reminder_date`: when its job should run. */
  reminderAt: Date;
}

/**
 * Outbox rows for a lead that just turned hot, written in the caller's transaction (the one that
 * stores the new score): a `lead.hot` webhook message and an automatic follow-up reminder due in
 * an hour. Both or neither, with the score change. Returns their ids for the caller to wake up
 * their delivery after the commit.
 */
export async function recordLeadHot(em: EntityManager, lead: HotLead, now: Date, config: Config): Promise<LeadHotOutbox> {
  const wakeups = await recordOutboundEvent({
    em, userId: lead.userId, leadId: lead.leadId, type: LEAD_HOT_EVENT, now, config,
    data: { leadId: lead.leadId, score: lead.score, previousBand: lead.previousBand },
  });
  const reminderAt = new Date(now.getTime() + HOT_REMINDER_DELAY_MS);
  const reminder = await db(em)
    .insertInto('follow_up_reminders')
    .values({
      reminder_id: sql`gen_random_uuid()`, lead_id: lead.leadId, reminder_date: reminderAt, reminder_message: HOT_REMINDER_MESSAGE,
      created_at: now, user_id: lead.userId, kind: 'auto', status: 'pending',
    })
    .returning('reminder_id')
    .executeTakeFirstOrThrow();
  return { wakeups, reminderId: reminder.reminder_id, reminderAt };
}
