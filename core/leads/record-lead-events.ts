import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordOutboundEvent, recordOutboundEvents } from '../outbound/record-outbound-event.ts';

/**
 * The lead and inquiry events, announced through `recordOutboundEvent` in the transaction of
 * the change (call after the change's own statements). Payloads are the catalogue's thin shapes
 * (core/webhooks/event-types.ts): ids and the fields that matter, read back from the rows just
 * written so the event says exactly what was stored.
 */

interface EventContext {
  em: EntityManager;
  now: Date;
  config: Config;
}

/** The columns `lead.created` announces (read back from the row written). */
export interface CreatedLeadRow {
  lead_id: string;
  site_id: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  contact_info: string | null;
  status: string;
  score: number;
  score_band: string;
  created_at: string | Date;
}

function leadCreatedData(lead: CreatedLeadRow): Record<string, unknown> {
  return {
    leadId: lead.lead_id, siteId: lead.site_id, name: lead.name, email: lead.email, phone: lead.phone, contactInfo: lead.contact_info,
    status: lead.status, score: lead.score, band: lead.score_band, createdAt: pgTimeToIsoStrict(lead.created_at),
  };
}

/** `lead.created` for a lead this transaction created (widget inquiry, `POST /v1/leads`). */
export async function recordLeadCreated({ em, now, config, leadId }: EventContext & { leadId: string }): Promise<Wakeup[]> {
  const lead = await db(em)
    .selectFrom('leads')
    .select(['lead_id', 'user_id', 'site_id', 'name', 'email', 'phone', 'contact_info', 'status', 'score', 'score_band', 'created_at'])
    .where('lead_id', '=', leadId)
    .executeTakeFirstOrThrow();
  return recordOutboundEvent({ em, now, config, userId: lead.user_id, leadId, type: 'lead.created', data: leadCreatedData(lead) });
}

/** `lead.created` for each of `userId`'s leads this transaction created in one go (a CSV import), as `recordLeadCreated` announces one. */
export async function recordLeadsCreated({ em, now, config, userId, leads }: EventContext & { userId: string; leads: readonly CreatedLeadRow[] }): Promise<Wakeup[]> {
  if (!leads.length) return [];
  return recordOutboundEvents({ em, now, config, userId, type: 'lead.created', events: leads.map((lead) => ({ leadId: lead.lead_id, data: leadCreatedData(lead) })) });
}

export type LeadUpdatedField = 'name' | 'email' | 'phone' | 'contactInfo' | 'status';
// contactInfo too: a realtor may write their own contact line ("office: 555-…, after 6 pm"),
// which a CRM keeping contact details in step wants; a generated one changes with email/phone.
const UPDATED_FIELDS: readonly LeadUpdatedField[] = ['name', 'email', 'phone', 'contactInfo', 'status'];

/** `lead.updated` with the fields whose values changed (nothing when none did). */
export async function recordLeadUpdated({ em, now, config, userId, leadId, before, after }: EventContext & {
  userId: string;
  leadId: string;
  before: Record<LeadUpdatedField, string | null>;
  after: Record<LeadUpdatedField, string | null>;
}): Promise<Wakeup[]> {
  const changed = UPDATED_FIELDS.filter((f) => before[f] !== after[f]);
  if (changed.length === 0) return [];
  return recordOutboundEvent({
    em, now, config, userId, leadId, type: 'lead.updated',
    data: { leadId, changed, lead: Object.fromEntries(changed.map((f) => [f, after[f]])), updatedAt: now.toISOString() },
  });
}

/** `lead.updated` with `changed: ['stage']` for each lead a pipeline move took to `stage` (in the move's transaction). */
export async function recordLeadsStageChanged({ em, now, config, userId, leadIds, stage }: EventContext & {
  userId: string;
  leadIds: readonly string[];
  stage: { stage_id: string; key: string; label: string };
}): Promise<Wakeup[]> {
  const lead = { stage: { stageId: stage.stage_id, key: stage.key, label: stage.label } };
  return recordOutboundEvents({
    em, now, config, userId, type: 'lead.updated',
    events: leadIds.map((leadId) => ({ leadId, data: { leadId, changed: ['stage'], lead, updatedAt: now.toISOString() } })),
  });
}

/** `lead.deleted`: written without a lead reference, so it outlives the erasure it announces. */
export async function recordLeadDeleted({ em, now, config, userId, leadId }: EventContext & { userId: string; leadId: string }): Promise<Wakeup[]> {
  return recordOutboundEvent({ em, now, config, userId, leadId: null, type: 'lead.deleted', data: { leadId } });
}

/** `lead.deleted` for each of `userId`'s leads erased together (an import undone). */
export async function recordLeadsDeleted({ em, now, config, userId, leadIds }: EventContext & { userId: string; leadIds: readonly string[] }): Promise<Wakeup[]> {
  if (!leadIds.length) return [];
  return recordOutboundEvents({ em, now, config, userId, type: 'lead.deleted', events: leadIds.map((leadId) => ({ leadId: null, data: { leadId } })) });
}

/** `inquiry.created` for an inquiry this transaction stored (widget, manual, API). */
export async function recordInquiryCreated({ em, now, config, inquiryId }: EventContext & { inquiryId: string }): Promise<Wakeup[]> {
  const row = await db(em)
    .selectFrom('inquiries as i')
    .innerJoin('leads as l', 'l.lead_id', 'i.lead_id')
    .select(['i.inquiry_id', 'i.lead_id', 'i.site_id', 'i.source', 'i.message', 'i.listing_ref', 'i.page_url', 'i.created_at', 'i.unverified', 'l.user_id'])
    .where('i.inquiry_id', '=', inquiryId)
    .executeTakeFirstOrThrow();
  return recordOutboundEvent({
    em, now, config, userId: row.user_id, leadId: row.lead_id, type: 'inquiry.created',
    data: {
      inquiryId, leadId: row.lead_id, siteId: row.site_id, source: row.source, message: row.message,
      listingRef: row.listing_ref, pageUrl: row.page_url, createdAt: pgTimeToIsoStrict(row.created_at), unverified: row.unverified,
    },
  });
}
