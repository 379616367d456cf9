import type { ScoreBreakdown } from './lead.entity.ts';
import type { LeadJson } from './lead-schemas.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from './pg-values.ts';

/** The columns every lead read selects, in the shape `toLeadJson` expects. */
export const LEAD_SELECT = `l.lead_id, l.name, l.contact_info, l.email, l.phone, l.status, l.score, l.score_band,
  l.score_breakdown, l.site_id, l.last_activity_at, l.created_at, l.updated_at, l.scored_at`;

export interface LeadRow {
  lead_id: string;
  name: string | null;
  contact_info: string | null;
  email: string | null;
  phone: string | null;
  status: LeadJson['status'];
  score: number;
  score_band: LeadJson['scoreBand'];
  score_breakdown: ScoreBreakdown | null;
  site_id: string | null;
  last_activity_at: string | null;
  created_at: string;
  updated_at: string;
  scored_at: string | null;
}

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
