import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import type { ActivityType } from '../shared/enums.ts';

export type ActivityMeta = Record<string, string | number | boolean | null>;

/**
 * Writes one `lead_activities` row in the caller's transaction: what the system records on a
 * realtor's behalf (a status change, a reminder set, completed, snoozed or dismissed) so the
 * lead's timeline says who did what and when. `ownerId` is the owning account (`user_id`), taken
 * from the lead the caller already scoped; `actorUserId` is who acted (null: the system, e.g. an
 * automatic reminder). These rows are not editable through the API.
 */
export async function recordActivity(em: EntityManager, row: {
  ownerId: string;
  leadId: string;
  actorUserId: string | null;
  type: ActivityType;
  meta?: ActivityMeta | null;
  body?: string | null;
  occurredAt: Date;
}): Promise<string> {
  const inserted = await db(em)
    .insertInto('lead_activities')
    .values({
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
    })
    .returning('activity_id')
    .executeTakeFirstOrThrow();
  return inserted.activity_id;
}
