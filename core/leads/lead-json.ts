import type { Row } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { LeadJson } from './lead-schemas.ts';

/** The columns every lead read selects or returns, in the shape `toLeadJson` expects. */
export const LEAD_COLUMNS = [
  'lead_id', 'name', 'contact_info', 'email', 'phone', 'status', 'score', 'score_band',
  'score_breakdown', 'site_id', 'last_activity_at', 'created_at', 'updated_at', 'scored_at',
] as const;
export type LeadRow = Pick<Row<'leads'>, (typeof LEAD_COLUMNS)[number]>;

export function toLeadJson(row: LeadRow): LeadJson {
  return {
    leadId: row.lead_id,
    name: row.name,
    contactInfo: row.contact_info,
    email: row.email,
    phone: row.phone,
    status: row.status,
    score: Number(row.score),
    scoreBand: row.score_band,
    scoreBreakdown: row.score_breakdown,
    siteId: row.site_id,
    lastActivityAt: pgTimeToIso(row.last_activity_at),
    createdAt: pgTimeToIsoStrict(row.created_at),
    updatedAt: pgTimeToIsoStrict(row.updated_at),
    scoredAt: pgTimeToIso(row.scored_at),
  };
}
