import { sql, type AliasedRawBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { ownedBy, sameAccount, type Tenant } from '../accounts/tenant.ts';
import type { Row } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { LeadJson } from './lead-schemas.ts';
import { OPEN_REMINDER_STATUSES } from '../shared/enums.ts';

const LEAD_FIELDS = [
  'lead_id', 'name', 'contact_info', 'email', 'phone', 'status', 'score', 'score_band',
  'score_breakdown', 'site_id', 'last_activity_at', 'created_at', 'updated_at', 'scored_at',
  'first_contacted_at', 'last_contacted_at', 'first_inquiry_at', 'import_id',
] as const;

/** The columns every lead read selects or returns, in the shape `toLeadJson` expects. */
export const LEAD_COLUMNS = [...LEAD_FIELDS, leadStageColumn(sameAccount('s', 'leads'))] as const;

/**
 * LEAD_COLUMNS for a read of one account's leads (a page of the list): the stage fallback of
 * leads without a stage looks up the account's first stage once per statement (an uncorrelated
 * subquery on the tenant's bound account id), not once per lead (a sort of the account's stages
 * each: 0.6 of the 0.9 ms the first page by score took in Postgres at 100k leads).
 */
export function leadColumnsOfTenant(tenant: Tenant) {
  return [...LEAD_FIELDS, leadStageColumn(ownedBy(tenant, 's'))] as const;
}

/** What a lead's JSON derives from other tables (`leadFollowUpColumns`). */
export interface LeadFollowUps {
  /** The earliest open (pending or due) reminder's time. */
  next_follow_up_at: string | null;
}
export type LeadRow = Pick<Row<'leads'>, Extract<(typeof LEAD_COLUMNS)[number], string>> & LeadFollowUps & { stage: LeadJson['stage'] };

/** A lead that has just been created: no reminders yet. */
export const NO_FOLLOW_UPS: LeadFollowUps = { next_follow_up_at: null };

/**
 * The correlated subquery of `LeadFollowUps` for the lead whose id is the column `leadId`
 * (`'leads.lead_id'`, `'p.lead_id'`): one probe of follow_up_reminders_lead_id_index, so select
 * it only for the rows of one page (list-leads.ts wraps the page query), never for a whole
 * filtered set. The first inquiry's time (speed to lead) is the column `leads.first_inquiry_at`,
 * which triggers on `inquiries` keep equal to the earliest inquiry's (Migration20261129122144):
 * a second subquery here cost 0.3 ms per page in Postgres, most of it planning `min()`.
 */
export function leadFollowUpColumns(leadId: string): [AliasedRawBuilder<string | null, 'next_follow_up_at'>] {
  const id = sql.ref(leadId);
  return [
    sql<string | null>`(select min(r.reminder_date) from follow_up_reminders r where r.lead_id = ${id} and r.status in (${sql.join(OPEN_REMINDER_STATUSES)}))`.as('next_follow_up_at'),
  ];
}

/** Seconds from the first inquiry to the first logged contact; null if either is missing or the contact came first. */
export function speedToLeadSeconds(firstInquiryAt: string | null, firstContactedAt: string | null): number | null {
  if (!firstInquiryAt || !firstContactedAt) return null;
  const ms = new Date(firstContactedAt).getTime() - new Date(firstInquiryAt).getTime();
  return ms < 0 ? null : Math.round(ms / 1000);
}

/**
 * The lead's pipeline stage `{stageId, key, label}`: its own, or (stage_id null) the account's
 * first stage; null while the account has no stages yet. Correlated subqueries on the stage's
 * primary key and on (user_id, position), so it also works in `returning`.
 */
function leadStageColumn(ownerOfStage: RawBuilder<SqlBool>) {
  const json = sql`json_build_object('stageId', s.stage_id, 'key', s.key, 'label', s.label)`;
  return sql<LeadJson['stage']>`coalesce(
    (select ${json} from pipeline_stages s where s.stage_id = leads.stage_id),
    case when leads.stage_id is null then ${firstStageOf(ownerOfStage, json)} end)`.as('stage');
}

/**
 * The account's first pipeline stage — lowest position, then id: where leads without a stage
 * belong — as a scalar subquery selecting `what` from `pipeline_stages s`. `ownerOfStage` picks
 * the account on `s`: `ownedBy(tenant, 's')` (a bound id: evaluated once per statement) or
 * `sameAccount('s', 'leads')` (correlated to the outer lead).
 */
export function firstStageOf(ownerOfStage: RawBuilder<SqlBool>, what: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(select ${what} from pipeline_stages s where ${ownerOfStage} order by s.position, s.stage_id limit 1)`;
}

export function toLeadJson(row: LeadRow): LeadJson {
  const firstContactedAt = pgTimeToIso(row.first_contacted_at);
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
    firstContactedAt,
    lastContactedAt: pgTimeToIso(row.last_contacted_at),
    nextFollowUpAt: pgTimeToIso(row.next_follow_up_at),
    speedToLeadSeconds: speedToLeadSeconds(pgTimeToIso(row.first_inquiry_at), firstContactedAt),
    stage: row.stage ?? null,
    importId: row.import_id,
  };
}
