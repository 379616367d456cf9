import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { actorIdOf, ownedBy, ownerIdOf, sameAccount, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIso } from '../db/pg-values.ts';
import { CONTACT_ACTIVITY_TYPES, OPEN_REMINDER_STATUSES } from '../shared/enums.ts';
import { recordActivity } from './record-activity.ts';

/**
 * Whether the realtor moved the lead on after `since` and by `now`: changed its status to anything
 * but `new` (a `status_change` activity: contacted, qualified, client, lost), or moved it to a
 * pipeline stage other than the account's first (a `stage_change` activity: Attempted contact,
 * Appointment set, Closed, Lost… — what is "first" is read now, so a reorder decides). Such a lead
 * is being worked, or is closed: it is not waiting for a first answer. The one rule shared by the
 * automatic "get in touch" reminders when they fall due (`isLeadContacted`, since the reminder was
 * written or re-armed) and Today's "Not contacted yet" (`awaitingFirstContact`, since the lead
 * arrived). `leadId`, `since` and `now` may be column references (`sql.ref('l.created_at')`) or
 * values. One probe of `lead_activities_lead_occurred_index`.
 */
export function leadMovedOnSince(leadId: RawBuilder<unknown>, since: RawBuilder<unknown>, now: RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (
    select 1 from lead_activities sc
    where sc.lead_id = ${leadId} and sc.occurred_at > ${since} and sc.occurred_at <= ${now}
      and ((sc.type = 'status_change' and sc.meta->>'to' is distinct from 'new')
        or (sc.type = 'stage_change' and sc.meta->>'toStageId' is distinct from (
          select p0.stage_id::text from pipeline_stages p0 where ${sameAccount('p0', 'sc')} order by p0.position, p0.stage_id limit 1))))`;
}

/**
 * Today's "Not contacted yet", for the lead aliased `l` at `now`: no contact logged
 * (`first_contacted_at is null`), its status still `new` (a lead entered by hand as a past client
 * records no status change, and is not waiting for a call either), and not moved on since it
 * arrived (`leadMovedOnSince`, the rule the automatic reminders use).
 */
export function awaitingFirstContact(l: string, now: Date): RawBuilder<SqlBool> {
  const moved = leadMovedOnSince(sql.ref(`${l}.lead_id`), sql.ref(`${l}.created_at`), sql`${now.toISOString()}::timestamptz`);
  return sql<SqlBool>`${sql.ref(`${l}.first_contacted_at`)} is null and ${sql.ref(`${l}.status`)} = 'new' and not ${moved}`;
}

/** The automatic reminders that ask the realtor to get in touch: a logged contact answers them. */
const CONTACT_REMINDER_RULES = ['lead_hot', 'inquiry_unanswered'] as const;

/**
 * Recomputes `leads.first_contacted_at` / `last_contacted_at` from the lead's contact activities
 * (call, text, email, meeting, showing) that have happened by `now` — a showing scheduled for
 * next week is not a contact yet. Recomputing (rather than min/max-ing in the new value) keeps
 * the columns true after an edit or a delete too. The caller holds the lead row's lock (the
 * realtor's transaction scoped it with `getLeadRow(…, {forUpdate})`), so two logs of the same
 * lead cannot both believe they are its first contact. Returns the values before and after.
 */
export async function refreshLeadContacts(em: EntityManager, { leadId, now }: { leadId: string; now: Date }): Promise<{
  before: { first: string | null; last: string | null };
  after: { first: string | null; last: string | null };
}> {
  const { rows } = await sql<{ before_first: string | null; before_last: string | null; first: string | null; last: string | null }>`
    with prev as (select first_contacted_at, last_contacted_at from leads where lead_id = ${leadId}),
    c as (
      select min(occurred_at) as first, max(occurred_at) as last from lead_activities
      where lead_id = ${leadId} and type in (${sql.join(CONTACT_ACTIVITY_TYPES)}) and occurred_at <= ${now}
    )
    update leads l set
      first_contacted_at = c.first,
      last_contacted_at = c.last,
      updated_at = case when l.first_contacted_at is distinct from c.first or l.last_contacted_at is distinct from c.last then ${now} else l.updated_at end
    from c, prev
    where l.lead_id = ${leadId}
    returning prev.first_contacted_at as before_first, prev.last_contacted_at as before_last, c.first, c.last`.execute(db(em));
  const row = rows[0];
  if (!row) return { before: { first: null, last: null }, after: { first: null, last: null } };
  return {
    before: { first: pgTimeToIso(row.before_first), last: pgTimeToIso(row.before_last) },
    after: { first: pgTimeToIso(row.first), last: pgTimeToIso(row.last) },
  };
}

/**
 * A contact was just logged (or an edit made one, `updateActivity`): closes (`done`) the lead's
 * open automatic "get in touch" reminders it answers — the hot lead's "call within 1 hour" and the
 * unanswered inquiry's — and records a
 * `reminder_completed` activity for each, by the realtor who logged the contact. The lead's first
 * contact answers every such reminder; a later one only reminders created by the time it
 * happened (a call backdated to last week does not answer a lead that turned hot today).
 */
export async function closeContactReminders(em: EntityManager, { tenant, leadId, occurredAt, firstContact, now }: {
  tenant: Tenant;
  leadId: string;
  occurredAt: Date;
  firstContact: boolean;
  now: Date;
}): Promise<string[]> {
  let query = db(em)
    .updateTable('follow_up_reminders')
    .set({ status: 'done', completed_at: now })
    .where('lead_id', '=', leadId)
    .where(ownedBy(tenant))
    .where('auto_rule', 'in', CONTACT_REMINDER_RULES)
    .where('status', 'in', OPEN_REMINDER_STATUSES);
  if (!firstContact) query = query.where('created_at', '<=', occurredAt.toISOString());
  const closed = await query.returning(['reminder_id', 'reminder_message', 'auto_rule']).execute();
  for (const r of closed) {
    await recordActivity(em, {
      ownerId: ownerIdOf(tenant), leadId, actorUserId: actorIdOf(tenant), type: 'reminder_completed', occurredAt: now,
      meta: { reminderId: r.reminder_id, message: r.reminder_message.slice(0, 200), rule: r.auto_rule, reason: 'contact_logged' },
    });
  }
  return closed.map((r) => r.reminder_id);
}
