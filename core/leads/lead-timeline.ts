import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import { decodeCursor, encodeCursor, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import type { TimelineItem } from './lead-schemas.ts';
import { getLeadRow } from './leads.ts';
import { pgTimeToIsoStrict, sqlTimeKey } from '../db/pg-values.ts';

const ZTimelineCursor = z.tuple([ZTimeKey, z.enum(['event', 'inquiry']), ZUuidKey]);

interface Row {
  kind: 'event' | 'inquiry';
  id: string;
  at: string;
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
 * descending — a total order, so the cursor (the last item's triple) never repeats or skips an
 * item even when many share a timestamp. Each side is an index range scan limited to one page
 * (lead_analytics_lead_date_index, inquiries_lead_created_index), then merged: the cost of a
 * page does not grow with the history.
 */
export async function getLeadTimeline({ em, tenant, leadId, cursor, limit }: {
  em: EntityManager;
  tenant: Tenant;
  leadId: string;
  cursor?: string | null;
  limit: number;
}): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  await getLeadRow(em, tenant, leadId);
  let eventAfter = '';
  let inquiryAfter = '';
  const eventParams: unknown[] = [];
  const inquiryParams: unknown[] = [];
  if (cursor) {
    const [at, kind, id] = decodeCursor(cursor, ZTimelineCursor);
    // 'inquiry' sorts above 'event' at the same instant (descending kind).
    if (kind === 'inquiry') {
      eventAfter = 'and a.event_date <= ?::timestamptz';
      eventParams.push(at);
      inquiryAfter = 'and (i.created_at, i.inquiry_id) < (?::timestamptz, ?::uuid)';
      inquiryParams.push(at, id);
    } else {
      eventAfter = 'and (a.event_date, a.analytic_id) < (?::timestamptz, ?::uuid)';
      eventParams.push(at, id);
      inquiryAfter = 'and i.created_at < ?::timestamptz';
      inquiryParams.push(at);
    }
  }
  const rows = await execRaw<Row>(
    em,
    `select * from (
       (select 'event' as kind, a.analytic_id as id, a.event_date as at, ${sqlTimeKey('a.event_date')} as at_key,
               a.event_type, a.event_value, a.listing_ref, a.page_url, null::text as message, null::text as source
        from lead_analytics a where a.lead_id = ? ${eventAfter}
        order by a.event_date desc, a.analytic_id desc limit ?)
       union all
       (select 'inquiry', i.inquiry_id, i.created_at, ${sqlTimeKey('i.created_at')},
               null, null, i.listing_ref, i.page_url, i.message, i.source::text
        from inquiries i where i.lead_id = ? ${inquiryAfter}
        order by i.created_at desc, i.inquiry_id desc limit ?)
     ) t
     order by t.at desc, t.kind desc, t.id desc
     limit ?`,
    [leadId, ...eventParams, limit + 1, leadId, ...inquiryParams, limit + 1, limit + 1],
    'all',
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      kind: r.kind,
      id: r.id,
      at: pgTimeToIsoStrict(r.at),
      eventType: r.event_type,
      eventValue: r.event_value,
      listingRef: r.listing_ref,
      pageUrl: r.page_url,
      message: r.message,
      source: r.source,
    })),
    nextCursor: more && last ? encodeCursor([last.at_key, last.kind, last.id]) : null,
  };
}
