import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type SqlBool } from 'kysely';
import { db } from '../db/kysely.ts';
import { normaliseEmail, normalisePhone } from './normalise-contact.ts';

export interface LeadContactInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
}

export interface FoundLead {
  leadId: string;
  /** True when this call created the lead (for `lead.created` webhooks and the like). */
  created: boolean;
}

/** The readable seed column `contact_info`: "dana@example.com · +15550100199". */
export function formatContactInfo(email: string | null | undefined, phone: string | null | undefined): string | null {
  return [email, phone].filter(Boolean).join(' · ') || null;
}

/** Thrown when a concurrent writer keeps winning; `transactionalWithRetry` re-runs the transaction. */
class LeadRaceError extends Error {
  readonly code = '40001';
}

/**
 * The user's lead for this person, created if needed — the one rule for "same person" used by
 * every capture path (widget inquiry, identify, manual and API leads):
 * - match by normalised email, else by normalised phone, within the user's leads only;
 * - on a match, fill in a missing name/email/phone (never overwrite what the realtor has) and
 *   keep `contact_info` in step when it still holds the generated text;
 * - otherwise create it (`status` new, `site_id` = where it was first captured, if any).
 *   With neither email nor phone there is nothing to match on, and a new lead is created.
 *
 * Call inside a transaction (`transactionalWithRetry`): two first submissions racing for the same
 * email meet at the unique index (`on conflict do nothing` + re-select), and a fill that loses a
 * race raises a unique violation that the retry resolves.
 */
export async function findOrCreateLead({ em, userId, siteId, contact }: { em: EntityManager; userId: string; siteId?: string | null; contact: LeadContactInput }): Promise<FoundLead> {
  const email = normaliseEmail(contact.email);
  const phone = normalisePhone(contact.phone);
  const name = contact.name?.trim() || null;

  const found = await findAndFill(em, userId, { name, email, phone });
  if (found) return { leadId: found, created: false };

  const inserted = await db(em)
    .insertInto('leads')
    .values({
      lead_id: sql`gen_random_uuid()`, user_id: userId, site_id: siteId ?? null, name, email, phone, contact_info: formatContactInfo(email, phone),
      status: 'new', score: 0, score_band: 'cold', needs_rescore: false, created_at: sql`now()`, updated_at: sql`now()`,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('lead_id')
    .execute();
  if (inserted.length) return { leadId: inserted[0].lead_id, created: true };

  // A concurrent transaction created a lead with this email or phone and has committed by now
  // (the insert waited for it): this statement's fresh snapshot sees it.
  const raced = await findAndFill(em, userId, { name, email, phone });
  if (raced) return { leadId: raced, created: false };
  throw new LeadRaceError('lead insert conflicted but no matching lead is visible');
}

async function findAndFill(em: EntityManager, userId: string, c: { name: string | null; email: string | null; phone: string | null }): Promise<string | null> {
  if (!c.email && !c.phone) return null;
  // Scoped by the owning account passed in (the resolved site's owner: capture paths are public
  // and carry no Tenant), as a bound parameter.
  const findBy = (column: 'email' | 'phone', value: string) =>
    db(em).selectFrom('leads').select('lead_id').where('user_id', '=', userId).where(column, '=', value).executeTakeFirst();
  const byEmail = c.email ? await findBy('email', c.email) : undefined;
  const byPhone = c.phone ? await findBy('phone', c.phone) : undefined;
  const leadId = byEmail?.lead_id ?? byPhone?.lead_id;
  if (!leadId) return null;
  // Fill only values no other lead holds (the unique indexes would refuse them anyway).
  const fillEmail = byEmail ? null : c.email;
  const fillPhone = byPhone ? null : c.phone;
  await db(em)
    .updateTable('leads')
    .set({
      name: sql`coalesce(name, ${c.name}::text)`,
      email: sql`coalesce(email, ${fillEmail}::text)`,
      phone: sql`coalesce(phone, ${fillPhone}::text)`,
      contact_info: sql`case
        when contact_info is null or contact_info = concat_ws(' · ', email, phone)
        then nullif(concat_ws(' · ', coalesce(email, ${fillEmail}::text), coalesce(phone, ${fillPhone}::text)), '')
        else contact_info end`,
      updated_at: sql`now()`,
    })
    .where('lead_id', '=', leadId)
    .where(sql<SqlBool>`(name is null and ${c.name}::text is not null) or (email is null and ${fillEmail}::text is not null)
      or (phone is null and ${fillPhone}::text is not null) or contact_info is null`)
    .execute();
  return leadId;
}
