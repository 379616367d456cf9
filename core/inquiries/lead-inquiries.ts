import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import { recordInquiryCreated } from '../leads/record-lead-events.ts';
import { z } from 'zod';
import type { Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import type { Queues } from '../jobs/queues.ts';
import { decodeCursor, encodeCursor, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { pgTimeToIsoStrict, sqlTimeKey } from '../db/pg-values.ts';
import { enqueueAfterCommit } from '../jobs/wakeup.ts';
import { getLeadRow } from '../leads/leads.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import type { Logger } from '../logger.ts';
import type { AddInquiryBody, InquiryJson } from './lead-inquiry-schemas.ts';

interface Row {
  inquiry_id: string;
  lead_id: string;
  message: string;
  listing_ref: string | null;
  page_url: string | null;
  source: InquiryJson['source'];
  site_id: string | null;
  created_at: string;
  cursor_key: string;
}

const SELECT = `i.inquiry_id, i.lead_id, i.message, i.listing_ref, i.page_url, i.source, i.site_id, i.created_at, ${sqlTimeKey('i.created_at')} as cursor_key`;

function toInquiryJson(r: Row): InquiryJson {
  return {
    inquiryId: r.inquiry_id,
    leadId: r.lead_id,
    message: r.message,
    listingRef: r.listing_ref,
    pageUrl: r.page_url,
    source: r.source,
    siteId: r.site_id,
    createdAt: pgTimeToIsoStrict(r.created_at),
  };
}

const ZInquiryCursor = z.tuple([ZTimeKey, ZUuidKey]);

/** `GET /v1/leads/:id/inquiries`: the lead's inquiries, newest first, keyset paginated. */
export async function listLeadInquiries({ em, tenant, leadId, cursor, limit }: {
  em: EntityManager;
  tenant: Tenant;
  leadId: string;
  cursor?: string | null;
  limit: number;
}): Promise<{ items: InquiryJson[]; nextCursor: string | null }> {
  await getLeadRow(em, tenant, leadId);
  const params: unknown[] = [leadId];
  let after = '';
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ZInquiryCursor);
    after = 'and (i.created_at, i.inquiry_id) < (?::timestamptz, ?::uuid)';
    params.push(at, id);
  }
  const rows = await execRaw<Row>(
    em,
    `select ${SELECT} from inquiries i where i.lead_id = ? ${after} order by i.created_at desc, i.inquiry_id desc limit ?`,
    [...params, limit + 1],
    'all',
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { items: page.map(toInquiryJson), nextCursor: more && last ? encodeCursor([last.cursor_key, last.inquiry_id]) : null };
}

/**
 * `POST /v1/leads/:id/inquiries`: records an inquiry by hand (`source` manual, no site: it did
 * not come through a website) and flags the lead for rescoring in the same transaction; the
 * scoring job is enqueued after the commit (best-effort — the sweeper covers a lost one).
 */
export async function addManualInquiry({ em, queues, tenant, leadId, input, now, log, config }: {
  em: EntityManager;
  /** For the outbound event (`inquiry.created`). */
  config: Config;
  queues: Queues;
  tenant: Tenant;
  leadId: string;
  input: AddInquiryBody;
  now: Date;
  log: Logger;
}): Promise<InquiryJson> {
  const { inquiry, wakeups } = await em.transactional(async (tem) => {
    await getLeadRow(tem, tenant, leadId);
    const row = await execRaw<Row>(
      tem,
      `insert into inquiries as i (inquiry_id, lead_id, message, created_at, site_id, source, listing_ref, page_url, client_event_id)
       values (gen_random_uuid(), ?, ?, ?, null, 'manual', ?, null, null)
       returning ${SELECT}`,
      [leadId, input.message, now, input.listingRef ?? null],
      'get',
    );
    const wakeups = await markLeadsForRescore(tem, [leadId], now);
    wakeups.push(...(await recordInquiryCreated({ em: tem, now, config, inquiryId: row!.inquiry_id })));
    return { inquiry: toInquiryJson(row!), wakeups };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return inquiry;
}
