import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import type { ScoreBand, ScoreBreakdown } from '../leads/lead.entity.ts';
import { type ComputedScore, computeScore } from './compute-score.ts';
import { loadScoringInputs, type ScoringInputs } from './load-scoring-inputs.ts';
import { loadScoringRules } from './load-scoring-rules.ts';
import { type LeadHotOutbox, recordLeadHot } from './record-lead-hot.ts';
import type { ScoringRulesConfig } from './scoring-rules.ts';

/**
 * Why a lead is being scored:
 * - `activity`: the `leads.score` job. Claims the lead's `needs_rescore` flag; does nothing if
 *   another run already took it.
 * - `refresh`: the decay refresh. Scores unconditionally (and takes the flag if set). It applies
 *   the owner's newest rules, so a lead still on an older version (its rules rescore has not
 *   reached it yet) is scored as in `rules` mode: see below.
 * - `rules`: a rules change. Scores unconditionally with the given version; a lead crossing into
 *   hot only because the realtor redefined "hot" emits nothing (no flood of "call within 1 hour"
 *   reminders when a threshold is lowered) — unless the lead also had pending activity, which
 *   this run takes (its `leads.score` job then finds no flag), so the announcement is made here.
 */
export type ScoreMode = 'activity' | 'refresh' | 'rules';

export interface ScoreLeadResult {
  leadId: string;
  score: number;
  band: ScoreBand;
  previousScore: number;
  previousBand: ScoreBand;
  rulesVersion: number;
  /**
   * Set when the lead crossed into hot and the `lead.hot` message and automatic reminder were
   * written (in the scoring transaction): their ids, for the outbound work to wake up.
   */
  hot: LeadHotOutbox | null;
}

interface ClaimedLead {
  lead_id: string;
  user_id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  score: number;
  score_band: ScoreBand;
  was_flagged: boolean;
  /** The rules version of the stored score (null: never scored). */
  stored_version: number | null;
}

/** The rules version a lead's stored score was computed with (as the rescore reads it). */
const storedVersion = (alias?: string) => sql<number | null>`(${sql.ref(alias ? `${alias}.score_breakdown` : 'score_breakdown')} ->> 'rulesVersion')::int`.as('stored_version');

/**
 * Whether a lead crossing into hot is announced (`lead.hot` message, automatic reminder). Not when
 * the crossing comes from a redefined "hot" rather than from the lead: a `rules` rescore, or a
 * `refresh` that applies newer rules than the lead's stored score was computed with (it runs
 * hourly, and would otherwise do the rescore's work first, flood included). Either way a lead with
 * pending activity is announced: its flag is taken here, so no activity run would announce it.
 */
function announcesCrossing(mode: ScoreMode, lead: ClaimedLead, version: number): boolean {
  if (lead.was_flagged) return true;
  if (mode === 'rules') return false;
  if (mode === 'refresh') return lead.stored_version === null || lead.stored_version === version;
  return true;
}

const CLAIM_COLUMNS = ['lead_id', 'user_id', 'name', 'email', 'phone', 'score', 'score_band'] as const;

/**
 * Recomputes one lead's score and writes score, band, breakdown and `scored_at` — plus, when the
 * band crosses into hot, the `lead.hot` outbox message and the automatic reminder — in one
 * transaction that also clears `needs_rescore`. The lead row stays locked for the transaction,
 * so a concurrent ingest that flags the lead waits and its flag survives for the next run.
 * Returns null when there was nothing to do (not flagged in `activity` mode, or the lead is gone).
 * Idempotent: the same input and `now` give the same row state, and a lead already hot emits nothing.
 */
export async function scoreLead({ em, leadId, now, mode, rules, config }: {
  em: EntityManager;
  /** For the `lead.hot` announcement (recordOutboundEvent). */
  config: Config;
  leadId: string;
  now: Date;
  mode: ScoreMode;
  /** Rules to use; default: the user's current version. */
  rules?: { version: number; config: ScoringRulesConfig };
}): Promise<ScoreLeadResult | null> {
  const [result] = await scoreLeads({ em, leadIds: [leadId], now, mode, rules, config });
  return result ?? null;
}

/**
 * `scoreLead` for many leads in one transaction: the rows are locked in lead-id order, the
 * inputs loaded in one statement for all of them, the scores written in one statement. The
 * rescore and the decay refresh use it per batch — one round trip per step instead of one per
 * lead (about 10× faster than lead by lead). Leads that are gone (or, in `activity` mode, not
 * flagged) are left out of the result. Without `rules`, each lead uses its owner's current rules.
 */
export async function scoreLeads(opts: ScoreBatchOptions): Promise<ScoreLeadResult[]> {
  return (await scoreLeadBatch(opts)).results;
}

export interface ScoreBatchOptions {
  em: EntityManager;
  /** For the `lead.hot` announcement (recordOutboundEvent). */
  config: Config;
  leadIds: readonly string[];
  now: Date;
  mode: ScoreMode;
  /** Rules to use for every lead; default: each owner's current version. */
  rules?: { version: number; config: ScoringRulesConfig };
  /**
   * A rules rescore's batch (`rules` mode): the statement that writes the scores also advances
   * this version's `rescore_done` by the leads written, in the same transaction, and reports the
   * owner's latest rules version (so the rescore sees at once whether it was superseded).
   */
  progress?: { userId: string; version: number };
}

export interface ScoredBatch {
  results: ScoreLeadResult[];
  /** With `progress`: `rescore_done` after this batch and the owner's latest version (null: nothing written). */
  progress: { done: number; latestVersion: number } | null;
}

/**
 * `scoreLeads`, plus the rescore's progress (see `progress`).
 *
 * Commit: a `rules` or `refresh` batch that wrote no outbound rows (no lead crossed into hot
 * with an announcement) commits with `synchronous_commit = off` — Postgres answers the COMMIT
 * before its WAL reaches the disk (measured: 9–16 ms → 1 ms per 200 leads here; a batch writes
 * ~3 MB of WAL, mostly full-page images of the 16 indexes of `leads`). Nothing is lost but time if
 * Postgres crashes in that window: the batch is rolled back whole (never half-applied), its leads
 * keep their old rules version and `scored_at`, so the resumed rescore (which recounts progress
 * from the versions) or the next refresh run scores them again. A batch that wrote `lead.hot`
 * outbox rows commits synchronously, so a wake-up is never sent for a row that could vanish.
 */
export async function scoreLeadBatch({ em, leadIds, now, mode, rules, config, progress }: ScoreBatchOptions): Promise<ScoredBatch> {
  if (!leadIds.length) return { results: [], progress: null };
  const ids = [...new Set(leadIds)];
  // Deadlocks cannot arise between batches (both lock in lead-id order), but a multi-lead ingest
  // could lock two of them the other way round: Postgres aborts one side, and this side re-runs.
  return transactionalWithRetry(em, async (tem) => {
    const lockedAll: ClaimedLead[] = mode === 'activity'
      // Claim by update: the subselect locks the flagged rows in lead-id order, the update takes the flag.
      ? await db(tem)
        .updateTable('leads as l')
        .set({ needs_rescore: false })
        .from((eb) =>
          eb.selectFrom('leads').select('lead_id').where('lead_id', '=', eb.fn.any(eb.val(ids))).where('needs_rescore', '=', sql.lit(true)).orderBy('lead_id').forUpdate().as('c'),
        )
        .whereRef('l.lead_id', '=', 'c.lead_id')
        .returning([...CLAIM_COLUMNS.map((c) => `l.${c}` as const), sql<boolean>`true`.as('was_flagged'), storedVersion('l')])
        .execute()
      : await db(tem)
        .selectFrom('leads')
        .select([...CLAIM_COLUMNS, 'needs_rescore as was_flagged', storedVersion()])
        .where('lead_id', '=', (eb) => eb.fn.any(eb.val(ids)))
        .orderBy('lead_id')
        .forUpdate()
        .execute();
    // A rules batch leaves alone a lead that newer rules have already scored: with two saves close
    // together, this version's batch can pick its leads just before the newer rescore scores them,
    // and writing now would put the older rules back (the newer rescore does not come back to it).
    const locked = mode === 'rules' && rules ? lockedAll.filter((l) => l.stored_version === null || l.stored_version <= rules.version) : lockedAll;
    if (!locked.length) return { results: [], progress: null };

    // The rules per owner (a batch may span realtors: the refresh does), then inputs per half-life.
    const rulesByUser = new Map<string, { version: number; config: ScoringRulesConfig }>();
    for (const userId of new Set(locked.map((l) => l.user_id))) {
      if (rules) rulesByUser.set(userId, rules);
      else {
        const current = await loadScoringRules(tem, userId);
        rulesByUser.set(userId, { version: current.version, config: current.rules });
      }
    }
    const inputs = new Map<string, ScoringInputs>();
    for (const halfLifeDays of new Set([...rulesByUser.values()].map((r) => r.config.halfLifeDays))) {
      const group = locked.filter((l) => rulesByUser.get(l.user_id)!.config.halfLifeDays === halfLifeDays).map((l) => l.lead_id);
      for (const [id, input] of await loadScoringInputs(tem, group, { now, halfLifeDays })) inputs.set(id, input);
    }

    const results: ScoreLeadResult[] = [];
    const rows: Array<{ lead_id: string; score: number; score_band: ScoreBand; score_breakdown: ScoreBreakdown }> = [];
    const hot: Array<{ lead: ClaimedLead; computed: ComputedScore; result: ScoreLeadResult }> = [];
    for (const lead of locked) {
      const { version, config } = rulesByUser.get(lead.user_id)!;
      const input = inputs.get(lead.lead_id)!;
      const computed = computeScore({ activities: input.activities, inquiries: input.inquiries, listingLabels: input.listingLabels, rules: config, rulesVersion: version, now });
      rows.push({ lead_id: lead.lead_id, score: computed.score, score_band: computed.band, score_breakdown: computed.breakdown });
      const crossedIntoHot = computed.band === 'hot' && lead.score_band !== 'hot';
      const result: ScoreLeadResult = {
        leadId: lead.lead_id, score: computed.score, band: computed.band, previousScore: lead.score, previousBand: lead.score_band, rulesVersion: version, hot: null,
      };
      if (crossedIntoHot && announcesCrossing(mode, lead, version)) hot.push({ lead, computed, result });
      results.push(result);
    }
    const asyncCommit = mode !== 'activity' && hot.length === 0;
    // One statement for the batch: the rows travel as one jsonb parameter. Every row is scored
    // from all its activity, so the flag a `refresh`/`rules` batch finds set is taken too (in
    // `activity` mode the claim took it already). With `progress`, the same statement advances
    // the rescore; `set_config(…, true)` is `SET LOCAL` without a round trip of its own. A batch
    // that wrote a lead moves the progress time, also when `done` is already held at `total` (leads
    // added since the save): the run is alive, and the admin would otherwise call it stalled.
    const advance = progress
      ? sql`, p as (
          update scoring_rules set rescore_done = least(rescore_total, rescore_done + (select count(*) from u)),
            rescore_progressed_at = case when exists (select from u) then now() else rescore_progressed_at end
          where user_id = ${progress.userId} and version = ${progress.version}
          returning rescore_done
        )
        select (select rescore_done from p) as done, (select max(version) from scoring_rules where user_id = ${progress.userId}) as latest`
      : sql`select (select count(*) from u)::int as done, null::int as latest`;
    const written = await sql<{ done: number | null; latest: number | null; async: string | null }>`
      with v as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(lead_id uuid, score int, score_band text, score_breakdown jsonb)
      ), u as (
        update leads l set score = v.score, score_band = v.score_band, score_breakdown = v.score_breakdown, scored_at = ${now.toISOString()}::timestamptz, needs_rescore = false
        from v where l.lead_id = v.lead_id
        returning l.lead_id
      ) ${advance}, ${asyncCommit ? sql`set_config('synchronous_commit', 'off', true)` : sql`null`} as async`.execute(db(tem));
    for (const { lead, computed, result } of hot) {
      result.hot = await recordLeadHot(tem, {
        leadId: lead.lead_id, userId: lead.user_id, name: lead.name, email: lead.email, phone: lead.phone,
        score: computed.score, band: computed.band, previousBand: lead.score_band, breakdown: computed.breakdown,
      }, now, config);
    }
    const row = written.rows[0];
    return { results, progress: progress && row?.done != null ? { done: row.done, latestVersion: row.latest ?? progress.version } : null };
  });
}

/** Whether a lead was flagged again after its last scoring (new activity arrived meanwhile). */
export async function isLeadFlaggedForRescore(em: EntityManager, leadId: string): Promise<boolean> {
  const row = await db(em).selectFrom('leads').select('needs_rescore').where('lead_id', '=', leadId).executeTakeFirst();
  return row?.needs_rescore === true;
}
