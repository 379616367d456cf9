import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import { pgTimeToIso } from '../leads/pg-values.ts';
import { parseScoringRules, type ScoringRulesConfig } from './scoring-rules.ts';

export interface LoadedScoringRules {
  /** 0 = the built-in defaults (the user never saved rules). */
  version: number;
  rules: ScoringRulesConfig;
  createdAt: string | null;
  rescore: { total: number; done: number; finishedAt: string | null } | null;
}

interface Row {
  version: number;
  rules: unknown;
  created_at: string;
  rescore_total: number;
  rescore_done: number;
  rescore_finished_at: string | null;
}

function toLoaded(row: Row | undefined): LoadedScoringRules {
  if (!row) return { version: 0, rules: parseScoringRules({}), createdAt: null, rescore: null };
  return {
    version: row.version,
    rules: parseScoringRules(row.rules),
    createdAt: pgTimeToIso(row.created_at),
    rescore: { total: row.rescore_total, done: row.rescore_done, finishedAt: pgTimeToIso(row.rescore_finished_at) },
  };
}

const COLUMNS = 'version, rules, created_at, rescore_total, rescore_done, rescore_finished_at';

/** The user's current rules: the highest saved version, or the defaults as version 0. */
export async function loadScoringRules(em: EntityManager, userId: string): Promise<LoadedScoringRules> {
  const row = await execRaw<Row>(em, `select ${COLUMNS} from scoring_rules where user_id = ? order by version desc limit 1`, [userId], 'get');
  return toLoaded(row);
}

/** One saved version, or null. */
export async function loadScoringRulesVersion(em: EntityManager, userId: string, version: number): Promise<LoadedScoringRules | null> {
  const row = await execRaw<Row>(em, `select ${COLUMNS} from scoring_rules where user_id = ? and version = ?`, [userId, version], 'get');
  return row ? toLoaded(row) : null;
}
