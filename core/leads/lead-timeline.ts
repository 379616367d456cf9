import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { cursorScope, decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { createCompiledQueries, inlinedLimit, type Param } from '../db/compiled-queries.ts';
import { db, type DB } from '../db/kysely.ts';
import { pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import { notFound } from '../errors.ts';
import { LOGGED_ACTIVITY_TYPES, type ActivityType } from '../shared/enums.ts';
import { TIMELINE_KINDS, type TimelineItem, type TimelineKind } from './lead-schemas.ts';

const ZTimelineCursor = z.tuple([ZTimeKey, z.enum(TIMELINE_KINDS), ZUuidKey]);

type Props = Record<string, string | number | boolean | null>;

interface Row {
  kind: TimelineKind;
  id: string;
  at: string;
  /** `at` exact to the microsecond (`timeKey`): the cursor key. */
  at_key: string;
  event_type: string | null;
  event_value: string | null;
  listing_ref: string | null;
  listing_title: string | null;
  listing_url: string | null;
  listing_image_url: string | null;
  page_url: string | null;
  visitor_id: string | null;
  props: Props | null;
  message: string | null;
  source: string | null;
  activity_type: ActivityType | null;
  outcome: string | null;
  body: string | null;
  meta: Props | null;
  actor_user_id: string | null;
  actor_username: string | null;
}

/**
 * The "after the cursor" condition of one source, in the merged order (at desc, kind desc, id
 * desc): a source whose kind sorts above the cursor's continues strictly before its instant,
 * one that sorts below includes the instant, and the cursor's own kind continues after its id.
 */
function afterCursor(kind: TimelineKind, at: RawBuilder<unknown>, id: RawBuilder<unknown>, cursor: { kind: TimelineKind; at: unknown; id: unknown } | null): RawBuilder<SqlBool> | null {
  if (!cursor) return null;
  if (kind > cursor.kind) return sql<SqlBool>`${at} < ${cursor.at}::timestamptz`;
  if (kind < cursor.kind) return sql<SqlBool>`${at} <= ${cursor.at}::timestamptz`;
  return sql<SqlBool>`(${at}, ${id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`;
}

/** The values of the timeline query, in the order `p(i)` stands for them in `buildTimelineQuery`. */
const V = { leadId: 0, accountId: 1, userId: 2, limit: 3, cursorAt: 4, cursorId: 5 } as const;

/**
 * The timeline statement of one shape — the tenant's role and the cursor's kind (or none) — with
 * stand-ins for the values (compiled-queries.ts). One round trip: the tenant's lead (none → 404)
 * left-joined to the merged page, so a lead without any item still answers one row (all nulls).
 * The page does not depend on the lead row; a foreign or unknown id joins nothing.
 */
function buildTimelineQuery(kdb: Kysely<DB>, p: Param, shape: string) {
  const [role, cursorKind, inlined] = shape.split('|') as [Tenant['role'], TimelineKind | 'none', string];
  // The tenant as the scope helpers see it, its ids bound per call.
  const tenant: Tenant = { accountId: p(V.accountId) as string, userId: p(V.userId) as string, role };
  const leadId = p(V.leadId) as string;
  // A common page size is a constant of the shape (inlinedLimit): the prepared statement then gets a generic plan.
  const limit = inlined === 'p' ? (p(V.limit) as number) : sql.lit(Number(inlined));
  const after = cursorKind === 'none' ? null : { kind: cursorKind, at: p(V.cursorAt), id: p(V.cursorId) };
  const nullText = sql<string | null>`null::text`;
  const nullJson = sql<Props | null>`null::jsonb`;
  const nullUuid = sql<string | null>`null::uuid`;

  const eventsAfter = afterCursor('event', sql`a.event_date`, sql`a.analytic_id`, after);
  const events = kdb
    .selectFrom('lead_analytics as a')
    // A listing is known per site by its ref (listings_site_ref_unique): one index probe per event of the page.
    .leftJoin('listings as li', (j) => j.onRef('li.site_id', '=', 'a.site_id').onRef('li.listing_ref', '=', 'a.listing_ref').on(ownedBy(tenant, 'li')))
    .select([
      sql.lit('event').as('kind'), 'a.analytic_id as id', 'a.event_date as at', timeKey('a.event_date').as('at_key'),
      'a.event_type', 'a.event_value', 'a.listing_ref', 'li.title as listing_title', 'li.url as listing_url', 'li.image_url as listing_image_url',
      'a.page_url', 'a.visitor_id', sql<Props | null>`a.props`.as('props'), nullText.as('message'), nullText.as('source'),
      nullText.as('activity_type'), nullText.as('outcome'), nullText.as('body'), nullJson.as('meta'), nullUuid.as('actor_user_id'), nullText.as('actor_username'),
    ])
    .where('a.lead_id', '=', leadId)
    .$if(eventsAfter !== null, (q) => q.where(eventsAfter!))
    .orderBy('a.event_date', 'desc')
    .orderBy('a.analytic_id', 'desc')
    .limit(limit);

  const inquiriesAfter = afterCursor('inquiry', sql`i.created_at`, sql`i.inquiry_id`, after);
  const inquiries = kdb
    .selectFrom('inquiries as i')
    .leftJoin('listings as li', (j) => j.onRef('li.site_id', '=', 'i.site_id').onRef('li.listing_ref', '=', 'i.listing_ref').on(ownedBy(tenant, 'li')))
    .select([
      sql.lit('inquiry').as('kind'), 'i.inquiry_id as id', 'i.created_at as at', timeKey('i.created_at').as('at_key'),
      nullText.as('event_type'), nullText.as('event_value'), 'i.listing_ref', 'li.title as listing_title', 'li.url as listing_url', 'li.image_url as listing_image_url',
      'i.page_url', nullText.as('visitor_id'), nullJson.as('props'), 'i.message', sql<string>`i.source::text`.as('source'),
      nullText.as('activity_type'), nullText.as('outcome'), nullText.as('body'), nullJson.as('meta'), nullUuid.as('actor_user_id'), nullText.as('actor_username'),
    ])
    .where('i.lead_id', '=', leadId)
    .$if(inquiriesAfter !== null, (q) => q.where(inquiriesAfter!))
    .orderBy('i.created_at', 'desc')
    .orderBy('i.inquiry_id', 'desc')
    .limit(limit);

  const activitiesAfter = afterCursor('activity', sql`t.occurred_at`, sql`t.activity_id`, after);
  const activities = kdb
    .selectFrom('lead_activities as t')
    .leftJoin('users as u', 'u.user_id', 't.actor_user_id')
    .select([
      sql.lit('activity').as('kind'), 't.activity_id as id', 't.occurred_at as at', timeKey('t.occurred_at').as('at_key'),
      nullText.as('event_type'), nullText.as('event_value'), nullText.as('listing_ref'), nullText.as('listing_title'), nullText.as('listing_url'),
      nullText.as('listing_image_url'), nullText.as('page_url'), nullText.as('visitor_id'), nullJson.as('props'), nullText.as('message'), nullText.as('source'),
      sql<string>`t.type::text`.as('activity_type'), 't.outcome', 't.body', sql<Props | null>`t.meta`.as('meta'), 't.actor_user_id', 'u.username as actor_username',
    ])
    .where('t.lead_id', '=', leadId)
    .where(ownedBy(tenant, 't'))
    .$if(activitiesAfter !== null, (q) => q.where(activitiesAfter!))
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.activity_id', 'desc')
    .limit(limit);

  return sql<Row | { [K in keyof Row]: null }>`
    select m.* from (select 1 from leads as l where l.lead_id = ${leadId} and ${ownedBy(tenant, 'l')}) as lead
    left join lateral (
      select * from (${events} union all ${inquiries} union all ${activities}) as u
      order by u.at desc, u.kind desc, u.id desc
      limit ${limit}) as m on true
    order by m.at desc, m.kind desc, m.id desc`.compile(kdb);
}

const TIMELINE_QUERIES = createCompiledQueries(buildTimelineQuery, { prepareAs: 'porchlight_timeline' });

/**
 * A lead's story, newest first: its analytics events (with the listing's title and photo when
 * the site's `listings` knows the ref, the visitor id and the event's props, so the admin can
 * group events into visits), its inquiries, and its activities (logged calls, texts, notes… and
 * the status, stage and reminder changes recorded with who made them). Ordered by
 * (at, kind, id) descending — a total order, so the cursor (the last item's triple, time exact
 * to the microsecond) never repeats or skips an item even when many share a timestamp. Each
 * source is an index range scan limited to one page (lead_analytics_lead_date_index,
 * inquiries_lead_created_index, lead_activities_lead_occurred_index) and one `union all` merges
 * the three pages: the cost of a page does not grow with the history.
 */
export async function getLeadTimeline({ em, tenant, leadId, cursor, limit }: { em: EntityManager; tenant: Tenant; leadId: string } & KeysetPageArgs): Promise<KeysetPage<TimelineItem>> {
  let after: z.output<typeof ZTimelineCursor> | null = null;
  try {
    after = cursor ? decodeCursor(cursor, ZTimelineCursor, cursorScope('timeline', leadId)) : null;
  } catch (err) {
    // Someone else's or an unknown lead is a 404 before anything about the request is judged.
    const lead = await db(em).selectFrom('leads').select('lead_id').where('lead_id', '=', leadId).where(ownedBy(tenant)).executeTakeFirst();
    if (!lead) throw notFound('Lead');
    throw err;
  }
  const values = [leadId, ownerIdOf(tenant), actorIdOf(tenant), limit + 1, after?.[0] ?? null, after?.[2] ?? null];
  const rows = await TIMELINE_QUERIES.execute(em, `${tenant.role}|${after?.[1] ?? 'none'}|${inlinedLimit(limit + 1) ?? 'p'}`, values);
  if (!rows.length) throw notFound('Lead');
  const items = rows.filter((r): r is Row => r.kind !== null);
  return toKeysetPage(items, limit, (r) => toTimelineItem(r, tenant), (last) => [last.at_key, last.kind, last.id], cursorScope('timeline', leadId));
}

function toTimelineItem(r: Row, tenant: Tenant): TimelineItem {
  return {
    kind: r.kind,
    id: r.id,
    at: pgTimeToIsoStrict(r.at),
    eventType: r.event_type,
    eventValue: r.event_value,
    listingRef: r.listing_ref,
    listingTitle: r.listing_title,
    listingUrl: r.listing_url,
    listingImageUrl: r.listing_image_url,
    pageUrl: r.page_url,
    visitorId: r.visitor_id,
    props: r.props,
    message: r.message,
    source: r.source,
    activityType: r.activity_type,
    outcome: r.outcome,
    body: r.body,
    meta: r.meta,
    actor: r.actor_user_id ? { userId: r.actor_user_id, username: r.actor_username ?? '' } : null,
    editable: r.kind === 'activity' && r.actor_user_id === actorIdOf(tenant) && (LOGGED_ACTIVITY_TYPES as readonly string[]).includes(r.activity_type ?? ''),
  };
}
