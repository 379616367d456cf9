import type { EntityManager } from '@mikro-orm/postgresql';
import { type SqlBool, sql } from 'kysely';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordOutboundEvent } from '../outbound/record-outbound-event.ts';
import { leadMovedOnSince } from '../activities/lead-contacts.ts';
import { CONTACT_ACTIVITY_TYPES } from '../shared/enums.ts';

/**
 * - `fired`: the reminder became `due` and its `reminder.due` outbound rows were written;
 * - `dismissed`: an automatic reminder (hot lead, unanswered inquiry) whose lead was contacted or
 *   moved on meanwhile (`isLeadContacted`), closed silently;
 * - `skipped`: nothing to do — already fired (by a racing job or the sweeper), rescheduled to a
 *   later time, closed, or deleted.
 */
export type FireReminderOutcome = 'fired' | 'dismissed' | 'skipped';

/**
 * `reminders.fire`: claims the reminder by update (`pending` and its time reached → `due`,
 * `fired_at = now`) and, in the same transaction, announces `reminder.due` through
 * `recordOutboundEvent`. The update is the lock: of two racing runs (two jobs, the job and the
 * sweeper's job) the second waits for the first's commit, then finds the row no longer pending
 * and does nothing — a reminder fires once. Returns the outbound wake-ups to send after the commit.
 */
export async function fireReminder({ em, reminderId, now, config }: {
  em: EntityManager;
  reminderId: string;
  now: Date;
  config: Config;
}): Promise<{ outcome: FireReminderOutcome; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    const claimed = await db(tem)
      .updateTable('follow_up_reminders')
      .set({ status: 'due', fired_at: now })
      .where('reminder_id', '=', reminderId)
      .where('status', '=', 'pending')
      .where('reminder_date', '<=', now.toISOString())
      .returning(['reminder_id', 'lead_id', 'user_id', 'reminder_date', 'reminder_message', 'kind', 'auto_rule', 'created_at'])
      .executeTakeFirst();
    if (!claimed) return { outcome: 'skipped' as const, wakeups: [] };

    if (claimed.auto_rule !== null && (await isLeadContacted(tem, claimed.lead_id, await armedSince(tem, claimed), now))) {
      // Closed without having fallen due: `fired_at` goes back to null, so a reopen or a new past
      // date makes it pending and it fires (and announces) then, instead of coming back `due`
      // as if `reminder.due` had gone out.
      await db(tem)
        .updateTable('follow_up_reminders')
        .set({ status: 'dismissed', completed_at: now, fired_at: null })
        .where('reminder_id', '=', reminderId)
        .execute();
      return { outcome: 'dismissed' as const, wakeups: [] };
    }

    const wakeups = await recordOutboundEvent({
      em: tem,
      userId: claimed.user_id,
      leadId: claimed.lead_id,
      type: 'reminder.due',
      data: {
        reminderId: claimed.reminder_id,
        leadId: claimed.lead_id,
        reminderDate: pgTimeToIsoStrict(claimed.reminder_date),
        reminderMessage: claimed.reminder_message,
        kind: claimed.kind,
      },
      now,
      config,
    });
    return { outcome: 'fired' as const, wakeups };
  });
}

/**
 * Since when an automatic reminder asks for a contact: when it was written, or when the realtor
 * last re-armed it (reopened, gave it a new date, snoozed or unsnoozed it — a `reminder_reopened`,
 * `reminder_rescheduled` or `reminder_snoozed` row naming it), whichever is later. A realtor who
 * reopens a reminder closed because the lead had been contacted asks to be reminded anyway; the
 * contact before that must not close it again at once.
 */
async function armedSince(em: EntityManager, r: { reminder_id: string; lead_id: string; created_at: string | Date }): Promise<string | Date> {
  const row = await db(em)
    .selectFrom('lead_activities')
    .select(sql<string | Date | null>`max(occurred_at)`.as('at'))
    .where('lead_id', '=', r.lead_id)
    .where('type', 'in', ['reminder_reopened', 'reminder_rescheduled', 'reminder_snoozed'])
    .where(sql<SqlBool>`meta->>'reminderId' = ${r.reminder_id}`)
    .executeTakeFirst();
  const rearmed = row?.at ? new Date(pgTimeToIsoStrict(row.at)) : null;
  const created = new Date(pgTimeToIsoStrict(r.created_at));
  return rearmed && rearmed > created ? rearmed : r.created_at;
}

/**
 * Whether the lead no longer needs the automatic "get in touch" reminder written (or re-armed) at
 * `since`, checked by `now` when it falls due: a contact logged for that time (call, text, email,
 * meeting, showing — a showing booked earlier that took place since counts too), the lead moved on
 * (`leadMovedOnSince`: its status changed to anything but `new`, or moved past the first pipeline
 * stage — Appointment set, Closed, Lost; the rule Today's "Not contacted yet" uses), or an inquiry
 * recorded by hand (a call, a meeting — source `manual`). The status or stage alone says nothing: a
 * past client or lost lead who writes again, or turns hot again, keeps them, and is as worth a call
 * as a new lead.
 */
export async function isLeadContacted(em: EntityManager, leadId: string, since: string | Date, now: Date): Promise<boolean> {
  const at = typeof since === 'string' ? since : since.toISOString();
  const row = await db(em)
    .selectFrom('leads as l')
    .select(sql<boolean>`exists (
      select 1 from lead_activities a
      where a.lead_id = l.lead_id and a.occurred_at > ${at}::timestamptz and a.occurred_at <= ${now}
        and a.type in (${sql.join(CONTACT_ACTIVITY_TYPES)})
    ) or ${leadMovedOnSince(sql.ref('l.lead_id'), sql`${at}::timestamptz`, sql`${now}`)} or exists (
      select 1 from inquiries i where i.lead_id = l.lead_id and i.source = 'manual' and i.created_at > ${at}::timestamptz)`.as('contacted'))
    .where('l.lead_id', '=', leadId)
    .executeTakeFirst();
  return row?.contacted === true;
}

/**
 * Pending reminders whose time passed more than `graceMs` ago: their job should have fired
 * them, so it was lost (Redis flushed) or the worker was down. The sweeper wakes them again.
 */
export async function findOverduePendingReminders(em: EntityManager, { now, graceMs, limit }: {
  now: Date; graceMs: number; limit: number;
}): Promise<Array<{ reminderId: string; reminderDate: string }>> {
  const rows = await db(em)
    .selectFrom('follow_up_reminders')
    .select(['reminder_id', 'reminder_date'])
    .where('status', '=', 'pending')
    .where('reminder_date', '<=', new Date(now.getTime() - graceMs).toISOString())
    .orderBy('reminder_date')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ reminderId: r.reminder_id, reminderDate: pgTimeToIsoStrict(r.reminder_date) }));
}
