import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
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
 * Outbox rows for a lead that just turned hot, written in the caller's transaction (the one that
 * stores the new score): a `lead.hot` webhook message (the webhooks worker fans it out to
 * endpoints) and an automatic follow-up reminder due in an hour (the reminders worker schedules
 * it). Both or neither, with the score change.
 */
export async function recordLeadHot(em: EntityManager, lead: HotLead, now: Date): Promise<{ messageId: string; reminderId: string }> {
  const messageId = createMessageId();
  const payload = {
    lead: { leadId: lead.leadId, name: lead.name, email: lead.email, phone: lead.phone, score: lead.score, band: lead.band, breakdown: lead.breakdown },
  };
  await execRaw(
    em,
    'insert into webhook_messages (message_id, user_id, event_type, payload, created_at) values (?, ?, ?, ?::jsonb, ?)',
    [messageId, lead.userId, LEAD_HOT_EVENT, JSON.stringify(payload), now],
    'run',
  );
  const reminder = await execRaw<{ reminder_id: string }>(
    em,
    `insert into follow_up_reminders (reminder_id, lead_id, reminder_date, reminder_message, created_at, user_id, kind, status)
     values (gen_random_uuid(), ?, ?, ?, ?, ?, 'auto', 'pending') returning reminder_id`,
    [lead.leadId, new Date(now.getTime() + HOT_REMINDER_DELAY_MS), HOT_REMINDER_MESSAGE, now, lead.userId],
    'get',
  );
  return { messageId, reminderId: reminder!.reminder_id };
}
