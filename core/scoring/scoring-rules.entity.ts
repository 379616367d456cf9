import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';

/**
 * One version of a user's scoring rules. Versions are append-only; the highest is current.
 * The rescore_* columns report the background rescore that a new version starts.
 */
export const ScoringRulesSchema = defineEntity({
  name: 'ScoringRules',
  tableName: 'scoring_rules',
  properties: {
    scoringRulesId: uuidPrimaryKey(),
    user: ownerColumn(),
    version: p.integer(),
    rules: p.json<Record<string, unknown>>(),
    createdAt: createdAtColumn(),
    rescoreTotal: p.integer().default(0),
    rescoreDone: p.integer().default(0),
    rescoreFinishedAt: p.datetime().nullable(),
    /** When the rescore last moved (saved, a batch written, finished); Postgres's clock, so `idleMs` can be measured against it. */
    rescoreProgressedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [{ name: 'scoring_rules_user_version_unique', properties: ['user', 'version'] }],
});
export type ScoringRules = InferEntity<typeof ScoringRulesSchema>;
