import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { awaitingFirstContact } from '../activities/lead-contacts.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { localDayBounds, toWallTime } from '../email/local-time.ts';
import { timeZoneOf } from '../email/notification-preferences.ts';
import { LEAD_COLUMNS, leadFollowUpColumns, toLeadJson } from '../leads/lead-json.ts';
import type { LeadJson } from '../leads/lead-schemas.ts';
import { toReminderJson } from '../reminders/reminders.ts';
import { TODAY_SECTION_LIMIT, type TodayJson } from './today-schemas.ts';
import { DAY_MS, MINUTE_MS } from '../shared/time.ts';
import { OPEN_REMINDER_STATUSES } from '../shared/enums.ts';

/** Openings of Today closer together than this are one visit ("since your last visit" keeps its meaning on reload). */
export const TODAY_VISIT_GAP_MS = 30 * MINUTE_MS;
/** A first visit shows leads that turned hot in the day before it. */
const FIRST_VISIT_LOOKBACK_MS = DAY_MS;


/**
 * `GET /v1/today`: the realtor's working list, read in their time zone (notification preferences,
 * default America/New_York). Records this opening (`today_visits`): a visit is a run of openings
 * less than TODAY_VISIT_GAP_MS apart, and "turned hot since your last visit" means since the end of
 * the previous one. Each section is one index range scan:
 * - due reminders: open (pending or due) reminders timed before the end of today;
 * - not yet contacted: `leads_user_uncontacted_index` (first_contacted_at is null), oldest first,
 *   leads still `new` and not moved on since they arrived (`awaitingFirstContact`: no status change
 *   away from `new`, no move past the first pipeline stage — the rule the automatic reminders use;
 *   `lead_activities_lead_occurred_index`);
 * - turned hot: the `lead.hot` webhook messages (written with every hot crossing, whether or not an
 *   endpoint listens) after `hotSince` (`webhook_messages_user_created_index`), leads still hot;
 * - showings: activities of type `showing` on today's date (`lead_activities_user_type_occurred_index`).
 */
export async function getToday({ em, tenant, now, recordsVisit = true }: {
  em: EntityManager; tenant: Tenant; now: Date;
  /** False: answer as of the current visit without recording an opening (an API key, a cross-site navigation). */
  recordsVisit?: boolean;
}): Promise<TodayJson> {
  const userId = ownerIdOf(tenant);
  const timeZone = await timeZoneOf({ em, tenant });
  const wall = toWallTime(now, timeZone);
  const { start: dayStart, end: dayEnd } = localDayBounds(wall, timeZone);
  const date = `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;

  const hotSince = recordsVisit ? await recordVisit(em, userId, now) : await currentVisitStart(em, tenant, now);

  const reminders = await db(em)
    .selectFrom('follow_up_reminders as r')
    .innerJoin('leads as l', 'l.lead_id', 'r.lead_id')
    .select([
      'r.reminder_id', 'r.lead_id', 'l.name as lead_name', 'l.email as lead_email', 'l.phone as lead_phone', 'r.reminder_date', 'r.reminder_message',
      'r.kind', 'r.auto_rule', 'r.status', 'r.fired_at', 'r.completed_at', 'r.created_at',
    ])
    .where(ownedBy(tenant, 'r'))
    .where('r.status', 'in', OPEN_REMINDER_STATUSES)
    .where('r.reminder_date', '<', dayEnd.toISOString())
    .orderBy('r.reminder_date', 'asc')
    .orderBy('r.reminder_id', 'asc')
    .limit(TODAY_SECTION_LIMIT)
    .execute();

  // The rule the automatic "get in touch" reminders use when they fall due (awaitingFirstContact).
  const uncontacted = await db(em)
    .selectFrom('leads')
    .select(LEAD_COLUMNS)
    .select(leadFollowUpColumns('leads.lead_id'))
    .where(ownedBy(tenant))
    .where(awaitingFirstContact('leads', now))
    .orderBy('created_at', 'asc')
    .orderBy('lead_id', 'asc')
    .limit(TODAY_SECTION_LIMIT)
    .execute();
  const { count: uncontactedCount } = await db(em)
    .selectFrom('leads')
    .select(sql<number>`count(*)::int`.as('count'))
    .where(ownedBy(tenant))
    .where(awaitingFirstContact('leads', now))
    .executeTakeFirstOrThrow();

  const hot = await db(em)
    .selectFrom('webhook_messages as m')
    .innerJoin('leads as l', 'l.lead_id', 'm.lead_id')
    .select(['l.lead_id', sql<string>`max(m.created_at)`.as('turned_hot_at')])
    .where(ownedBy(tenant, 'm'))
    .where(ownedBy(tenant, 'l'))
    .where('m.event_type', '=', 'lead.hot')
    .where(sql<SqlBool>`m.created_at > ${hotSince.toISOString()}::timestamptz`)
    .where('l.score_band', '=', 'hot')
    .groupBy('l.lead_id')
    .orderBy(sql`max(m.created_at)`, 'desc')
    .limit(TODAY_SECTION_LIMIT)
    .execute();

  const showings = await db(em)
    .selectFrom('lead_activities as a')
    .select(['a.activity_id', 'a.lead_id', 'a.outcome', 'a.body', 'a.occurred_at'])
    .where(ownedBy(tenant, 'a'))
    .where('a.type', '=', 'showing')
    .where('a.occurred_at', '>=', dayStart.toISOString())
    .where('a.occurred_at', '<', dayEnd.toISOString())
    .orderBy('a.occurred_at', 'asc')
    .orderBy('a.activity_id', 'asc')
    .limit(TODAY_SECTION_LIMIT)
    .execute();

  const leads = await readLeads(em, tenant, [...hot.map((r) => r.lead_id), ...showings.map((r) => r.lead_id)]);
  return {
    date,
    timeZone,
    dueReminders: reminders.map((r) => toReminderJson(r, now)),
    uncontacted: uncontacted.map((row) => {
      const lead = toLeadJson(row);
      return { ...lead, waitingSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(lead.createdAt)) / 1000)) };
    }),
    uncontactedCount,
    hotSinceLastVisit: hot.flatMap((row) => {
      const lead = leads.get(row.lead_id);
      return lead ? [{ ...lead, turnedHotAt: pgTimeToIsoStrict(row.turned_hot_at) }] : [];
    }),
    hotSince: hotSince.toISOString(),
    showingsToday: showings.flatMap((row) => {
      const lead = leads.get(row.lead_id);
      if (!lead) return [];
      return [{ activityId: row.activity_id, leadId: row.lead_id, type: 'showing' as const, outcome: row.outcome, body: row.body, occurredAt: pgTimeToIsoStrict(row.occurred_at), lead }];
    }),
  };
}

/** The tenant's leads with these ids, as lead JSON by id (one query on the primary key). */
async function readLeads(em: EntityManager, tenant: Tenant, leadIds: string[]): Promise<Map<string, LeadJson>> {
  if (!leadIds.length) return new Map();
  const rows = await db(em)
    .selectFrom('leads')
    .select(LEAD_COLUMNS)
    .select(leadFollowUpColumns('leads.lead_id'))
    .where(ownedBy(tenant))
    .where('lead_id', 'in', [...new Set(leadIds)])
    .execute();
  return new Map(rows.map((row) => [row.lead_id, toLeadJson(row)]));
}

/**
 * Where "since your last visit" starts for an opening at `now`, given the user's `today_visits`
 * row: the previous visit's last opening when this one starts a new visit (a gap of
 * TODAY_VISIT_GAP_MS or more), else the value the current visit started with.
 */
function visitStart(now: Date): RawBuilder<string> {
  const gapStart = new Date(now.getTime() - TODAY_VISIT_GAP_MS).toISOString();
  return sql<string>`case when today_visits.last_seen_at < ${gapStart}::timestamptz then today_visits.last_seen_at else today_visits.hot_since end`;
}

/** Where "since your last visit" would start for an opening now, without recording it (recordVisit's answer). */
async function currentVisitStart(em: EntityManager, tenant: Tenant, now: Date): Promise<Date> {
  const row = await db(em).selectFrom('today_visits').select(visitStart(now).as('hot_since')).where(ownedBy(tenant)).executeTakeFirst();
  return row ? new Date(pgTimeToIsoStrict(row.hot_since)) : new Date(now.getTime() - FIRST_VISIT_LOOKBACK_MS);
}

/**
 * Records an opening of Today and answers where "since your last visit" starts (`visitStart`;
 * a first visit looks back FIRST_VISIT_LOOKBACK_MS). One upsert: two tabs opening at once agree.
 */
async function recordVisit(em: EntityManager, userId: string, now: Date): Promise<Date> {
  const row = await db(em)
    .insertInto('today_visits')
    .values({ user_id: userId, last_seen_at: now.toISOString(), hot_since: new Date(now.getTime() - FIRST_VISIT_LOOKBACK_MS).toISOString() })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        hot_since: visitStart(now),
        last_seen_at: sql`greatest(today_visits.last_seen_at, ${now.toISOString()}::timestamptz)`,
      }),
    )
    .returning('hot_since')
    .executeTakeFirstOrThrow();
  return new Date(pgTimeToIsoStrict(row.hot_since));
}
