import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { isValidTimeZone, toWallTime, type WallTime } from '../email/local-time.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordNotification } from './record-notification.ts';

/** Users served per run (each due and without today's digest); a larger install is served over the next runs of the same hour. */
export const DIGEST_BATCH_LIMIT = 1000;

function localDateOf(wall: WallTime): string {
  return `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

/**
 * The morning digest (run every 15 minutes): for each user with the digest on whose local digest
 * hour has come today, a `digest` notification keyed by user and local date — so a day has one
 * digest at most, however often this runs, and a worker that was down at 7:00 still sends it
 * when it comes back the same day. What the digest says is decided when it is sent.
 *
 * The batch limit applies to users who are due now and have no digest for their local date yet:
 * limiting all digest users instead would hand every run the same first users (already served,
 * or not due yet) and the users after them would never get one.
 */
export async function recordDigests({ em, now, limit = DIGEST_BATCH_LIMIT }: { em: EntityManager; now: Date; limit?: number }): Promise<Wakeup[]> {
  // Each zone's local hour and date come from Intl, the clock the dedupe key below and the rest
  // of the alerts use. Postgres's `at time zone` would read its own tz database, which can
  // disagree (another release, a zone it lacks: one unknown name would fail the whole query).
  const zones = await db(em).selectFrom('notification_preferences').select('time_zone').distinct().where('alert_digest', '=', true).execute();
  const local = zones.filter((z) => isValidTimeZone(z.time_zone)).map((z) => ({ timeZone: z.time_zone, wall: toWallTime(now, z.time_zone) }));
  if (!local.length) return [];

  const users = await db(em)
    .selectFrom('notification_preferences as p')
    .innerJoin(
      sql<{ time_zone: string; local_hour: number; local_date: string }>`(select * from unnest(
        ${local.map((z) => z.timeZone)}::text[], ${local.map((z) => z.wall.hour)}::int[], ${local.map((z) => localDateOf(z.wall))}::text[]
      ) as z(time_zone, local_hour, local_date))`.as('z'),
      (join) => join.onRef('z.time_zone', '=', 'p.time_zone'),
    )
    .select(['p.user_id', 'z.local_date'])
    .where('p.alert_digest', '=', true)
    .whereRef('z.local_hour', '>=', 'p.digest_hour')
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('notifications as n').select(sql`1`.as('one')).whereRef('n.dedupe_key', '=', sql`'digest-' || p.user_id || '-' || z.local_date`),
    )))
    .orderBy('p.user_id')
    .limit(limit)
    .execute();
  const wakeups: Wakeup[] = [];
  for (const u of users) {
    wakeups.push(...(await recordNotification({
      em, userId: u.user_id, kind: 'digest', dedupeKey: `digest-${u.user_id}-${u.local_date}`, sendAt: now, now, data: { date: u.local_date },
    })));
  }
  return wakeups;
}
