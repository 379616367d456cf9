import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';

/** The consent a lead last gave with an inquiry: the wording they saw, its version, when (ISO). */
export interface LeadConsent {
  text: string | null;
  version: string | null;
  at: string;
}

/**
 * Each lead's latest recorded consent (docs/consent.md), for a page of leads the caller already
 * scoped to its tenant: one statement, `distinct on` over the inquiries' (lead_id, created_at) index.
 */
export async function latestConsents(em: EntityManager, leadIds: readonly string[]): Promise<Map<string, LeadConsent>> {
  const out = new Map<string, LeadConsent>();
  if (!leadIds.length) return out;
  const rows = await db(em)
    .selectFrom('inquiries')
    .distinctOn('lead_id')
    .select(['lead_id', 'consent_text', 'consent_version', 'consent_at'])
    .where('lead_id', '=', (eb) => eb.fn.any(eb.val([...leadIds])))
    .where('consent_at', 'is not', null)
    .orderBy('lead_id')
    .orderBy('consent_at', 'desc')
    .execute();
  for (const r of rows) if (r.consent_at) out.set(r.lead_id, { text: r.consent_text, version: r.consent_version, at: pgTimeToIsoStrict(r.consent_at) });
  return out;
}
