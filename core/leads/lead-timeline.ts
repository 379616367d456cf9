import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Tenant } from '../accounts/tenant.ts';
import { decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import type { TimelineItem } from './lead-schemas.ts';
import { getLeadRow } from './leads.ts';

const ZTimelineCursor = z.tuple([ZTimeKey, z.enum(['event', 'inquiry']), ZUuidKey]);

interface Row {
  kind: 'event' | 'inquiry';
  id: string;
  at: string;
  /** `at` exact to the microsecond (`timeKey`): the cursor key. */
  at_key: string;
  event_type: string | null;
  event_value: string | null;
  listing_ref: string | null;
  page_url: string | null;
  message: string | null;
  source: string | null;
}

/**
 * A lead's analytics events and inquiries merged, newest first, ordered by (at, kind, id)
 * descending — a total order, so the cursor (the last item's triple, time exact to the
 * microsecond) never repeats or skips an item even when many share a timestamp. Each side is an
 * index range scan limited to one page (lead_analytics_lead_date_index,
 * inquiries_lead_created_index), and one `union all` merges the two pages: the cost of a page does
 * not grow with the history.
 */
export async function getLeadTimeline({ em, tenant, leadId, cursor, limit }: { em: EntityManager; tenant: Tenant; leadId: string } & KeysetPageArgs): Promise<KeysetPage<TimelineItem>> {
  await getLeadRow(em, tenant, leadId);
  let eventsAfter: RawBuilder<SqlBool> | null = null;
  let inquiriesAfter: RawBuilder<SqlBool> | null = null;
  if (cursor) {
    const [at, kind, id] = decodeCursor(cursor, ZTimelineCursor);
    // 'inquiry' sorts above 'event' at the same instant (descending kind).
    if (kind === 'inquiry') {
      eventsAfter = sql<SqlBool>`a.event_date <= ${at}::timestamptz`;
      inquiriesAfter = sql<SqlBool>`(i.created_at, i.inquiry_id) < (${at}::timestamptz, ${id}::uuid)`;
    } else {
      eventsAfter = sql<SqlBool>`(a.event_date, a.analytic_id) < (${at}::timestamptz, ${id}::uuid)`;
      inquiriesAfter = sql<SqlBool>`i.created_at < ${at}::timestamptz`;
    }
  }
  // Each side is one page of its own index, in the merged order's terms; one statement merges them.
  const nullText = sql<string | null>`null::text`;
  const events = db(em)
    .selectFrom('lead_analytics as a')
    .select([
      sql.lit('event').as('kind'), 'a.analytic_id as id', 'a.event_date as at', timeKey('a.event_date').as('at_key'),
      'a.event_type', 'a.event_value', 'a.listing_ref', 'a.page_url', nullText.as('message'), nullText.as('source'),
    ])
    .where('a.lead_id', '=', leadId)
    .$if(eventsAfter !== null, (q) => q.where(eventsAfter!))
    .orderBy('a.event_date', 'desc')
    .orderBy('a.analytic_id', 'desc')
    .limit(limit + 1);
  const inquiries = db(em)
    .selectFrom('inquiries as i')
    .select([
      sql.lit('inquiry').as('kind'), 'i.inquiry_id as id', 'i.created_at as at', timeKey('i.created_at').as('at_key'),
      nullText.as('event_type'), nullText.as('event_value'), 'i.listing_ref', 'i.page_url', 'i.message', sql<string>`i.source::text`.as('source'),
    ])
    .where('i.lead_id', '=', leadId)
    .$if(inquiriesAfter !== null, (q) => q.where(inquiriesAfter!))
    .orderBy('i.created_at', 'desc')
    .orderBy('i.inquiry_id', 'desc')
    .limit(limit + 1);
  const { rows } = await sql<Row>`
    select * from (${events} union all ${inquiries}) as t
    order by t.at desc, t.kind desc, t.id desc
    limit ${limit + 1}`.execute(db(em));
  return toKeysetPage(
    rows,
    limit,
    (r) => ({
      kind: r.kind,
      id: r.id,
      at: pgTimeToIsoStrict(r.at),
      eventType: r.event_type,
      eventValue: r.event_value,
      listingRef: r.listing_ref,
      pageUrl: r.page_url,
      message: r.message,
      source: r.source,
    }),
    (last) => [last.at_key, last.kind, last.id],
  );
}
