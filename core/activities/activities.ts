import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { z } from 'zod';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { cursorScope, decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import { AppError, notFound } from '../errors.ts';
import { getLeadRow } from '../leads/leads.ts';
import {
  ACTIVITY_CLOCK_SKEW_MS, ACTIVITY_MAX_AHEAD_MS, ACTIVITY_MAX_BEHIND_MS, SCHEDULABLE_ACTIVITY_TYPES,
} from '../shared/activity-rules.ts';
import { CONTACT_ACTIVITY_TYPES, LOGGED_ACTIVITY_TYPES, type LoggedActivityType } from '../shared/enums.ts';
import type { ActivityJson, CreateActivityBody, UpdateActivityBody } from './activity-schemas.ts';
import { closeContactReminders, refreshLeadContacts } from './lead-contacts.ts';

// What a realtor logs about a lead — calls, texts, emails, notes, meetings, showings — and the
// changes recorded on their behalf (status and stage changes, reminder events), all rows of
// `lead_activities`. Every statement is scoped with `ownedBy(tenant)`: another account's lead or
// activity is not found (404). Logging, editing or deleting a contact keeps the lead's
// `first_contacted_at` / `last_contacted_at` true in the same transaction.

const isContact = (type: string) => (CONTACT_ACTIVITY_TYPES as readonly string[]).includes(type);
const isLogged = (type: string): type is LoggedActivityType => (LOGGED_ACTIVITY_TYPES as readonly string[]).includes(type);

function selectActivities(em: EntityManager, tenant: Tenant) {
  return db(em)
    .selectFrom('lead_activities as a')
    .leftJoin('users as u', 'u.user_id', 'a.actor_user_id')
    .select([
      'a.activity_id', 'a.lead_id', 'a.type', 'a.outcome', 'a.body', 'a.meta', 'a.occurred_at', 'a.actor_user_id', 'u.username as actor_username',
      'a.created_at', 'a.updated_at', timeKey('a.occurred_at').as('occurred_key'),
    ])
    .where(ownedBy(tenant, 'a'));
}
type ActivityRow = Awaited<ReturnType<ReturnType<typeof selectActivities>['executeTakeFirstOrThrow']>>;

export function toActivityJson(r: ActivityRow, tenant: Tenant): ActivityJson {
  return {
    activityId: r.activity_id,
    leadId: r.lead_id,
    type: r.type,
    outcome: r.outcome,
    body: r.body,
    meta: (r.meta as ActivityJson['meta']) ?? null,
    occurredAt: pgTimeToIsoStrict(r.occurred_at),
    actor: r.actor_user_id ? { userId: r.actor_user_id, username: r.actor_username ?? '' } : null,
    editable: isLogged(r.type) && r.actor_user_id === actorIdOf(tenant),
    createdAt: pgTimeToIsoStrict(r.created_at),
    updatedAt: pgTimeToIsoStrict(r.updated_at),
  };
}

async function readActivity(em: EntityManager, tenant: Tenant, activityId: string): Promise<ActivityJson> {
  const row = await selectActivities(em, tenant).where('a.activity_id', '=', activityId).executeTakeFirst();
  if (!row) throw notFound('Activity');
  return toActivityJson(row, tenant);
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', 'The request is not valid', [{ path, message }]);
}

/**
 * The time to store for an activity of `type` said to occur `at`, or a 400. A meeting or showing
 * may be scheduled up to a year ahead and keeps its time. A call, text, email or note has happened:
 * more than ACTIVITY_CLOCK_SKEW_MS ahead is refused, and a time ahead within that skew (a CRM or
 * browser whose clock runs a little fast) is taken as `now` — stored as given, it would not count
 * as a contact until it is edited again (contact times are recomputed only on a log, edit or
 * delete), so the lead's "call within 1 hour" would fire although the call was made.
 */
function acceptedTime(type: LoggedActivityType, at: Date, now: Date): Date {
  const ahead = at.getTime() - now.getTime();
  if (-ahead > ACTIVITY_MAX_BEHIND_MS) throw invalid('occurredAt', 'At most ten years ago');
  if (SCHEDULABLE_ACTIVITY_TYPES.includes(type)) {
    if (ahead > ACTIVITY_MAX_AHEAD_MS) throw invalid('occurredAt', 'At most a year ahead');
    return at;
  }
  if (ahead > ACTIVITY_CLOCK_SKEW_MS) {
    throw invalid('occurredAt', `A ${type} cannot be in the future: log it when it happens, or schedule a meeting or showing`);
  }
  return ahead > 0 ? now : at;
}

/** Whether an activity of `type` at `at` counts as a contact that has happened by `now` (refreshLeadContacts' rule). */
const isHappenedContact = (type: string, at: Date, now: Date) => isContact(type) && at.getTime() <= now.getTime();

/**
 * `POST /v1/leads/:id/activities`: the signed-in realtor logs what they did. In one transaction:
 * the row, the lead's contact times, and — for a contact — the automatic "get in touch" reminders
 * it answers (`closeContactReminders`: the first contact completes the hot lead's "call within
 * 1 hour").
 */
export async function logActivity({ em, tenant, leadId, input, now }: {
  em: EntityManager; tenant: Tenant; leadId: string; input: CreateActivityBody; now: Date;
}): Promise<ActivityJson> {
  const occurredAt = acceptedTime(input.type, input.occurredAt ? new Date(input.occurredAt) : now, now);
  const activityId = await em.transactional(async (tem) => {
    await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const row = await db(tem)
      .insertInto('lead_activities')
      .values({
        activity_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), lead_id: leadId, actor_user_id: actorIdOf(tenant),
        type: input.type, outcome: input.outcome ?? null, body: input.body ?? null, meta: null, occurred_at: occurredAt, created_at: now, updated_at: now,
      })
      .returning('activity_id')
      .executeTakeFirstOrThrow();
    if (isHappenedContact(input.type, occurredAt, now)) {
      const contacts = await refreshLeadContacts(tem, { leadId, now });
      await closeContactReminders(tem, {
        tenant, leadId, occurredAt, now,
        firstContact: contacts.before.first === null && contacts.after.first !== null,
      });
    }
    return row.activity_id;
  });
  return readActivity(em, tenant, activityId);
}

const ZActivityCursor = z.tuple([ZTimeKey, ZUuidKey]);

/** `GET /v1/leads/:id/activities`: the lead's activities (logged and recorded), latest first, in keyset pages. */
export async function listLeadActivities({ em, tenant, leadId, cursor, limit }: {
  em: EntityManager; tenant: Tenant; leadId: string;
} & KeysetPageArgs): Promise<KeysetPage<ActivityJson>> {
  await getLeadRow(em, tenant, leadId);
  let query = selectActivities(em, tenant).where('a.lead_id', '=', leadId);
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ZActivityCursor, cursorScope('activities', leadId));
    query = query.where(sql<boolean>`(a.occurred_at, a.activity_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await query.orderBy('a.occurred_at', 'desc').orderBy('a.activity_id', 'desc').limit(limit + 1).execute();
  return toKeysetPage(rows, limit, (r) => toActivityJson(r, tenant), (last) => [last.occurred_key, last.activity_id], cursorScope('activities', leadId));
}

/**
 * The tenant's activity, locked, for an edit or a delete: 404 when it is not the tenant's;
 * 409 for a recorded change (status or stage change, reminder event: history, not an entry);
 * 403 for another person's entry (agents of one account edit only what they logged).
 */
async function lockOwnEntry(em: EntityManager, tenant: Tenant, activityId: string) {
  const row = await db(em)
    .selectFrom('lead_activities')
    .select(['activity_id', 'lead_id', 'type', 'occurred_at', 'actor_user_id'])
    .where('activity_id', '=', activityId)
    .where(ownedBy(tenant))
    .executeTakeFirst();
  if (!row) throw notFound('Activity');
  if (!isLogged(row.type)) throw new AppError('conflict', 'This entry was recorded by Porchlight (a status, stage or reminder change) and cannot be edited or deleted');
  if (row.actor_user_id !== actorIdOf(tenant)) throw new AppError('forbidden', 'You can only edit or delete entries you logged yourself');
  // Lock order as everywhere else: the lead, then its rows.
  await getLeadRow(em, tenant, row.lead_id, { forUpdate: true });
  const locked = await db(em).selectFrom('lead_activities').select(['type', 'occurred_at', 'body']).where('activity_id', '=', activityId).forUpdate().executeTakeFirst();
  if (!locked) throw notFound('Activity');
  return { leadId: row.lead_id, type: locked.type as LoggedActivityType, body: locked.body, occurredAt: new Date(pgTimeToIsoStrict(locked.occurred_at)) };
}

/**
 * `PATCH /v1/activities/:activityId`: the realtor corrects one of their entries; the lead's
 * contact times follow. An edit that turns the entry into a contact that has happened — a
 * scheduled showing marked as held, a note that was really a call — or through which the lead's
 * first contact appears (a showing booked for an hour that has passed) answers reminders as
 * logging that contact would (`closeContactReminders`); another edit of an entry that already was
 * such a contact does not close them again (a reminder the realtor reopened since stays open).
 */
export async function updateActivity({ em, tenant, activityId, input, now }: {
  em: EntityManager; tenant: Tenant; activityId: string; input: UpdateActivityBody; now: Date;
}): Promise<ActivityJson> {
  await em.transactional(async (tem) => {
    const current = await lockOwnEntry(tem, tenant, activityId);
    const type = input.type ?? current.type;
    const given = input.occurredAt ? new Date(input.occurredAt) : current.occurredAt;
    const occurredAt = input.type !== undefined || input.occurredAt !== undefined ? acceptedTime(type, given, now) : given;
    if (type === 'note' && !(input.body !== undefined ? input.body : current.body)) throw invalid('body', 'Write the note');
    await db(tem)
      .updateTable('lead_activities')
      .set({
        type,
        occurred_at: occurredAt,
        ...(input.outcome !== undefined ? { outcome: input.outcome } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
        updated_at: now,
      })
      .where('activity_id', '=', activityId)
      .where(ownedBy(tenant))
      .execute();
    if (!isContact(type) && !isContact(current.type)) return;
    const contacts = await refreshLeadContacts(tem, { leadId: current.leadId, now });
    const firstContact = contacts.before.first === null && contacts.after.first !== null;
    if (firstContact || (isHappenedContact(type, occurredAt, now) && !isHappenedContact(current.type, current.occurredAt, now))) {
      await closeContactReminders(tem, { tenant, leadId: current.leadId, occurredAt, now, firstContact });
    }
  });
  return readActivity(em, tenant, activityId);
}

/** `DELETE /v1/activities/:activityId`: removes one of the realtor's entries; the lead's contact times follow (reminders it closed stay closed). */
export async function deleteActivity({ em, tenant, activityId, now }: { em: EntityManager; tenant: Tenant; activityId: string; now: Date }): Promise<void> {
  await em.transactional(async (tem) => {
    const current = await lockOwnEntry(tem, tenant, activityId);
    await db(tem).deleteFrom('lead_activities').where('activity_id', '=', activityId).where(ownedBy(tenant)).execute();
    if (isContact(current.type)) await refreshLeadContacts(tem, { leadId: current.leadId, now });
  });
}
