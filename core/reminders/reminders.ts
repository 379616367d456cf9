import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { z } from 'zod';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { cursorScope, decodeCursor, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { db } from '../db/kysely.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import { nextLocalTime } from '../email/local-time.ts';
import { getNotificationPreferences } from '../email/notification-preferences.ts';
import { AppError, notFound } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import { type ActivityMeta, recordActivity, reminderCreatedMeta } from '../activities/record-activity.ts';
import { getLeadRow } from '../leads/leads.ts';
import type { Logger } from '../logger.ts';
import { CLOSED_REMINDER_STATUSES, OPEN_REMINDER_STATUSES, type ReminderStatus } from '../shared/enums.ts';
import { REMINDER_MAX_AHEAD_MS, REMINDER_OVERDUE_AFTER_MS, REMINDER_SNOOZE_MS, REMINDER_TOMORROW_HOUR } from '../shared/reminder-rules.ts';
import type {
  CreateReminderBody, ListRemindersQuery, ReminderJson, ReminderSummaryJson, SnoozeReminderBody, UnsnoozeReminderBody, UpdateReminderBody,
} from './reminder-schemas.ts';
import { createReminderWakeup } from './reminder-wakeup.ts';

// A realtor's follow-up reminders. States: `pending` (waiting for its time; its job is delayed
// until then) → `due` (fired: shown under "Due", `reminder.due` announced) → `done` (completed) or
// `dismissed`. Snoozing or moving a reminder puts it back to `pending` at the new time (moving a
// fired one to a time that has come keeps it `due`: it does not fire twice); reopening
// it (the admin's Undo) puts a closed one back where it was, and unsnoozing (the Undo of a snooze)
// puts a snoozed one back as the snooze found it. Every statement is scoped with
// `ownedBy(tenant)`: another account's reminder is not found (404).
// Each change that schedules a reminder sends its wake-up after the commit and returns it.

/** What the realtor-facing functions need. */
interface Deps {
  em: EntityManager;
  queues: Queues;
  log: Logger;
  tenant: Tenant;
  now: Date;
}

export interface ReminderChange {
  reminder: ReminderJson;
  /** The wake-ups sent after the commit (a rescheduled reminder's new job). */
  wakeups: Wakeup[];
}

function selectReminders(em: EntityManager, tenant: Tenant) {
  return db(em)
    .selectFrom('follow_up_reminders as r')
    .innerJoin('leads as l', 'l.lead_id', 'r.lead_id')
    .select([
      'r.reminder_id', 'r.lead_id', 'l.name as lead_name', 'l.email as lead_email', 'l.phone as lead_phone', 'r.reminder_date', 'r.reminder_message',
      'r.kind', 'r.auto_rule', 'r.status', 'r.fired_at', 'r.completed_at', 'r.created_at',
    ])
    .where(ownedBy(tenant, 'r'));
}
type ReminderRow = Awaited<ReturnType<ReturnType<typeof selectReminders>['executeTakeFirstOrThrow']>>;

export function toReminderJson(r: ReminderRow, now: Date): ReminderJson {
  const reminderDate = pgTimeToIsoStrict(r.reminder_date);
  return {
    reminderId: r.reminder_id,
    leadId: r.lead_id,
    leadName: r.lead_name,
    leadEmail: r.lead_email,
    leadPhone: r.lead_phone,
    reminderDate,
    reminderMessage: r.reminder_message,
    kind: r.kind,
    autoRule: r.auto_rule,
    status: r.status,
    overdue: r.status === 'due' && new Date(reminderDate).getTime() < now.getTime() - REMINDER_OVERDUE_AFTER_MS,
    firedAt: pgTimeToIso(r.fired_at),
    completedAt: pgTimeToIso(r.completed_at),
    createdAt: pgTimeToIsoStrict(r.created_at),
  };
}

async function readReminder(em: EntityManager, tenant: Tenant, reminderId: string, now: Date): Promise<ReminderJson> {
  const row = await selectReminders(em, tenant).where('r.reminder_id', '=', reminderId).executeTakeFirst();
  if (!row) throw notFound('Reminder');
  return toReminderJson(row, now);
}

/** The reminder, locked for the caller's transaction, with what the lead's timeline says about it (`recordReminderActivity`); 404 when it is not the tenant's. */
async function lockReminderRow(em: EntityManager, tenant: Tenant, reminderId: string): Promise<{
  status: ReminderStatus; lead_id: string; reminder_message: string; reminder_date: string | Date; fired_at: string | Date | null;
}> {
  const row = await db(em)
    .selectFrom('follow_up_reminders')
    .select(['status', 'lead_id', 'reminder_message', 'reminder_date', 'fired_at'])
    .where('reminder_id', '=', reminderId)
    .where(ownedBy(tenant))
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Reminder');
  return row;
}

/** The timeline rows a realtor's change to a reminder writes (`meta.reminderId` names it). */
const REMINDER_ACTIVITY_TYPES = ['reminder_completed', 'reminder_snoozed', 'reminder_dismissed', 'reminder_reopened', 'reminder_rescheduled'] as const;

/** A `reminder_*` row on the lead's timeline, by the realtor who acted, in the change's transaction. */
function recordReminderActivity(em: EntityManager, tenant: Tenant, reminder: { lead_id: string; reminder_message: string }, reminderId: string, type: (typeof REMINDER_ACTIVITY_TYPES)[number], now: Date, extra: ActivityMeta = {}) {
  return recordActivity(em, {
    ownerId: ownerIdOf(tenant), leadId: reminder.lead_id, actorUserId: actorIdOf(tenant), type, occurredAt: now,
    meta: { reminderId, message: reminder.reminder_message.slice(0, 200), ...extra },
  });
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', 'The request is not valid', [{ path, message }]);
}

/** A date a reminder may be set to: not absurdly far ahead (a year typo). */
function assertWithinHorizon(date: Date, now: Date, path: string): void {
  if (date.getTime() - now.getTime() > REMINDER_MAX_AHEAD_MS) throw invalid(path, 'At most five years ahead');
}

/** Runs a change in one transaction, then sends its wake-ups (best-effort: the sweeper is the net). */
async function commitChange(deps: Deps, change: (tem: EntityManager) => Promise<{ reminderId: string; wakeups: Wakeup[] }>): Promise<ReminderChange> {
  const { reminderId, wakeups } = await deps.em.transactional((tem) => change(tem as EntityManager));
  await enqueueAfterCommit(deps.queues, wakeups, deps.log);
  return { reminder: await readReminder(deps.em, deps.tenant, reminderId, deps.now), wakeups };
}

/** `POST /v1/leads/:id/reminders`: a manual reminder for one of the tenant's leads. */
export async function createReminder(deps: Deps & { leadId: string; input: CreateReminderBody }): Promise<ReminderChange> {
  const { tenant, leadId, input, now } = deps;
  const reminderDate = new Date(input.reminderDate);
  assertWithinHorizon(reminderDate, now, 'reminderDate');
  return commitChange(deps, async (tem) => {
    // Locked, not just read: a concurrent DELETE of the lead holds this row until it commits, and
    // the insert's foreign-key check would then fail (23503, a 500); this way the lead is gone (404).
    await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const row = await db(tem)
      .insertInto('follow_up_reminders')
      .values({
        reminder_id: sql`gen_random_uuid()`, lead_id: leadId, user_id: ownerIdOf(tenant), reminder_date: reminderDate,
        reminder_message: input.reminderMessage, created_at: now, kind: 'manual', status: 'pending',
      })
      .returning('reminder_id')
      .executeTakeFirstOrThrow();
    await recordActivity(tem, {
      ownerId: ownerIdOf(tenant), leadId, actorUserId: actorIdOf(tenant), type: 'reminder_created', occurredAt: now,
      meta: reminderCreatedMeta(row.reminder_id, input.reminderMessage, reminderDate),
    });
    return { reminderId: row.reminder_id, wakeups: [createReminderWakeup(row.reminder_id, reminderDate)] };
  });
}

const ZDateCursor = z.tuple([ZTimeKey, ZUuidKey]);

/**
 * `GET /v1/reminders`, keyset paginated (`{items, nextCursor}`):
 * - `due`: fired and not closed (status `due`), longest waiting first — overdue ones included and flagged;
 * - `overdue`: due, and its time more than REMINDER_OVERDUE_AFTER_MS (1 h) ago;
 * - `upcoming`: pending (waiting for its time), soonest first;
 * - `done`: completed or dismissed, most recently closed first;
 * - no status: every reminder, latest time first.
 * `leadId` narrows to one of the tenant's leads (another account's lead is a 404).
 */
export async function listReminders({ em, tenant, query, now }: {
  em: EntityManager; tenant: Tenant; query: ListRemindersQuery; now: Date;
}): Promise<{ items: ReminderJson[]; nextCursor: string | null }> {
  if (query.leadId) await getLeadRow(em, tenant, query.leadId);
  const closed = query.status === 'done';
  const ascending = query.status === 'due' || query.status === 'overdue' || query.status === 'upcoming';
  // Closed reminders sort by when they were closed (older rows may lack completed_at).
  const sortKey = closed ? sql`coalesce(r.completed_at, r.reminder_date)` : sql`r.reminder_date`;
  let q = selectReminders(em, tenant)
    .select(sql<string>`to_char(${sortKey} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_key'));
  if (query.status === 'due') q = q.where('r.status', '=', 'due');
  if (query.status === 'overdue') {
    q = q.where('r.status', '=', 'due').where('r.reminder_date', '<', new Date(now.getTime() - REMINDER_OVERDUE_AFTER_MS).toISOString());
  }
  if (query.status === 'upcoming') q = q.where('r.status', '=', 'pending');
  if (closed) q = q.where('r.status', 'in', CLOSED_REMINDER_STATUSES);
  if (query.leadId) q = q.where('r.lead_id', '=', query.leadId);
  // The status decides the order (upcoming ascends, done descends by closing time): a cursor only continues its own.
  const scope = cursorScope('reminders', query.status, query.leadId);
  if (query.cursor) {
    const [key, id] = decodeCursor(query.cursor, ZDateCursor, scope);
    q = q.where(ascending
      ? sql<boolean>`(${sortKey}, r.reminder_id) > (${key}::timestamptz, ${id}::uuid)`
      : sql<boolean>`(${sortKey}, r.reminder_id) < (${key}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy(sortKey, ascending ? 'asc' : 'desc')
    .orderBy('r.reminder_id', ascending ? 'asc' : 'desc')
    .limit(query.limit + 1)
    .execute();
  return toKeysetPage(rows, query.limit, (r) => toReminderJson(r, now), (last) => [last.cursor_key, last.reminder_id], scope);
}

/** `GET /v1/reminders/summary`: due and overdue counts for the navigation badge (one index range scan). */
export async function summariseReminders({ em, tenant, now }: { em: EntityManager; tenant: Tenant; now: Date }): Promise<ReminderSummaryJson> {
  const overdueBefore = new Date(now.getTime() - REMINDER_OVERDUE_AFTER_MS).toISOString();
  const row = await db(em)
    .selectFrom('follow_up_reminders')
    .select([
      sql<number>`count(*)::int`.as('due'),
      sql<number>`(count(*) filter (where reminder_date < ${overdueBefore}::timestamptz))::int`.as('overdue'),
    ])
    .where(ownedBy(tenant))
    .where('status', '=', 'due')
    .executeTakeFirstOrThrow();
  return { due: row.due, overdue: row.overdue };
}

/**
 * `PATCH /v1/reminders/:id`: a new message relabels it; a new date reschedules it, with a
 * `reminder_rescheduled` row on the lead's timeline (`meta.reminderDate`: the new time), so a
 * reminder moved after a snooze does not leave the timeline saying the snooze's time:
 * - a time in the future: back to `pending` at that time with a new job (also a done or dismissed
 *   one: "remind me again"), and it fires again then;
 * - a time not in the future, for a reminder that has fired and is not waiting to fire again
 *   (`due`, or closed after it fired): `due` at that time, keeping its `fired_at`, with no job — the
 *   realtor is correcting when the call was due, and a second `reminder.due` (webhook, email) would
 *   announce a reminder already announced. A closed one is open again, as `reopenReminder` does;
 * - a time not in the future for one that never fired (pending, or closed before its time): `pending`
 *   with a job that fires it at once.
 * A snoozed reminder is pending (the snooze cleared `fired_at`), so a PATCH back to its old past
 * time fires it again; the admin's Undo of a snooze is `unsnoozeReminder`, which does not. A new
 * date equal to the one it has, on a pending reminder, changes nothing worth recording.
 */
export async function updateReminder(deps: Deps & { reminderId: string; input: UpdateReminderBody }): Promise<ReminderChange> {
  const { tenant, reminderId, input, now } = deps;
  const reminderDate = input.reminderDate === undefined ? undefined : new Date(input.reminderDate);
  if (reminderDate) assertWithinHorizon(reminderDate, now, 'reminderDate');
  return commitChange(deps, async (tem) => {
    const before = await lockReminderRow(tem, tenant, reminderId);
    // Fired already (and not re-armed by a snooze), moved to a time that has come: stays fired.
    const staysFired = reminderDate !== undefined && before.status !== 'pending' && before.fired_at !== null && reminderDate.getTime() <= now.getTime();
    await db(tem)
      .updateTable('follow_up_reminders')
      .set({
        ...(input.reminderMessage !== undefined ? { reminder_message: input.reminderMessage } : {}),
        ...(reminderDate
          ? staysFired
            ? { reminder_date: reminderDate, status: 'due' as const, completed_at: null }
            : { reminder_date: reminderDate, status: 'pending' as const, fired_at: null, completed_at: null }
          : {}),
      })
      .where('reminder_id', '=', reminderId)
      .execute()
      .catch((err: unknown) => {
        // Reopening a closed automatic reminder while its rule has since written another open one
        // for the lead (follow_up_reminders_open_auto_unique): one open per lead and rule.
        if (isUniqueViolation(err)) throw new AppError('conflict', 'This lead already has an open automatic reminder of the same kind: reschedule that one instead');
        throw err;
      });
    if (reminderDate && (before.status !== 'pending' || new Date(pgTimeToIsoStrict(before.reminder_date)).getTime() !== reminderDate.getTime())) {
      const message = input.reminderMessage ?? before.reminder_message;
      await recordReminderActivity(tem, tenant, { ...before, reminder_message: message }, reminderId, 'reminder_rescheduled', now, { reminderDate: reminderDate.toISOString() });
    }
    return { reminderId, wakeups: reminderDate && !staysFired ? [createReminderWakeup(reminderId, reminderDate)] : [] };
  });
}

/**
 * `POST /v1/reminders/:id/snooze`: an open reminder goes back to `pending` at a later time —
 * 15 minutes or an hour from now, `tomorrow` (9:00 tomorrow in the realtor's time zone, from
 * their notification preferences), or `until` a chosen time in the future. A preset never brings
 * a reminder forward: one whose time is already later than the preset's stays at it (a "15
 * minutes" on a reminder due next week made it fire in 15 minutes). A closed one is a 409.
 */
export async function snoozeReminder(deps: Deps & { reminderId: string; input: SnoozeReminderBody }): Promise<ReminderChange> {
  const { tenant, reminderId, input, now } = deps;
  if ('until' in input) {
    const until = new Date(input.until);
    if (until.getTime() <= now.getTime()) throw invalid('until', 'Choose a time in the future');
    assertWithinHorizon(until, now, 'until');
  }
  return commitChange(deps, async (tem) => {
    const reminder = await lockReminderRow(tem, tenant, reminderId);
    const { status } = reminder;
    if (!OPEN_REMINDER_STATUSES.includes(status)) throw new AppError('conflict', `This reminder is ${status === 'done' ? 'done' : 'dismissed'}: reschedule it instead of snoozing`);
    let until: Date;
    if ('until' in input) until = new Date(input.until);
    else {
      let preset: Date;
      if (input.for === 'tomorrow') {
        // The time zone of the person snoozing (preferences are per person).
        const prefs = await getNotificationPreferences({ em: tem, userId: actorIdOf(tenant) });
        preset = nextLocalTime(now, { hour: REMINDER_TOMORROW_HOUR, timeZone: prefs.timeZone, dayOffset: 1 });
      } else preset = new Date(now.getTime() + REMINDER_SNOOZE_MS[input.for]);
      // Never earlier than the reminder's own time; one already later is left as it is (no timeline row).
      const current = new Date(pgTimeToIsoStrict(reminder.reminder_date));
      if (status === 'pending' && current.getTime() >= preset.getTime()) return { reminderId, wakeups: [] };
      until = new Date(Math.max(preset.getTime(), current.getTime()));
    }
    await db(tem)
      .updateTable('follow_up_reminders')
      .set({ reminder_date: until, status: 'pending', fired_at: null })
      .where('reminder_id', '=', reminderId)
      .execute();
    // What it was before, so `unsnoozeReminder` can put it back exactly (a due one stays fired).
    await recordReminderActivity(tem, tenant, reminder, reminderId, 'reminder_snoozed', now, {
      until: until.toISOString(),
      previousReminderDate: pgTimeToIsoStrict(reminder.reminder_date),
      previousStatus: status,
      previousFiredAt: pgTimeToIso(reminder.fired_at),
    });
    return { reminderId, wakeups: [createReminderWakeup(reminderId, until)] };
  });
}

const ZSnoozeRecord = z.object({
  until: z.iso.datetime(),
  previousReminderDate: z.iso.datetime(),
  previousStatus: z.enum(['pending', 'due']),
  previousFiredAt: z.iso.datetime().nullable(),
});

/**
 * `POST /v1/reminders/:id/unsnooze` (the admin's Undo of a snooze): the reminder goes back exactly
 * as the snooze found it, from the snooze's timeline row (`meta.previous*`) — `due` with its old
 * time and `fired_at` when it had fired (no new job, so no second `reminder.due`), or `pending` at
 * its old time with a job (a time already past fires at once, as it would have). A PATCH back to
 * the old date cannot do that: the snooze cleared `fired_at`, so the PATCH finds a pending reminder
 * that never fired, leaves it pending at a past time, and its job fires it again. `until` is the time the snooze being undone set (its answer's `reminderDate`). Only
 * while nothing has happened since: the last snooze set `until`, the reminder is still pending
 * there, and no other change was recorded for it after the snooze — else a 409 that changes
 * nothing (snoozed again, moved, completed, dismissed, reopened, or undone already). Recorded as a
 * `reminder_rescheduled` row with `meta.undid: 'snooze'` ("Snooze undone: … (back to …)").
 */
export async function unsnoozeReminder(deps: Deps & { reminderId: string; input: UnsnoozeReminderBody }): Promise<ReminderChange> {
  const { tenant, reminderId, input, now } = deps;
  const until = new Date(input.until).getTime();
  return commitChange(deps, async (tem) => {
    const reminder = await lockReminderRow(tem, tenant, reminderId);
    // The row lock serialises every change to this reminder, so the timeline read here is final.
    const rows = await db(tem)
      .selectFrom('lead_activities')
      .select(['type', 'meta'])
      .where('lead_id', '=', reminder.lead_id)
      .where(ownedBy(tenant))
      .where('type', 'in', REMINDER_ACTIVITY_TYPES)
      .where(sql<boolean>`meta->>'reminderId' = ${reminderId}`)
      .orderBy('occurred_at', 'desc')
      .orderBy('created_at', 'desc')
      .limit(1)
      .execute();
    const last = rows[0];
    const conflict = (message: string) => new AppError('conflict', message);
    const closed = !OPEN_REMINDER_STATUSES.includes(reminder.status);
    const closedSinceSnooze = () => conflict(`This reminder is ${reminder.status === 'done' ? 'done' : 'dismissed'} since it was snoozed: nothing to undo`);
    if (last?.type === 'reminder_rescheduled' && (last.meta as ActivityMeta | null)?.undid === 'snooze') throw conflict('This snooze is undone already');
    if (last?.type !== 'reminder_snoozed') {
      if (closed) throw closedSinceSnooze();
      throw conflict('This reminder has changed since it was snoozed: nothing to undo');
    }
    const snooze = ZSnoozeRecord.safeParse(last.meta);
    if (!snooze.success) throw conflict('This snooze was recorded without the reminder’s earlier state: reschedule it instead');
    const record = snooze.data;
    if (new Date(record.until).getTime() !== until) throw conflict('This reminder was snoozed again since: undo the latest snooze instead');
    if (reminder.status === 'due') throw conflict('This reminder fell due at its snoozed time: nothing to undo');
    if (closed) throw closedSinceSnooze();
    // Open and not due: pending. It must still be at the snoozed time and not have fired.
    if (new Date(pgTimeToIsoStrict(reminder.reminder_date)).getTime() !== until || reminder.fired_at !== null) {
      throw conflict('This reminder has changed since it was snoozed: nothing to undo');
    }
    const restoreDue = record.previousStatus === 'due' && record.previousFiredAt !== null;
    const previousDate = new Date(record.previousReminderDate);
    await db(tem)
      .updateTable('follow_up_reminders')
      .set(restoreDue
        ? { status: 'due', reminder_date: previousDate, fired_at: new Date(record.previousFiredAt!) }
        : { status: 'pending', reminder_date: previousDate, fired_at: null })
      .where('reminder_id', '=', reminderId)
      .execute();
    await recordReminderActivity(tem, tenant, reminder, reminderId, 'reminder_rescheduled', now, { reminderDate: record.previousReminderDate, undid: 'snooze' });
    return { reminderId, wakeups: restoreDue ? [] : [createReminderWakeup(reminderId, previousDate)] };
  });
}

/** Closes an open reminder as `done` or `dismissed`. Repeating the same close is a no-op; the other close is a 409. */
async function closeReminder(deps: Deps & { reminderId: string }, to: 'done' | 'dismissed'): Promise<ReminderChange> {
  const { tenant, reminderId, now } = deps;
  return commitChange(deps, async (tem) => {
    const reminder = await lockReminderRow(tem, tenant, reminderId);
    const { status } = reminder;
    if (status === to) return { reminderId, wakeups: [] };
    if (!OPEN_REMINDER_STATUSES.includes(status)) throw new AppError('conflict', `This reminder is already ${status}`);
    // Its delayed job, if still waiting, will find it closed and do nothing.
    await db(tem).updateTable('follow_up_reminders').set({ status: to, completed_at: now }).where('reminder_id', '=', reminderId).execute();
    await recordReminderActivity(tem, tenant, reminder, reminderId, to === 'done' ? 'reminder_completed' : 'reminder_dismissed', now);
    return { reminderId, wakeups: [] };
  });
}

/** `POST /v1/reminders/:id/complete`. */
export function completeReminder(deps: Deps & { reminderId: string }): Promise<ReminderChange> {
  return closeReminder(deps, 'done');
}

/** `POST /v1/reminders/:id/dismiss`. */
export function dismissReminder(deps: Deps & { reminderId: string }): Promise<ReminderChange> {
  return closeReminder(deps, 'dismissed');
}

/**
 * `POST /v1/reminders/:id/reopen`: undoes a dismissal or a completion (the admin's Undo) — the
 * reminder is open again as it was, keeping its time: `due` when it had fired and its time has
 * passed (no second `reminder.due`, no second email), else `pending` with a wake-up at its time (a
 * time already past fires at once, as it would have). A `reminder_reopened` row on the lead's
 * timeline says so (`meta.from`: the status it left). An open reminder is unchanged.
 */
export async function reopenReminder(deps: Deps & { reminderId: string }): Promise<ReminderChange> {
  const { tenant, reminderId, now } = deps;
  return commitChange(deps, async (tem) => {
    const reminder = await lockReminderRow(tem, tenant, reminderId);
    const { status } = reminder;
    if (OPEN_REMINDER_STATUSES.includes(status)) return { reminderId, wakeups: [] };
    const row = await db(tem)
      .updateTable('follow_up_reminders')
      .set({
        status: sql<ReminderStatus>`case when fired_at is not null and reminder_date <= ${now} then 'due' else 'pending' end`,
        completed_at: null,
      })
      .where('reminder_id', '=', reminderId)
      .returning(['status', 'reminder_date'])
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => {
        // The unanswered-inquiry or hot-lead rule wrote another open reminder for the lead meanwhile.
        if (isUniqueViolation(err)) throw new AppError('conflict', 'This lead already has an open automatic reminder of the same kind');
        throw err;
      });
    await recordReminderActivity(tem, tenant, reminder, reminderId, 'reminder_reopened', now, { from: status });
    return { reminderId, wakeups: row.status === 'pending' ? [createReminderWakeup(reminderId, new Date(pgTimeToIsoStrict(row.reminder_date)))] : [] };
  });
}

/** `DELETE /v1/reminders/:id`. A waiting job finds no row and does nothing. */
export async function deleteReminder({ em, tenant, reminderId }: { em: EntityManager; tenant: Tenant; reminderId: string }): Promise<void> {
  const result = await db(em).deleteFrom('follow_up_reminders').where('reminder_id', '=', reminderId).where(ownedBy(tenant)).executeTakeFirst();
  if (!result.numDeletedRows) throw notFound('Reminder');
}
