import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import type { ActivityType } from '../shared/enums.ts';

export type ActivityMeta = Record<string, string | number | boolean | null>;

export interface RecordedActivity {
  ownerId: string;
  leadId: string;
  actorUserId: string | null;
  type: ActivityType;
  meta?: ActivityMeta | null;
  body?: string | null;
  occurredAt: Date;
}

/**
 * Writes one `lead_activities` row in the caller's transaction: what the system records on a
 * realtor's behalf (a status change, a reminder set, completed, snoozed or dismissed) so the
 * lead's timeline says who did what and when. `ownerId` is the owning account (`user_id`), taken
 * from the lead the caller already scoped; `actorUserId` is who acted (null: the system, e.g. an
 * automatic reminder). These rows are not editable through the API.
 */
export async function recordActivity(em: EntityManager, row: RecordedActivity): Promise<string> {
  return (await recordActivities(em, [row]))[0];
}

/** `recordActivity` for many rows in one statement (a bulk action); returns their ids in order. */
export async function recordActivities(em: EntityManager, rows: RecordedActivity[]): Promise<string[]> {
  if (!rows.length) return [];
  const inserted = await db(em)
    .insertInto('lead_activities')
    .values(rows.map((row) => ({
      activity_id: sql<string>`gen_random_uuid()`,
      user_id: row.ownerId,
      lead_id: row.leadId,
      actor_user_id: row.actorUserId,
      type: row.type,
      outcome: null,
      body: row.body ?? null,
      meta: (row.meta ? JSON.stringify(row.meta) : null) as never,
      occurred_at: row.occurredAt,
      created_at: row.occurredAt,
      updated_at: row.occurredAt,
    })))
    .returning('activity_id')
    .execute();
  return inserted.map((r) => r.activity_id);
}

/** The meta of a `reminder_created` row (the message clipped for the timeline). */
export function reminderCreatedMeta(reminderId: string, message: string, reminderDate: Date): ActivityMeta {
  return { reminderId, message: message.slice(0, 200), reminderDate: reminderDate.toISOString() };
}
