import { sql } from 'kysely';
import type { Row } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { LeadJson } from './lead-schemas.ts';

/** The columns every lead read selects or returns, in the shape `toLeadJson` expects. */
export const LEAD_COLUMNS = [
  'lead_id', 'name', 'contact_info', 'email', 'phone', 'status', 'score', 'score_band',
  'score_breakdown', 'site_id', 'last_activity_at', 'created_at', 'updated_at', 'scored_at',
  leadStageColumn(),
] as const;
export type LeadRow = Pick<Row<'leads'>, Extract<(typeof LEAD_COLUMNS)[number], string>> & { stage: LeadJson['stage'] };

/**
 * The lead's pipeline stage `{stageId, key, label}`: its own, or (stage_id null) the account's
 * first stage; null while the account has no stages yet. Correlated subqueries on the stage's
 * primary key and on (user_id, position), so it also works in `returning`.
 */
function leadStageColumn() {
  const json = sql`json_build_object('stageId', s.stage_id, 'key', s.key, 'label', s.label)`;
  return sql<LeadJson['stage']>`coalesce(
    (select ${json} from pipeline_stages s where s.stage_id = leads.stage_id),
    (select ${json} from pipeline_stages s where leads.stage_id is null and s.user_id = leads.user_id order by s.position, s.stage_id limit 1))`.as('stage');
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
    stage: row.stage ?? null,
  };
}
