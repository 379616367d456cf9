import type { EntityManager } from '@mikro-orm/postgresql';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { extraContactInfo } from '../shared/contact-info.ts';
import { type LeadConsent, latestConsents } from '../inquiries/latest-consents.ts';
import { csvRow } from './csv.ts';
import { formatScoreReasons } from './format-score-reasons.ts';
import type { LeadFilters, LeadJson } from './lead-schemas.ts';
import { assertOwnFilters, fetchLeadPage } from './list-leads.ts';

/** Rows read per keyset query while streaming an export. */
export const EXPORT_BATCH_SIZE = 1000;

export const EXPORT_COLUMNS = [
  'leadId', 'name', 'email', 'phone', 'contactInfo', 'status', 'score', 'scoreBand', 'scoreReasons', 'siteId', 'lastActivityAt', 'createdAt', 'updatedAt',
  // The consent the lead last gave with the form (docs/consent.md).
  'consentText', 'consentVersion', 'consentAt',
  // Added later, at the end so a column's position never moves for an importer reading by position.
  'stage', 'siteName', 'lastContactedAt', 'nextFollowUpAt',
] as const;

/** "Inquiry +40; Viewed oak-12 3× +9": the breakdown in one cell. */
function scoreReasons(lead: LeadJson): string {
  return formatScoreReasons(lead.scoreBreakdown).join('; ');
}

function leadRecord(lead: LeadJson, consent: LeadConsent | undefined, siteNames: ReadonlyMap<string, string>, firstStage: string | undefined): string {
  return csvRow([
    // contactInfo only when it adds to the email and phone cells (it is often generated from them).
    lead.leadId, lead.name, lead.email, lead.phone, extraContactInfo(lead.contactInfo, lead.email, lead.phone), lead.status, lead.score, lead.scoreBand, scoreReasons(lead),
    lead.siteId, lead.lastActivityAt, lead.createdAt, lead.updatedAt,
    consent?.text, consent?.version, consent?.at,
    // A lead without a stage is in the first one (docs/pipeline.md).
    lead.stage?.label ?? firstStage, lead.siteId ? siteNames.get(lead.siteId) : undefined, lead.lastContactedAt, lead.nextFollowUpAt,
  ]);
}

/**
 * `GET /v1/leads/export.csv`: every lead matching the filters (`ids=a,b,…` exports a selection; ids
 * that are not the tenant's are simply not in the file), in the list's order, as CSV text
 * chunks (one per batch). Checks the filters before returning, so a bad site is a 404 before any
 * byte is sent. Batches are keyset reads inside one read-only REPEATABLE READ transaction: the
 * file is one consistent snapshot (a lead rescored mid-export neither repeats nor disappears)
 * and memory stays at one batch however many rows match. Stopping the iteration (client gone)
 * ends the transaction.
 */
export async function exportLeadsCsv({ em, tenant, filters, batchSize = EXPORT_BATCH_SIZE }: {
  em: EntityManager;
  tenant: Tenant;
  filters: LeadFilters;
  /** Rows per keyset query. Default EXPORT_BATCH_SIZE (1000). */
  batchSize?: number;
}): Promise<AsyncGenerator<string>> {
  await assertOwnFilters(em, tenant, filters);
  const tem = em.fork() as EntityManager;
  async function* generate(): AsyncGenerator<string> {
    await tem.begin({ isolationLevel: 'repeatable read', readOnly: true });
    try {
      // A BOM so Excel reads the file as UTF-8 (names with accents); other tools ignore it.
      yield `\uFEFF${csvRow(EXPORT_COLUMNS)}`;
      // The account's site names and first stage, once (at most 100 sites; stages in board order).
      const siteNames = new Map((await db(tem).selectFrom('sites').select(['site_id', 'name']).where(ownedBy(tenant)).execute()).map((r) => [r.site_id, r.name]));
      const [first] = await db(tem).selectFrom('pipeline_stages').select('label').where(ownedBy(tenant)).orderBy('position').orderBy('stage_id').limit(1).execute();
      let cursor: string | null = null;
      do {
        const page = await fetchLeadPage(tem, tenant, filters, cursor, batchSize);
        const consents = await latestConsents(tem, page.items.map((l) => l.leadId));
        if (page.items.length) yield page.items.map((l) => leadRecord(l, consents.get(l.leadId), siteNames, first?.label)).join('');
        cursor = page.nextCursor;
      } while (cursor);
    } finally {
      await tem.rollback().catch(() => undefined);
    }
  }
  return generate();
}
