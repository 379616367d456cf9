import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type SqlBool } from 'kysely';
import type { Config } from '../config.ts';
import { recordInquiryCreated } from '../leads/record-lead-events.ts';
import { z } from 'zod';
import { ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Queues } from '../jobs/queues.ts';
import { cursorScope, decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict, timeKey } from '../db/pg-values.ts';
import { enqueueAfterCommit } from '../jobs/wakeup.ts';
import { getLeadRow } from '../leads/leads.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import { recordAutoReminder } from '../reminders/record-auto-reminder.ts';
import type { Logger } from '../logger.ts';
import type { AddInquiryBody, InquiryJson } from './lead-inquiry-schemas.ts';

const COLUMNS = ['inquiry_id', 'lead_id', 'message', 'listing_ref', 'page_url', 'source', 'site_id', 'created_at', 'unverified', 'consent_text', 'consent_version', 'consent_at'] as const;

interface Row {
  inquiry_id: string;
  lead_id: string;
  message: string;
  listing_ref: string | null;
  page_url: string | null;
  source: InquiryJson['source'];
  site_id: string | null;
  created_at: string;
  unverified: boolean;
  consent_text: string | null;
  consent_version: string | null;
  consent_at: string | null;
}

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
    unverified: r.unverified,
    consent: r.consent_at ? { text: r.consent_text, version: r.consent_version, at: pgTimeToIsoStrict(r.consent_at) } : null,
  };
}

const ZInquiryCursor = z.tuple([ZTimeKey, ZUuidKey]);

/** `GET /v1/leads/:id/inquiries`: the lead's inquiries, newest first, keyset paginated. */
export async function listLeadInquiries({ em, tenant, leadId, cursor, limit }: { em: EntityManager; tenant: Tenant; leadId: string } & KeysetPageArgs): Promise<KeysetPage<InquiryJson>> {
  await getLeadRow(em, tenant, leadId);
  let query = db(em)
    .selectFrom('inquiries')
    .select([...COLUMNS, timeKey('created_at').as('cursor_key')])
    .where('lead_id', '=', leadId)
    .orderBy('created_at', 'desc')
    .orderBy('inquiry_id', 'desc')
    .limit(limit + 1);
  if (cursor) {
    const [at, id] = decodeCursor(cursor, ZInquiryCursor, cursorScope('inquiries', leadId));
    query = query.where(sql<SqlBool>`(created_at, inquiry_id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  return toKeysetPage(await query.execute(), limit, toInquiryJson, (last) => [last.cursor_key, last.inquiry_id], cursorScope('inquiries', leadId));
}

/**
 * `POST /v1/leads/:id/inquiries`: adds an inquiry to an existing lead from outside the website
 * forms (no site) and flags the lead for rescoring in the same transaction; the scoring job is
 * enqueued after the commit (best-effort — the sweeper covers a lost one). `source` says who added
 * it: `manual` (the default) when the realtor entered it by hand (a session: they were in touch,
 * which also answers an unanswered-inquiry reminder), `api` when an integration pushed it with an
 * API key (a portal or CRM forwarding the person's request: nobody has answered it yet, so it also
 * starts the unanswered-inquiry reminder, as a form's inquiry does).
 */
export async function addLeadInquiry({ em, queues, tenant, leadId, input, now, log, config, source = 'manual' }: {
  em: EntityManager;
  /** For the outbound event (`inquiry.created`). */
  config: Config;
  queues: Queues;
  tenant: Tenant;
  leadId: string;
  input: AddInquiryBody;
  now: Date;
  log: Logger;
  source?: 'manual' | 'api';
}): Promise<InquiryJson> {
  const { inquiry, wakeups } = await em.transactional(async (tem) => {
    // Locked, not just read: a concurrent DELETE of the lead holds this row until it commits, and
    // the insert's foreign-key check would then fail (23503, a 500); this way the lead is gone (404).
    await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const row = await db(tem)
      .insertInto('inquiries')
      .values({
        inquiry_id: sql`gen_random_uuid()`, lead_id: leadId, message: input.message, created_at: now, site_id: null,
        source, listing_ref: input.listingRef ?? null, page_url: null, client_event_id: null,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    const wakeups = await markLeadsForRescore(tem, [leadId], now);
    wakeups.push(...(await recordInquiryCreated({ em: tem, now, config, inquiryId: row.inquiry_id })));
    // A forwarded request waits for an answer like a form's: "Inquiry unanswered for 24 h" (if on).
    if (source === 'api') wakeups.push(...((await recordAutoReminder(tem, { rule: 'inquiry_unanswered', leadId, userId: ownerIdOf(tenant), now }))?.wakeups ?? []));
    return { inquiry: toInquiryJson(row), wakeups };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return inquiry;
}
