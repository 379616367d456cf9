import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { normaliseEmail, normalisePhone } from './normalise-contact.ts';
import { CONTACT_INFO_MAX_CHARS } from '../shared/field-limits.ts';

export interface LeadContactInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
}

/** A contact detail a submission carried that the matched lead does not hold. */
export interface ReportedDetail {
  kind: 'email' | 'phone' | 'name';
  /** Normalised like the lead's column (lower-cased email, +digits phone, trimmed name). */
  value: string;
}

export interface FoundLead {
  leadId: string;
  /** True when this call created the lead (for `lead.created` webhooks and the like). */
  created: boolean;
  /**
   * When an existing lead matched: the submitted details it does not hold (a different or new
   * email, phone or name), left out of the lead. Empty when the lead was created here.
   */
  reported: ReportedDetail[];
}

/**
 * The readable seed column `contact_info`: "dana@example.com · +15550100199". The column holds
 * CONTACT_INFO_MAX_CHARS (255): a long address (up to 254) with a phone would not fit, so then the
 * line is the address alone (the phone stays in its own column).
 */
export function formatContactInfo(email: string | null | undefined, phone: string | null | undefined): string | null {
  const line = [email, phone].filter(Boolean).join(' · ');
  if (!line) return null;
  return line.length <= CONTACT_INFO_MAX_CHARS ? line : (email || phone || '').slice(0, CONTACT_INFO_MAX_CHARS);
}

/** Thrown when a concurrent writer keeps winning; `transactionalWithRetry` re-runs the transaction. */
class LeadRaceError extends Error {
  readonly code = '40001';
}

/**
 * The user's lead for this person, created if needed — the one rule for "same person" used by
 * the public capture paths (widget inquiry, identify), which nobody authenticates:
 * - match by normalised email, else by normalised phone, within the user's leads only;
 * - on a match, change NOTHING on the lead: what the realtor or an earlier submission set
 *   stays as it is, and a missing detail is not filled in either (a stranger who knows a lead's
 *   email could otherwise add their own phone to it). The submitted details the lead does not
 *   hold come back as `reported`, for the caller to keep beside the lead
 *   (`recordReportedContacts`) and to flag its inquiry as unverified;
 * - otherwise create it (`status` new, `site_id` = where it was first captured, if any): the
 *   first submission establishes the contact details. With neither email nor phone there is
 *   nothing to match on, and a new lead is created.
 *
 * Call inside a transaction (`transactionalWithRetry`): two first submissions racing for the same
 * email meet at the unique index (`on conflict do nothing` + re-select).
 */
export async function findOrCreateLead({ em, userId, siteId, contact }: { em: EntityManager; userId: string; siteId?: string | null; contact: LeadContactInput }): Promise<FoundLead> {
  const email = normaliseEmail(contact.email);
  const phone = normalisePhone(contact.phone);
  const name = contact.name?.trim() || null;

  const found = await findMatch(em, userId, { name, email, phone });
  if (found) return { ...found, created: false };

  const inserted = await db(em)
    .insertInto('leads')
    .values({
      lead_id: sql`gen_random_uuid()`, user_id: userId, site_id: siteId ?? null, name, email, phone, contact_info: formatContactInfo(email, phone),
      status: 'new', score: 0, score_band: 'cold', needs_rescore: false, created_at: sql`now()`, updated_at: sql`now()`,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('lead_id')
    .execute();
  if (inserted.length) return { leadId: inserted[0].lead_id, created: true, reported: [] };

  // A concurrent transaction created a lead with this email or phone and has committed by now
  // (the insert waited for it): this statement's fresh snapshot sees it.
  const raced = await findMatch(em, userId, { name, email, phone });
  if (raced) return { ...raced, created: false };
  throw new LeadRaceError('lead insert conflicted but no matching lead is visible');
}

/** Names compare without case and with runs of spaces collapsed ("dana  whitaker" is "Dana Whitaker"). */
const sameName = (a: string, b: string) => a.replace(/\s+/g, ' ').toLowerCase() === b.replace(/\s+/g, ' ').toLowerCase();

async function findMatch(em: EntityManager, userId: string, c: { name: string | null; email: string | null; phone: string | null }): Promise<{ leadId: string; reported: ReportedDetail[] } | null> {
  if (!c.email && !c.phone) return null;
  // Scoped by the owning account passed in (the resolved site's owner: capture paths are public
  // and carry no Tenant), as a bound parameter.
  const findBy = (column: 'email' | 'phone', value: string) =>
    db(em).selectFrom('leads').select(['lead_id', 'name', 'email', 'phone']).where('user_id', '=', userId).where(column, '=', value).executeTakeFirst();
  const lead = (c.email ? await findBy('email', c.email) : undefined) ?? (c.phone ? await findBy('phone', c.phone) : undefined);
  if (!lead) return null;
  const reported: ReportedDetail[] = [];
  if (c.email && c.email !== lead.email) reported.push({ kind: 'email', value: c.email });
  if (c.phone && c.phone !== lead.phone) reported.push({ kind: 'phone', value: c.phone });
  if (c.name && !(lead.name && sameName(c.name, lead.name))) reported.push({ kind: 'name', value: c.name });
  return { leadId: lead.lead_id, reported };
}
