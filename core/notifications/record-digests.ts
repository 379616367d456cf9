import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { toWallTime } from '../email/local-time.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordNotification } from './record-notification.ts';

/** Users looked at per run; a larger install is served over the next runs of the same hour. */
export const DIGEST_BATCH_LIMIT = 1000;

/**
 * The morning digest (run every 15 minutes): for each user with the digest on whose local digest
 * hour has come today, a `digest` notification keyed by user and local date — so a day has one
 * digest at most, however often this runs, and a worker that was down at 7:00 still sends it
 * when it comes back the same day. What the digest says is decided when it is sent.
 */
export async function recordDigests({ em, now, limit = DIGEST_BATCH_LIMIT }: { em: EntityManager; now: Date; limit?: number }): Promise<Wakeup[]> {
  const users = await db(em)
    .selectFrom('notification_preferences as p')
    .select(['p.user_id', 'p.digest_hour', 'p.time_zone'])
    .where('p.alert_digest', '=', true)
    .orderBy('p.user_id')
    .limit(limit)
    .execute();
  const wakeups: Wakeup[] = [];
  for (const u of users) {
    const wall = toWallTime(now, u.time_zone);
    if (wall.hour < u.digest_hour) continue;
    const localDate = `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
    wakeups.push(...(await recordNotification({
      em, userId: u.user_id, kind: 'digest', dedupeKey: `digest-${u.user_id}-${localDate}`, sendAt: now, now, data: { date: localDate },
    })));
  }
  return wakeups;
}
