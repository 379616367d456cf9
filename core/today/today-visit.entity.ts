import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { UserSchema } from '../accounts/user.entity.ts';

/**
 * When a realtor last looked at the Today page, one row per user: what "since your last visit"
 * means for leads that turned hot. A visit is a run of openings with no gap over
 * TODAY_VISIT_GAP_MS (core/today/get-today.ts); `hot_since` is where the previous visit ended.
 */
export const TodayVisitSchema = defineEntity({
  name: 'TodayVisit',
  tableName: 'today_visits',
  properties: {
    user: () => p.oneToOne(UserSchema).primary().owner().deleteRule('cascade'),
    /** The latest opening of the Today page. */
    lastSeenAt: p.datetime(),
    /** The end of the previous visit (first visit: a day before it). */
    hotSince: p.datetime(),
  },
});
export type TodayVisit = InferEntity<typeof TodayVisitSchema>;
