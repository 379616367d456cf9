import type { EntityManager } from '@mikro-orm/postgresql';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { computeScore } from './compute-score.ts';
import { loadScoringInputs } from './load-scoring-inputs.ts';
import { loadScoringRules } from './load-scoring-rules.ts';
import type { ScoringRulesConfig } from './scoring-rules.ts';
import type { ScoringPreview } from './scoring-rules-schemas.ts';

/** Most leads a preview scores (the most recently active ones); it runs inside the request. */
export const PREVIEW_LEADS_CAP = 5000;
const PREVIEW_BATCH_SIZE = 250;

/**
 * `POST /v1/scoring-rules/preview`: without saving anything, scores the user's most recently
 * active leads (at most `cap`) under the current and the proposed rules at the same instant, and
 * counts band changes. Both sides use the same `now`, so the answer isolates the rule change from
 * decay since each lead was last scored.
 */
export async function previewScoringRules({ em, tenant, rules, now, cap = PREVIEW_LEADS_CAP }: {
  em: EntityManager;
  tenant: Tenant;
  rules: ScoringRulesConfig;
  now: Date;
  /** Default PREVIEW_LEADS_CAP (5,000). */
  cap?: number;
}): Promise<ScoringPreview> {
  const current = await loadScoringRules(em, tenant);
  const total = await db(em).selectFrom('leads').select((eb) => eb.fn.countAll<string>().as('n')).where(ownedBy(tenant)).executeTakeFirstOrThrow();
  const ids = await db(em)
    .selectFrom('leads')
    .select('lead_id')
    .where(ownedBy(tenant))
    .orderBy('last_activity_at', (o) => o.desc().nullsLast())
    .orderBy('lead_id', 'desc')
    .limit(cap)
    .execute();
  const halfLifeDays = Math.max(current.rules.halfLifeDays, rules.halfLifeDays);
  const byTransition: Record<string, number> = {};
  let changed = 0;
  for (let i = 0; i < ids.length; i += PREVIEW_BATCH_SIZE) {
    const batch = ids.slice(i, i + PREVIEW_BATCH_SIZE).map((r) => r.lead_id);
    const inputs = await loadScoringInputs(em, batch, { now, halfLifeDays });
    for (const leadId of batch) {
      const { activities, inquiries } = inputs.get(leadId)!;
      const before = computeScore({ activities, inquiries, rules: current.rules, rulesVersion: current.version, now }).band;
      const after = computeScore({ activities, inquiries, rules, rulesVersion: current.version + 1, now }).band;
      if (before !== after) {
        changed++;
        const key = `${before}→${after}`;
        byTransition[key] = (byTransition[key] ?? 0) + 1;
      }
    }
  }
  return { sampled: ids.length, cap, total: pgCount(total.n), changed, byTransition };
}
