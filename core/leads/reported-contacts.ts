import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import { notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import type { ReportedContactSource } from '../shared/enums.ts';
import type { ReportedDetail } from './find-or-create-lead.ts';
import { getLeadRow, updateLead } from './leads.ts';
import type { LeadJson } from './lead-schemas.ts';
import type { ReportedContactJson } from './reported-contact-schemas.ts';

// Contact details that unauthenticated submissions (the public form, `identify` events) reported
// for a lead that already existed. They are kept beside the lead, never written into it
// (docs/lead-poisoning.md); the realtor sees them and may adopt one.

/** Longest stored value: the column's width (names are ≤ 255 already; this is a guard). */
const VALUE_MAX_CHARS = 255;

/**
 * Most reported values kept per lead. A stranger can post a new phone every time; past this, new
 * values are not stored (the inquiry is still flagged unverified) and known ones still count.
 */
export const MAX_REPORTED_CONTACTS_PER_LEAD = 50;

/**
 * Records what a submission reported for an existing lead, in the caller's transaction: one row
 * per (lead, kind, value), a repeat refreshing `last_reported_at`, the latest inquiry and visitor,
 * and counting (at most MAX_REPORTED_CONTACTS_PER_LEAD values per lead). Scoped by the owning
 * account the site resolved to (public paths carry no Tenant).
 */
export async function recordReportedContacts(em: EntityManager, r: {
  userId: string;
  leadId: string;
  siteId: string | null;
  source: ReportedContactSource;
  inquiryId?: string | null;
  visitorId?: string | null;
  details: readonly ReportedDetail[];
  now: Date;
}): Promise<void> {
  if (!r.details.length) return;
  const { n } = await db(em)
    .selectFrom((eb) => eb.selectFrom('lead_reported_contacts').select(sql<number>`1`.as('one')).where('lead_id', '=', r.leadId).limit(MAX_REPORTED_CONTACTS_PER_LEAD).as('kept'))
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  if (n >= MAX_REPORTED_CONTACTS_PER_LEAD) {
    for (const d of r.details) {
      await db(em)
        .updateTable('lead_reported_contacts')
        .set({ last_reported_at: sql`greatest(last_reported_at, ${r.now.toISOString()}::timestamptz)`, report_count: sql`report_count + 1` })
        .where('lead_id', '=', r.leadId)
        .where('kind', '=', d.kind)
        .where('value', '=', d.value.slice(0, VALUE_MAX_CHARS))
        .execute();
    }
    return;
  }
  await db(em)
    .insertInto('lead_reported_contacts')
    .values(r.details.map((d) => ({
      reported_contact_id: sql<string>`gen_random_uuid()`, user_id: r.userId, lead_id: r.leadId, kind: d.kind, value: d.value.slice(0, VALUE_MAX_CHARS),
      source: r.source, inquiry_id: r.inquiryId ?? null, visitor_id: r.visitorId ?? null, site_id: r.siteId, reported_at: r.now, last_reported_at: r.now, report_count: 1, adopted_at: null,
    })))
    .onConflict((oc) => oc.columns(['lead_id', 'kind', 'value']).doUpdateSet({
      last_reported_at: sql`greatest(lead_reported_contacts.last_reported_at, excluded.last_reported_at)`,
      report_count: sql`lead_reported_contacts.report_count + 1`,
      source: sql`excluded.source`,
      inquiry_id: sql`coalesce(excluded.inquiry_id, lead_reported_contacts.inquiry_id)`,
      visitor_id: sql`coalesce(excluded.visitor_id, lead_reported_contacts.visitor_id)`,
    }))
    .execute();
}

const COLUMNS = ['reported_contact_id', 'lead_id', 'kind', 'value', 'source', 'inquiry_id', 'visitor_id', 'site_id', 'reported_at', 'last_reported_at', 'report_count', 'adopted_at'] as const;

type Row = {
  reported_contact_id: string; lead_id: string; kind: ReportedContactJson['kind']; value: string; source: ReportedContactJson['source'];
  inquiry_id: string | null; visitor_id: string | null; site_id: string | null; reported_at: string | Date; last_reported_at: string | Date; report_count: number; adopted_at: string | Date | null;
};

function toJson(r: Row): ReportedContactJson {
  return {
    reportedContactId: r.reported_contact_id, leadId: r.lead_id, kind: r.kind, value: r.value, source: r.source,
    inquiryId: r.inquiry_id, visitorId: r.visitor_id, siteId: r.site_id, reportedAt: pgTimeToIsoStrict(r.reported_at),
    lastReportedAt: pgTimeToIsoStrict(r.last_reported_at), reportCount: Number(r.report_count), adoptedAt: pgTimeToIso(r.adopted_at),
  };
}

/** At most this many are listed per lead (newest first); a lead collects few. */
export const REPORTED_CONTACTS_LIST_MAX = 100;

/** `GET /v1/leads/:id/reported-contacts`: what the form reported for the lead, newest report first. */
export async function listReportedContacts({ em, tenant, leadId }: { em: EntityManager; tenant: Tenant; leadId: string }): Promise<{ items: ReportedContactJson[] }> {
  await getLeadRow(em, tenant, leadId);
  const rows = await db(em)
    .selectFrom('lead_reported_contacts')
    .select(COLUMNS)
    .where('lead_id', '=', leadId)
    .where(ownedBy(tenant))
    .orderBy('last_reported_at', 'desc')
    .orderBy('reported_contact_id', 'desc')
    .limit(REPORTED_CONTACTS_LIST_MAX)
    .execute();
  return { items: (rows as Row[]).map(toJson) };
}

async function getReportedRow(em: EntityManager, tenant: Tenant, reportedContactId: string): Promise<Row> {
  const row = await db(em)
    .selectFrom('lead_reported_contacts')
    .select(COLUMNS)
    .where('reported_contact_id', '=', reportedContactId)
    .where(ownedBy(tenant))
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Reported contact');
  return row as Row;
}

/**
 * `POST /v1/reported-contacts/:id/adopt`: the realtor makes a reported detail the lead's own (its
 * email, phone or name), through the same path as editing the lead (409 when another lead holds
 * the email or phone; `lead.updated` announced), and marks the report adopted.
 */
export async function adoptReportedContact({ em, tenant, reportedContactId, now, config }: {
  em: EntityManager; tenant: Tenant; reportedContactId: string; now: Date; config: Config;
}): Promise<{ lead: LeadJson; reportedContact: ReportedContactJson; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    const row = await getReportedRow(tem as EntityManager, tenant, reportedContactId);
    const { lead, wakeups } = await updateLead({ em: tem as EntityManager, tenant, leadId: row.lead_id, input: { [row.kind]: row.value }, now, config });
    const updated = await db(tem as EntityManager)
      .updateTable('lead_reported_contacts')
      .set({ adopted_at: now })
      .where('reported_contact_id', '=', reportedContactId)
      .where(ownedBy(tenant))
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return { lead, reportedContact: toJson(updated as Row), wakeups };
  });
}

/** `DELETE /v1/reported-contacts/:id`: the realtor dismisses a report (the lead is unchanged). */
export async function dismissReportedContact({ em, tenant, reportedContactId }: { em: EntityManager; tenant: Tenant; reportedContactId: string }): Promise<void> {
  const res = await db(em).deleteFrom('lead_reported_contacts').where('reported_contact_id', '=', reportedContactId).where(ownedBy(tenant)).executeTakeFirst();
  if (!Number(res.numDeletedRows)) throw notFound('Reported contact');
}
