import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import type { Queues } from '../jobs/queues.ts';
import { createWakeup, enqueueAfterCommit } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { type LoadedScoringRules, loadScoringRules, loadScoringRulesVersion } from './load-scoring-rules.ts';
import type { ScoringRulesConfig } from './scoring-rules.ts';
import type { RescoreProgress, ScoringRulesDoc } from './scoring-rules-schemas.ts';

function toDoc(loaded: LoadedScoringRules): ScoringRulesDoc {
  return {
    version: loaded.version,
    rules: loaded.rules,
    createdAt: loaded.createdAt,
    rescore: loaded.rescore ? { version: loaded.version, ...loaded.rescore } : null,
  };
}

/** `GET /v1/scoring-rules`: the current version (the defaults as version 0 when none is saved). */
export async function getScoringRules({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<ScoringRulesDoc> {
  return toDoc(await loadScoringRules(em, tenant));
}

/** The progress of version 0 (rules never saved): nothing to rescore. */
const NO_RESCORE = { total: 0, done: 0, finishedAt: null, idleMs: null } as const;

/** `GET /v1/scoring-rules/rescore`: progress of the current version's background rescore. */
export async function getRescoreProgress({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<RescoreProgress> {
  const loaded = await loadScoringRules(em, tenant);
  return { version: loaded.version, ...(loaded.rescore ?? NO_RESCORE) };
}

/**
 * `PUT /v1/scoring-rules`: appends version n+1 (the full rules, defaults filled in, so a version
 * means the same thing forever) with `rescore_total` = the user's lead count, then — after the
 * commit — sends the `leads.rescore-all` wake-up (the sweeper re-enqueues it if that is lost).
 * Rules equal to the current version (defaults filled in on both sides) save nothing and rescore
 * nothing: the answer is the current version with `unchanged: true`.
 */
export async function saveScoringRules({ em, queues, tenant, rules, now, log }: {
  em: EntityManager;
  queues: Queues;
  tenant: Tenant;
  rules: ScoringRulesConfig;
  now: Date;
  log: Logger;
}): Promise<ScoringRulesDoc> {
  // Saves of one user queue on the user's row (FOR NO KEY UPDATE leaves FK inserts alone): racing
  // for max(version)+1 at the unique index instead made a burst of saves exhaust the retries (a 500).
  const saved = await transactionalWithRetry(em, async (tem) => {
    await db(tem).selectFrom('users').select('user_id').where(ownedBy(tenant)).forNoKeyUpdate().execute();
    const current = await loadScoringRules(tem, tenant);
    if (isDeepStrictEqual(current.rules, rules)) return { unchanged: current, version: current.version, wakeups: [] };
    const leads = pgCount((await db(tem).selectFrom('leads').select((eb) => eb.fn.countAll<string>().as('n')).where(ownedBy(tenant)).executeTakeFirstOrThrow()).n);
    // Under the lock above, max(version) + 1 is this save's alone.
    const latest = await db(tem).selectFrom('scoring_rules').select((eb) => eb.fn.max('version').as('v')).where(ownedBy(tenant)).executeTakeFirstOrThrow();
    const row = await db(tem)
      .insertInto('scoring_rules')
      .values({
        scoring_rules_id: sql`gen_random_uuid()`, user_id: ownerIdOf(tenant), version: (latest.v ?? 0) + 1, rules: sql`${JSON.stringify(rules)}::jsonb`,
        created_at: now, rescore_total: leads, rescore_done: 0, rescore_finished_at: leads === 0 ? now : null,
        // Postgres's clock, not `now`: `idleMs` is measured against Postgres's now() (load-scoring-rules.ts).
        rescore_progressed_at: sql`now()`,
      })
      .returning('version')
      .executeTakeFirstOrThrow();
    const wakeups = leads > 0 ? [createWakeup('rescoreUser', { userId: ownerIdOf(tenant), version: row.version })] : [];
    return { unchanged: null, version: row.version, wakeups };
  });
  if (saved.unchanged) return { ...toDoc(saved.unchanged), unchanged: true };
  await enqueueAfterCommit(queues, saved.wakeups, log);
  // This request's version, not the latest: a concurrent save may already have added another.
  const loaded = await loadScoringRulesVersion(em, tenant, saved.version);
  return { ...toDoc(loaded!), unchanged: false };
}

/**
 * Rescores whose job may have been lost: unfinished, and idle for more than `olderThanMs` (their
 * `rescore_progressed_at`: saved, a batch written, a resume's recount, see Migration20261202030000).
 * The sweeper re-enqueues them. A long rescore that is still moving is left alone (its job id would
 * dedupe a re-enqueue anyway; this spares the sweeper the attempt).
 */
export async function findUnfinishedRescores(em: EntityManager, { now, olderThanMs, limit }: { now: Date; olderThanMs: number; limit: number }): Promise<Array<{ userId: string; version: number }>> {
  // Every account's (the sweeper's view): no tenant scope.
  const rows = await db(em)
    .selectFrom('scoring_rules')
    .select(['user_id', 'version'])
    .where('rescore_finished_at', 'is', null)
    .where('rescore_progressed_at', '<', new Date(now.getTime() - olderThanMs).toISOString())
    .orderBy('rescore_progressed_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ userId: r.user_id, version: r.version }));
}
