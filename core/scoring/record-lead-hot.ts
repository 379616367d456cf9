import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import type { ScoreBand, ScoreBreakdown } from '../leads/lead.entity.ts';

/** The automatic reminder a lead turning hot creates. */
export const HOT_REMINDER_DELAY_MS = 60 * 60 * 1000;
export const HOT_REMINDER_MESSAGE = 'Call within 1 hour — lead turned hot';
export const LEAD_HOT_EVENT = 'lead.hot';

/** `msg_` + 24 random url-safe characters (144 bits): the Standard Webhooks message id. */
export function createMessageId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

export interface HotLead {
  leadId: string;
  userId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  score: number;
  band: ScoreBand;
  breakdown: ScoreBreakdown;
}

/**
 * The outbox rows a hot crossing wrote, by id. No job delivers `lead.hot` messages or fires
 * reminders yet: the outbound work turns these into wake-ups (a message fan-out, a reminder job
 * delayed until `reminderAt`). Until then the rows wait in Postgres.
 */
export interface LeadHotOutbox {
  /** `webhook_messages.message_id` (`msg_…`). */
  messageId: string;
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
export async function recordLeadHot(em: EntityManager, lead: HotLead, now: Date): Promise<LeadHotOutbox> {
  const messageId = createMessageId();
  const payload = {
    lead: { leadId: lead.leadId, name: lead.name, email: lead.email, phone: lead.phone, score: lead.score, band: lead.band, breakdown: lead.breakdown },
  };
  await db(em)
    .insertInto('webhook_messages')
    .values({ message_id: messageId, user_id: lead.userId, event_type: LEAD_HOT_EVENT, payload: sql`${JSON.stringify(payload)}::jsonb`, created_at: now })
    .execute();
  const reminderAt = new Date(now.getTime() + HOT_REMINDER_DELAY_MS);
  const reminder = await db(em)
    .insertInto('follow_up_reminders')
    .values({
      reminder_id: sql`gen_random_uuid()`, lead_id: lead.leadId, reminder_date: reminderAt, reminder_message: HOT_REMINDER_MESSAGE,
      created_at: now, user_id: lead.userId, kind: 'auto', status: 'pending',
    })
    .returning('reminder_id')
    .executeTakeFirstOrThrow();
  return { messageId, reminderId: reminder.reminder_id, reminderAt };
}
