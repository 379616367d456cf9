import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { recordActivity } from '../activities/record-activity.ts';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { AppError, notFound } from '../errors.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { formatContactInfo } from './find-or-create-lead.ts';
import { LEAD_COLUMNS, leadFollowUpColumns, type LeadRow, NO_FOLLOW_UPS, toLeadJson } from './lead-json.ts';
import type { CreateLeadBody, LeadJson, UpdateLeadBody } from './lead-schemas.ts';
import { recordLeadCreated, recordLeadDeleted, recordLeadUpdated } from './record-lead-events.ts';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';

// A realtor's own leads: create by hand, read, update, erase. Every statement is scoped with
// `ownedBy(tenant)`; another account's lead id is simply not found.

/** The tenant's lead, or 404 (also for other users' ids). `forUpdate` locks the row for the caller's transaction. */
export async function getLeadRow(em: EntityManager, tenant: Tenant, leadId: string, opts: { forUpdate?: boolean } = {}): Promise<LeadRow> {
  let query = db(em).selectFrom('leads').select(LEAD_COLUMNS).select(leadFollowUpColumns('leads.lead_id')).where('lead_id', '=', leadId).where(ownedBy(tenant));
  if (opts.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Lead');
  return row;
}

export async function getLead({ em, tenant, leadId }: { em: EntityManager; tenant: Tenant; leadId: string }): Promise<LeadJson> {
  return toLeadJson(await getLeadRow(em, tenant, leadId));
}

/** 409 with the lead that already holds the email or phone, if any does. */
async function assertContactFree(em: EntityManager, tenant: Tenant, c: { email?: string | null; phone?: string | null }, exceptLeadId?: string): Promise<void> {
  const details: Array<{ path: string; message: string; leadId: string }> = [];
  for (const field of ['email', 'phone'] as const) {
    const value = c[field];
    if (!value) continue;
    let query = db(em).selectFrom('leads').select('lead_id').where(ownedBy(tenant)).where(field, '=', value);
    if (exceptLeadId) query = query.where('lead_id', '<>', exceptLeadId);
    const holder = await query.limit(1).executeTakeFirst();
    if (holder) details.push({ path: field, message: `Another lead already has this ${field === 'email' ? 'email address' : 'phone number'}`, leadId: holder.lead_id });
  }
  if (details.length) throw new AppError('conflict', 'A lead with this contact already exists', details);
}

/**
 * `POST /v1/leads`: a plain insert (the realtor decides who is who, so no merging): a duplicate
 * email or phone is a 409 naming the existing lead, also when a concurrent insert wins the race.
 */
export async function createLead({ em, tenant, input, now, config }: { em: EntityManager; tenant: Tenant; input: CreateLeadBody; now: Date; config: Config }): Promise<{ lead: LeadJson; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    if (input.siteId) await assertOwnSite({ em: tem, tenant, siteId: input.siteId });
    await assertContactFree(tem, tenant, input);
    const row = await db(tem)
      .insertInto('leads')
      .values({
        lead_id: sql<string>`gen_random_uuid()`,
        user_id: ownerIdOf(tenant),
        site_id: input.siteId ?? null,
        name: input.name ?? null,
        email: input.email ?? null,
        phone: input.phone ?? null,
        contact_info: input.contactInfo ?? formatContactInfo(input.email, input.phone),
        status: input.status ?? 'new',
        score: 0,
        score_band: 'cold',
        needs_rescore: false,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning(LEAD_COLUMNS)
      .executeTakeFirst();
    if (!row) {
      // Lost a race to a concurrent insert with the same email or phone: it has committed by now.
      await assertContactFree(tem, tenant, input);
      throw new AppError('conflict', 'A lead with this contact already exists');
    }
    const wakeups = await recordLeadCreated({ em: tem, now, config, leadId: row.lead_id });
    return { lead: toLeadJson({ ...row, ...NO_FOLLOW_UPS }), wakeups };
  });
}

/** `PATCH /v1/leads/:id`. Keeps a generated `contact_info` in step with email and phone; clearing it regenerates it. */
export async function updateLead({ em, tenant, leadId, input, now, config }: {
  em: EntityManager; tenant: Tenant; leadId: string; input: UpdateLeadBody; now: Date; config: Config;
}): Promise<{ lead: LeadJson; wakeups: Wakeup[] }> {
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
      // Clearing contact_info (null or "") hands it back to the generated `email · phone`, at once:
      // a stored null next to an email would otherwise read as "generated" and be filled in by the
      // next unrelated PATCH, announced as a change nobody made. A generated one follows email and
      // phone only when one of them changes.
      const generated = current.contact_info === null || current.contact_info === formatContactInfo(current.email, current.phone);
      const contactChanged = next.email !== current.email || next.phone !== current.phone;
      if (input.contactInfo === null || (input.contactInfo === undefined && generated && contactChanged)) next.contactInfo = formatContactInfo(next.email, next.phone);
      await assertContactFree(tem, tenant, { email: next.email !== current.email ? next.email : null, phone: next.phone !== current.phone ? next.phone : null }, leadId);
      const row = await db(tem)
        .updateTable('leads')
        .set({ name: next.name, email: next.email, phone: next.phone, status: next.status, contact_info: next.contactInfo, updated_at: now })
        .where('lead_id', '=', leadId)
        .where(ownedBy(tenant))
        .returning(LEAD_COLUMNS)
        .executeTakeFirstOrThrow();
      if (row.status !== current.status) {
        await recordActivity(tem, {
          ownerId: ownerIdOf(tenant), leadId, actorUserId: actorIdOf(tenant), type: 'status_change', meta: { from: current.status, to: row.status }, occurredAt: now,
        });
      }
      const wakeups = await recordLeadUpdated({
        em: tem, now, config, userId: ownerIdOf(tenant), leadId,
        before: { name: current.name, email: current.email, phone: current.phone, contactInfo: current.contact_info, status: current.status },
        after: { name: row.name, email: row.email, phone: row.phone, contactInfo: row.contact_info, status: row.status },
      });
      return { lead: toLeadJson({ ...row, next_follow_up_at: current.next_follow_up_at }), wakeups };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'A lead with this contact already exists');
    throw err;
  }
}

export interface DeleteLeadResult {
  events: number;
  visitors: number;
  /** Submissions of the person that were held in the Filtered list. */
  heldInquiries: number;
  /** The `lead.deleted` announcement's wake-ups (its message outlives the lead). */
  wakeups: Wakeup[];
}

/**
 * `DELETE /v1/leads/:id` — erasure for privacy requests, in one transaction:
 * the person's submissions held in the Filtered list (no FK ties them to the lead: those with the
 * lead's email or phone, an email or phone reported for it, or sent from one of its visitor ids —
 * releasing one later would have recreated the lead), the lead's visitors' events that are not another lead's (anonymous ones
 * not yet stitched too), the visitor rows themselves (the browser ids that linked the person),
 * then the lead; inquiries, its events, reminders, reported contacts and webhook messages (with
 * their deliveries and attempts, which carry the lead's contact data) go by FK cascade. The
 * `lead.deleted` message announcing the erasure holds only the lead id and no reference to the
 * lead, so it survives to be delivered.
 */
export async function deleteLead({ em, tenant, leadId, now, config }: { em: EntityManager; tenant: Tenant; leadId: string; now: Date; config: Config }): Promise<DeleteLeadResult> {
  // Alone, retried when Postgres breaks a deadlock against it: a release of the person's held
  // submission locks the held row, the visitor, then the lead — the other way round from here —
  // and the erasure must not end in a 500 with nothing erased. Inside a caller's transaction (the
  // bulk delete) the caller retries the whole.
  const inTransaction = (fn: (tem: EntityManager) => Promise<DeleteLeadResult>) => (em.isInTransaction() ? em.transactional((tem) => fn(tem as EntityManager)) : transactionalWithRetry(em, fn));
  return inTransaction(async (tem) => {
    const lead = await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const erased = await eraseLeads(tem, tenant, [lead]);
    const wakeups = await recordLeadDeleted({ em: tem, now, config, userId: ownerIdOf(tenant), leadId });
    return { ...erased, wakeups };
  });
}

/** A lead as eraseLeads needs it: its id, and the contacts its held submissions are matched on. */
export interface ErasedLead {
  lead_id: string;
  email: string | null;
  phone: string | null;
}

/**
 * Erases `leads` (the tenant's, locked by the caller's transaction) as `deleteLead` describes, set-based
 * whatever their number (one for `DELETE /v1/leads/:id`, a whole CSV import for its undo): their held
 * submissions, their visitors' events that are no other lead's, the visitor rows, then the leads;
 * the rest goes by FK cascade. Announces nothing (the caller records `lead.deleted` if it should).
 */
export async function eraseLeads(tem: EntityManager, tenant: Tenant, leads: readonly ErasedLead[]): Promise<Omit<DeleteLeadResult, 'wakeups'>> {
  if (!leads.length) return { events: 0, visitors: 0, heldInquiries: 0 };
  const q = db(tem);
  const ids = sql`${leads.map((l) => l.lead_id)}::uuid[]`;
  const emails = leads.flatMap((l) => (l.email ? [l.email] : []));
  const phones = leads.flatMap((l) => (l.phone ? [l.phone] : []));
  // Before the visitor rows go: they name the browsers whose held submissions are the people's.
  // Held rows store email and phone normalised as the lead's columns are (lower-cased, E.164:
  // the same ZContactEmail/ZContactPhone parse), which is what a release would match them on.
  const held = await q
    .deleteFrom('filtered_inquiries as f')
    .where(ownedBy(tenant, 'f'))
    .where((eb) => eb.or([
      eb('f.email', '=', sql<string>`any(${emails}::varchar[])`),
      eb('f.phone', '=', sql<string>`any(${phones}::varchar[])`),
      eb.exists(eb.selectFrom('visitors as v').select(sql<number>`1`.as('one')).where('v.lead_id', '=', sql<string>`any(${ids})`).whereRef('v.site_id', '=', 'f.site_id').whereRef('v.visitor_id', '=', 'f.visitor_id')),
      // An email or phone the form reported for a lead (kept beside it, normalised the same way).
      eb.exists(eb.selectFrom('lead_reported_contacts as r').select(sql<number>`1`.as('one')).where('r.lead_id', '=', sql<string>`any(${ids})`).where((rb) => rb.or([
        rb.and([rb('r.kind', '=', 'email'), rb('r.value', '=', rb.ref('f.email'))]),
        rb.and([rb('r.kind', '=', 'phone'), rb('r.value', '=', rb.ref('f.phone'))]),
      ]))),
    ]))
    .executeTakeFirst();
  const events = await q
    .deleteFrom('lead_analytics as a')
    .using('visitors as v')
    .where('v.lead_id', '=', sql<string>`any(${ids})`)
    .whereRef('a.site_id', '=', 'v.site_id')
    .whereRef('a.visitor_id', '=', 'v.visitor_id')
    .where((eb) => eb.or([eb('a.lead_id', 'is', null), eb('a.lead_id', '=', eb.ref('v.lead_id'))]))
    .executeTakeFirst();
  const visitors = await q.deleteFrom('visitors').where('lead_id', '=', sql<string>`any(${ids})`).executeTakeFirst();
  await q.deleteFrom('leads').where('lead_id', '=', sql<string>`any(${ids})`).where(ownedBy(tenant)).execute();
  return { events: Number(events.numDeletedRows), visitors: Number(visitors.numDeletedRows), heldInquiries: Number(held.numDeletedRows) };
}
