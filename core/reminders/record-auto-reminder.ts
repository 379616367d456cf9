import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { recordActivity, reminderCreatedMeta } from '../activities/record-activity.ts';
import { db } from '../db/kysely.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import type { ReminderAutoRule } from '../shared/enums.ts';
import { formatDelayMinutes } from '../shared/reminder-rules.ts';
import type { ReminderSettingsJson } from './reminder-schemas.ts';
import { loadReminderSettings } from './reminder-settings.ts';
import { createReminderWakeup } from './reminder-wakeup.ts';
import { HOUR_MS, MINUTE_MS } from '../shared/time.ts';

export interface AutoReminder {
  reminderId: string;
  reminderAt: Date;
  /** Its `reminders.fire` wake-up, to send after the caller's commit. */
  wakeups: Wakeup[];
}

/** When a rule's reminder falls due after the event that triggers it, and what it says. */
export function describeAutoReminder(rule: ReminderAutoRule, settings: ReminderSettingsJson): { enabled: boolean; delayMs: number; message: string } {
  if (rule === 'lead_hot') {
    return {
      enabled: settings.hotLeadEnabled,
      delayMs: settings.hotLeadDelayMinutes * MINUTE_MS,
      message: `Call within ${formatDelayMinutes(settings.hotLeadDelayMinutes)} — lead turned hot`,
    };
  }
  return {
    enabled: settings.inquiryUnansweredEnabled,
    delayMs: settings.inquiryUnansweredHours * HOUR_MS,
    message: `Inquiry unanswered for ${formatDelayMinutes(settings.inquiryUnansweredHours * 60)} — reply or call`,
  };
}

/**
 * Writes an automatic reminder in the caller's transaction (the one that records the hot
 * crossing or the inquiry), following the owner's settings. Returns null when the rule is off or
 * the lead already has an open (pending or due) reminder from the same rule — the partial unique
 * index `follow_up_reminders_open_auto_unique` decides that, so two concurrent triggers cannot
 * both insert one: the open reminder already asks the realtor to act.
 */
export async function recordAutoReminder(em: EntityManager, { rule, leadId, userId, now }: {
  rule: ReminderAutoRule;
  leadId: string;
  userId: string;
  now: Date;
}): Promise<AutoReminder | null> {
  const { enabled, delayMs, message } = describeAutoReminder(rule, await loadReminderSettings(em, userId));
  if (!enabled) return null;
  const reminderAt = new Date(now.getTime() + delayMs);
  const row = await db(em)
    .insertInto('follow_up_reminders')
    .values({
      reminder_id: sql`gen_random_uuid()`, lead_id: leadId, user_id: userId, reminder_date: reminderAt, reminder_message: message,
      created_at: now, kind: 'auto', auto_rule: rule, status: 'pending',
    })
    // The only unique index an insert with a fresh uuid can hit is the open-auto one.
    .onConflict((oc) => oc.doNothing())
    .returning('reminder_id')
    .executeTakeFirst();
  if (!row) return null;
  // On the lead's timeline, by the system (no actor).
  await recordActivity(em, {
    ownerId: userId, leadId, actorUserId: null, type: 'reminder_created', occurredAt: now,
    meta: { ...reminderCreatedMeta(row.reminder_id, message, reminderAt), rule },
  });
  return { reminderId: row.reminder_id, reminderAt, wakeups: [createReminderWakeup(row.reminder_id, reminderAt)] };
}
