import type { EntityManager } from '@mikro-orm/postgresql';
import type { Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import { AppError, notFound } from '../errors.ts';
import { formatContactInfo } from './find-or-create-lead.ts';
import { LEAD_SELECT, type LeadRow, toLeadJson } from './lead-json.ts';
import type { CreateLeadBody, LeadJson, UpdateLeadBody } from './lead-schemas.ts';

// A realtor's own leads: create by hand, read, update, erase. Every statement filters by
// `tenant.userId`; another user's lead id is simply not found.

const UNIQUE_VIOLATION = '23505';

/** The tenant's lead, or 404 (also for other users' ids). `forUpdate` locks the row for the caller's transaction. */
export async function getLeadRow(em: EntityManager, tenant: Tenant, leadId: string, opts: { forUpdate?: boolean } = {}): Promise<LeadRow> {
  const row = await execRaw<LeadRow>(
    em,
    `select ${LEAD_SELECT} from leads l where l.lead_id = ? and l.user_id = ?${opts.forUpdate ? ' for update' : ''}`,
    [leadId, tenant.userId],
    'get',
  );
  if (!row) throw notFound('Lead');
  return row;
}

export async function getLead({ em, tenant, leadId }: { em: EntityManager; tenant: Tenant; leadId: string }): Promise<LeadJson> {
  return toLeadJson(await getLeadRow(em, tenant, leadId));
}

/** Throws 404 unless the site is the tenant's. */
export async function assertOwnSite(em: EntityManager, tenant: Tenant, siteId: string): Promise<void> {
  const site = await execRaw(em, 'select 1 as ok from sites where site_id = ? and user_id = ?', [siteId, tenant.userId], 'get');
  if (!site) throw notFound('Site');
}

/** 409 with the lead that already holds the email or phone, if any does. */
async function assertContactFree(em: EntityManager, tenant: Tenant, c: { email?: string | null; phone?: string | null }, exceptLeadId?: string): Promise<void> {
  const details: Array<{ path: string; message: string; leadId: string }> = [];
  for (const field of ['email', 'phone'] as const) {
    const value = c[field];
    if (!value) continue;
    const holder = await execRaw<{ lead_id: string }>(
      em,
      `select lead_id from leads where user_id = ? and ${field} = ? and lead_id <> ?`,
      [tenant.userId, value, exceptLeadId ?? '00000000-0000-0000-0000-000000000000'],
      'get',
    );
    if (holder) details.push({ path: field, message: `Another lead already has this ${field === 'email' ? 'email address' : 'phone number'}`, leadId: holder.lead_id });
  }
  if (details.length) throw new AppError('conflict', 'A lead with this contact already exists', details);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === UNIQUE_VIOLATION || e?.cause?.code === UNIQUE_VIOLATION || (e as { name?: string } | null)?.name === 'UniqueConstraintViolationException';
}

/**
 * `POST /v1/leads`: a plain insert (the realtor decides who is who, so no merging): a duplicate
 * email or phone is a 409 naming the existing lead, also when a concurrent insert wins the race.
 */
export async function createLead({ em, tenant, input, now }: { em: EntityManager; tenant: Tenant; input: CreateLeadBody; now: Date }): Promise<LeadJson> {
  return em.transactional(async (tem) => {
    if (input.siteId) await assertOwnSite(tem, tenant, input.siteId);
    await assertContactFree(tem, tenant, input);
    const rows = await execRaw<LeadRow>(
      tem,
      `insert into leads as l (lead_id, user_id, site_id, name, email, phone, contact_info, status, score, score_band, needs_rescore, created_at, updated_at)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, 0, 'cold', false, ?, ?)
       on conflict do nothing
       returning ${LEAD_SELECT}`,
      [
        tenant.userId, input.siteId ?? null, input.name ?? null, input.email ?? null, input.phone ?? null,
        input.contactInfo ?? formatContactInfo(input.email, input.phone), input.status ?? 'new', now, now,
      ],
      'all',
    );
    if (!rows.length) {
      // Lost a race to a concurrent insert with the same email or phone: it has committed by now.
      await assertContactFree(tem, tenant, input);
      throw new AppError('conflict', 'A lead with this contact already exists');
    }
    return toLeadJson(rows[0]);
  });
}

/** `PATCH /v1/leads/:id`. Keeps a generated `contact_info` in step with email and phone. */
export async function updateLead({ em, tenant, leadId, input, now }: { em: EntityManager; tenant: Tenant; leadId: string; input: UpdateLeadBody; now: Date }): Promise<LeadJson> {
  try {
    return await em.transactional(async (tem) => {
      const current = await getLeadRow(tem, tenant, leadId, { forUpdate: true });
      const next = {
        name: input.name !== undefined ? input.name : current.name,
        email: input.email !== undefined ? input.email : current.email,
        phone: input.phone !== undefined ? input.phone : current.phone,
        status: input.status ?? current.status,
        contactInfo: input.contactInfo !== undefined ? input.contactInfo : current.contact_info,
      };
      if (!next.name && !next.email && !next.phone) {
        throw new AppError('validation_failed', 'The request is not valid', [{ path: 'name', message: 'A lead needs at least a name, an email address or a phone number' }]);
      }
      const generated = current.contact_info === null || current.contact_info === formatContactInfo(current.email, current.phone);
      if (input.contactInfo === undefined && generated) next.contactInfo = formatContactInfo(next.email, next.phone);
      await assertContactFree(tem, tenant, { email: next.email !== current.email ? next.email : null, phone: next.phone !== current.phone ? next.phone : null }, leadId);
      const row = await execRaw<LeadRow>(
        tem,
        `update leads as l set name = ?, email = ?, phone = ?, status = ?, contact_info = ?, updated_at = ?
         where l.lead_id = ? and l.user_id = ?
         returning ${LEAD_SELECT}`,
        [next.name, next.email, next.phone, next.status, next.contactInfo, now, leadId, tenant.userId],
        'get',
      );
      return toLeadJson(row!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'A lead with this contact already exists');
    throw err;
  }
}

export interface DeleteLeadResult {
  events: number;
  visitors: number;
  messages: number;
}

/**
 * `DELETE /v1/leads/:id` — erasure for privacy requests, in one transaction:
 * the lead's visitors' events that are not another lead's (anonymous ones not yet stitched too),
 * the visitor rows themselves (the browser ids that linked the person), outbox messages that
 * carry the lead's contact data, then the lead; inquiries, its events and reminders go by FK cascade.
 */
export async function deleteLead({ em, tenant, leadId }: { em: EntityManager; tenant: Tenant; leadId: string }): Promise<DeleteLeadResult> {
  return em.transactional(async (tem) => {
    await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const events = await execRaw(
      tem,
      `delete from lead_analytics a using visitors v
       where v.lead_id = ? and a.site_id = v.site_id and a.visitor_id = v.visitor_id and (a.lead_id is null or a.lead_id = v.lead_id)`,
      [leadId],
      'run',
    );
    const visitors = await execRaw(tem, 'delete from visitors where lead_id = ?', [leadId], 'run');
    const messages = await execRaw(tem, `delete from webhook_messages where user_id = ? and payload -> 'lead' ->> 'leadId' = ?`, [tenant.userId, leadId], 'run');
    await execRaw(tem, 'delete from leads where lead_id = ? and user_id = ?', [leadId, tenant.userId], 'run');
    return { events: events.affectedRows, visitors: visitors.affectedRows, messages: messages.affectedRows };
  });
}
