import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import type { ScoreBand } from '../leads/lead.entity.ts';
import { computeScore } from './compute-score.ts';
import { loadScoringInputs } from './load-scoring-inputs.ts';
import { loadScoringRules } from './load-scoring-rules.ts';
import { recordLeadHot } from './record-lead-hot.ts';
import type { ScoringRulesConfig } from './scoring-rules.ts';

/**
 * Why a lead is being scored:
 * - `activity`: the `leads.score` job. Claims the lead's `needs_rescore` flag; does nothing if
 *   another run already took it.
 * - `refresh`: the decay refresh. Scores unconditionally (and takes the flag if set).
 * - `rules`: a rules change. Scores unconditionally with the given version; a lead crossing into
 *   hot only because the realtor redefined "hot" emits nothing (no flood of "call within 1 hour"
 *   reminders when a threshold is lowered) — unless the lead also had pending activity.
 */
export type ScoreMode = 'activity' | 'refresh' | 'rules';

export interface ScoreLeadResult {
  leadId: string;
  score: number;
  band: ScoreBand;
  previousScore: number;
  previousBand: ScoreBand;
  rulesVersion: number;
  /** The lead.hot message and auto reminder were written. */
  becameHot: boolean;
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
}

const CLAIM_COLUMNS = 'lead_id, user_id, name, email, phone, score, score_band';

/**
 * Recomputes one lead's score and writes score, band, breakdown and `scored_at` — plus, when the
 * band crosses into hot, the `lead.hot` outbox message and the automatic reminder — in one
 * transaction that also clears `needs_rescore`. The lead row stays locked for the transaction,
 * so a concurrent ingest that flags the lead waits and its flag survives for the next run.
 * Returns null when there was nothing to do (not flagged in `activity` mode, or the lead is gone).
 * Idempotent: the same input and `now` give the same row state, and a lead already hot emits nothing.
 */
export async function scoreLead({ em, leadId, now, mode, rules }: {
  em: EntityManager;
  leadId: string;
  now: Date;
  mode: ScoreMode;
  /** Rules to use; default: the user's current version. */
  rules?: { version: number; config: ScoringRulesConfig };
}): Promise<ScoreLeadResult | null> {
  return em.transactional(async (tem) => {
    let lead: ClaimedLead | undefined;
    if (mode === 'activity') {
      lead = await execRaw<ClaimedLead>(
        tem,
        `update leads set needs_rescore = false where lead_id = ? and needs_rescore returning ${CLAIM_COLUMNS}, true as was_flagged`,
        [leadId],
        'get',
      );
    } else {
      lead = await execRaw<ClaimedLead>(tem, `select ${CLAIM_COLUMNS}, needs_rescore as was_flagged from leads where lead_id = ? for update`, [leadId], 'get');
      if (lead?.was_flagged) await execRaw(tem, 'update leads set needs_rescore = false where lead_id = ?', [leadId], 'run');
    }
    if (!lead) return null;

    let use = rules;
    if (!use) {
      const current = await loadScoringRules(tem, lead.user_id);
      use = { version: current.version, config: current.rules };
    }
    const { version, config } = use;
    const inputs = (await loadScoringInputs(tem, [leadId], { now, halfLifeDays: config.halfLifeDays })).get(leadId)!;
    const result = computeScore({ activities: inputs.activities, inquiries: inputs.inquiries, rules: config, rulesVersion: version, now });
    await execRaw(
      tem,
      'update leads set score = ?, score_band = ?, score_breakdown = ?::jsonb, scored_at = ? where lead_id = ?',
      [result.score, result.band, JSON.stringify(result.breakdown), now, leadId],
      'run',
    );

    const crossedIntoHot = result.band === 'hot' && lead.score_band !== 'hot';
    const becameHot = crossedIntoHot && (mode !== 'rules' || lead.was_flagged);
    if (becameHot) {
      await recordLeadHot(tem, {
        leadId, userId: lead.user_id, name: lead.name, email: lead.email, phone: lead.phone,
        score: result.score, band: result.band, breakdown: result.breakdown,
      }, now);
    }
    return {
      leadId, score: result.score, band: result.band, previousScore: lead.score, previousBand: lead.score_band, rulesVersion: version, becameHot,
    };
  });
}

/** Whether a lead was flagged again after its last scoring (new activity arrived meanwhile). */
export async function isLeadFlaggedForRescore(em: EntityManager, leadId: string): Promise<boolean> {
  const row = await execRaw<{ needs_rescore: boolean }>(em, 'select needs_rescore from leads where lead_id = ?', [leadId], 'get');
  return row?.needs_rescore === true;
}
