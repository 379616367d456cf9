import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { PipelineStageSchema } from '../pipeline/pipeline-stage.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';
import { LEAD_STATUSES, SCORE_BANDS } from '../shared/enums.ts';
import { LEAD_BAND_COUNT_TRIGGERS } from '../analytics/lead-band-count.entity.ts';
import { LEAD_DAILY_COUNT_TRIGGERS } from '../analytics/lead-daily-count.entity.ts';
import { LeadImportSchema } from './lead-import.entity.ts';

export { LEAD_STATUSES, type LeadStatus, SCORE_BANDS, type ScoreBand } from '../shared/enums.ts';

/** One explained part of a score: "Viewed 12 Oak St 4× +9". */
export interface ScoreSignal {
  key: string;
  label: string;
  count: number;
  points: number;
}
export interface ScoreBreakdown {
  signals: ScoreSignal[];
  /** The signals' total before the score map (rounded to 0.1); absent in breakdowns computed before the map existed. */
  points?: number;
  rulesVersion: number;
  computedAt: string;
}

/** The expression of `leads.search_text` (Migration20261130233000). */
const SEARCH_TEXT_SQL = `lower(replace(coalesce("name", ''), chr(31), '') || chr(31) || replace(coalesce("email", ''), chr(31), '') || chr(31) || coalesce("phone", ''))`;

/** A person who may buy or sell (seed table `leads`; seed columns kept). */
export const LeadSchema = defineEntity({
  name: 'Lead',
  tableName: 'leads',
  properties: {
    leadId: uuidPrimaryKey(),
    user: ownerColumn(),
    name: p.string().length(255).nullable(),
    contactInfo: p.string().length(255).nullable(),
    score: p.integer().default(0),
    createdAt: createdAtColumn(),
    site: () => p.manyToOne(SiteSchema).nullable().deleteRule('set null').index('leads_site_id_index'),
    /** Normalised (trimmed, lower-cased); unique per user when present. */
    email: p.string().length(254).nullable(),
    /** Normalised to E.164-like digits with a leading +; unique per user when present. */
    phone: p.string().length(20).nullable(),
    status: p.enum(LEAD_STATUSES).default('new'),
    scoreBreakdown: p.json<ScoreBreakdown>().nullable(),
    scoreBand: p.enum(SCORE_BANDS).default('cold'),
    lastActivityAt: p.datetime().nullable(),
    updatedAt: updatedAtColumn(),
    /** Outbox flag: set in the same transaction as any change that affects the score. */
    needsRescore: p.boolean().default(false),
    scoredAt: p.datetime().nullable(),
    /** The pipeline stage (`pipeline_stages`); null reads as the realtor's first stage. */
    stage: () => p.manyToOne(PipelineStageSchema).nullable().deleteRule('set null').index('leads_stage_id_index'),
    stageChangedAt: p.datetime().nullable(),
    /** The first and latest logged contact (call, text, email, meeting, showing): speed-to-lead and "not yet contacted". */
    firstContactedAt: p.datetime().nullable(),
    lastContactedAt: p.datetime().nullable(),
    /** The lead's first inquiry ever: when, and on which site (null: none, or no site). Kept by triggers on inquiries (core/analytics/first-inquiry.ts). */
    firstInquiryAt: p.datetime().nullable(),
    firstInquirySiteId: p.uuid().nullable(),
    /**
     * What the search (`q`) matches: name, email and phone lower-cased and joined by U+001F, which
     * no stored or searched text holds (plainText refuses control characters; the expression strips
     * it from name and email all the same), so a term never spans two fields. Computed by Postgres
     * (a stored column, not an expression index: a walk by score for a common term then reads it
     * instead of computing it per lead, "smith" 1.2 against 1.75 ms at 100k leads); never read into an entity.
     */
    /** The CSV import that created the lead (docs/import.md); an undo deletes the leads still carrying it. */
    import: () => p.manyToOne(LeadImportSchema).nullable().deleteRule('set null'),
    searchText: p.text().generated(`(${SEARCH_TEXT_SQL}) stored`).lazy().ignoreSchemaChanges('extra'),
  },
  uniques: [
    { name: 'leads_user_email_unique', properties: ['user', 'email'], where: { email: { $ne: null } } },
    { name: 'leads_user_phone_unique', properties: ['user', 'phone'], where: { phone: { $ne: null } } },
  ],
  indexes: [
    { name: 'leads_user_score_index', expression: 'create index "leads_user_score_index" on "leads" ("user_id", "score" desc, "lead_id" desc)' },
    { name: 'leads_user_activity_index', expression: 'create index "leads_user_activity_index" on "leads" ("user_id", "last_activity_at" desc nulls last, "lead_id" desc)' },
    { name: 'leads_user_created_index', expression: 'create index "leads_user_created_index" on "leads" ("user_id", "created_at" desc, "lead_id" desc)' },
    { name: 'leads_needs_rescore_index', expression: 'create index "leads_needs_rescore_index" on "leads" ("updated_at") where "needs_rescore"' },
    // Band filter + score sort: cold leads sit at the far end of leads_user_score_index (61 ms → <1 ms at 100k leads); also serves band counts.
    { name: 'leads_user_band_score_index', expression: 'create index "leads_user_band_score_index" on "leads" ("user_id", "score_band", "score" desc, "lead_id" desc)' },
    // The decay refresh picks scored leads by age: keyset on (scored_at, lead_id).
    { name: 'leads_refresh_index', expression: 'create index "leads_refresh_index" on "leads" ("scored_at", "lead_id") where "score" > 0' },
    // Search (`q`): substring matches on search_text. A trigram GIN index lets Postgres answer
    // `like '%…%'` with a bitmap scan instead of reading every lead (pg_trgm, a trusted extension).
    { name: 'leads_search_trgm_index', expression: 'create index "leads_search_trgm_index" on "leads" using gin ("search_text" gin_trgm_ops)' },
    // Today's "new leads not yet contacted", oldest first.
    { name: 'leads_user_uncontacted_index', expression: 'create index "leads_user_uncontacted_index" on "leads" ("user_id", "created_at") where "first_contacted_at" is null' },
    // Lead analytics: the leads created in a range per day, site and funnel step, index-only (core/analytics/lead-analytics.ts).
    { name: 'leads_user_created_funnel_index', expression: 'create index "leads_user_created_funnel_index" on "leads" ("user_id", "created_at") include ("lead_id", "site_id", "first_contacted_at", "stage_id")' },
    // Speed-to-lead: the realtor's leads whose first inquiry falls in a range, index-only (core/analytics/lead-analytics.ts).
    // An import's leads (undo, the remaining count); most leads have none.
    { name: 'leads_import_id_index', expression: 'create index "leads_import_id_index" on "leads" ("import_id") where "import_id" is not null' },
    { name: 'leads_user_first_inquiry_index', expression: 'create index "leads_user_first_inquiry_index" on "leads" ("user_id", "first_inquiry_at") include ("first_inquiry_site_id", "first_contacted_at") where "first_inquiry_at" is not null' },
  ],
  // lead_band_counts: leads per realtor, site and band; lead_daily_counts / speed_daily_counts: leads
  // per day for lead analytics — kept in the writing statement (core/analytics/lead-*-count.entity.ts).
  triggers: [...LEAD_BAND_COUNT_TRIGGERS, ...LEAD_DAILY_COUNT_TRIGGERS],
});
export type Lead = InferEntity<typeof LeadSchema>;
