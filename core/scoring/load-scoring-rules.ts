import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, ownedByAccount, type Tenant } from '../accounts/tenant.ts';
import { db, type Row } from '../db/kysely.ts';
import { pgTimeToIso } from '../db/pg-values.ts';
import { parseScoringRules, type ScoringRulesConfig } from './scoring-rules.ts';

export interface LoadedScoringRules {
  /** 0 = the built-in defaults (the user never saved rules). */
  version: number;
  rules: ScoringRulesConfig;
  createdAt: string | null;
  /** `idleMs`: milliseconds since the rescore last moved, by Postgres's clock; null once finished. */
  rescore: { total: number; done: number; finishedAt: string | null; idleMs: number | null } | null;
}

/**
 * Whose rules: the realtor's `Tenant` in a request, or, in the scoring workers, the owning
 * account's id as the job payload (or the lead row) carries it — a worker acts for no signed-in
 * tenant, so that id is the scope, bound as a parameter like any other value.
 */
export type ScoringRulesOwner = Tenant | string;

const COLUMNS = ['version', 'rules', 'created_at', 'rescore_total', 'rescore_done', 'rescore_finished_at'] as const;
/**
 * Both times on Postgres's clock (rescore_progressed_at is written with now() too), so neither the
 * API host's nor the browser's clock enters the answer. Clamped at 0: a reading transaction may
 * have started before a write it sees committed.
 */
const IDLE_MS = sql<number | null>`case when rescore_finished_at is null then greatest(0, floor(extract(epoch from now() - rescore_progressed_at) * 1000))::float8 end`;
type RulesRow = Pick<Row<'scoring_rules'>, (typeof COLUMNS)[number]> & { idle_ms: number | null };

function toLoaded(row: RulesRow | undefined): LoadedScoringRules {
  if (!row) return { version: 0, rules: parseScoringRules({}), createdAt: null, rescore: null };
  return {
    version: row.version,
    rules: parseScoringRules(row.rules),
    createdAt: pgTimeToIso(row.created_at),
    rescore: { total: row.rescore_total, done: row.rescore_done, finishedAt: pgTimeToIso(row.rescore_finished_at), idleMs: row.idle_ms },
  };
}

function selectRules(em: EntityManager, owner: ScoringRulesOwner) {
  const query = db(em).selectFrom('scoring_rules').select([...COLUMNS, IDLE_MS.as('idle_ms')]);
  return query.where(typeof owner === 'string' ? ownedByAccount(owner) : ownedBy(owner));
}

/** The owner's current rules: the highest saved version, or the defaults as version 0. */
export async function loadScoringRules(em: EntityManager, owner: ScoringRulesOwner): Promise<LoadedScoringRules> {
  return toLoaded(await selectRules(em, owner).orderBy('version', 'desc').limit(1).executeTakeFirst());
}

/** One saved version, or null. */
export async function loadScoringRulesVersion(em: EntityManager, owner: ScoringRulesOwner, version: number): Promise<LoadedScoringRules | null> {
  const row = await selectRules(em, owner).where('version', '=', version).executeTakeFirst();
  return row ? toLoaded(row) : null;
}
