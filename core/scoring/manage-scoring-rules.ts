import type { EntityManager } from '@mikro-orm/postgresql';
import { ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { enqueue, type Queues } from '../jobs/queues.ts';
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
  return toDoc(await loadScoringRules(em, ownerIdOf(tenant)));
}

/** `GET /v1/scoring-rules/rescore`: progress of the current version's background rescore. */
export async function getRescoreProgress({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<RescoreProgress> {
  const loaded = await loadScoringRules(em, ownerIdOf(tenant));
  return { version: loaded.version, total: loaded.rescore?.total ?? 0, done: loaded.rescore?.done ?? 0, finishedAt: loaded.rescore?.finishedAt ?? null };
}

/** BullMQ refuses ':' in custom job ids, hence `rescore-<userId>-<version>`. */
export function rescoreJobId(userId: string, version: number): string {
  return `rescore-${userId}-${version}`;
}

/**
 * `PUT /v1/scoring-rules`: appends version n+1 (the full rules, defaults filled in, so a version
 * means the same thing forever) with `rescore_total` = the user's lead count, then — after the
 * commit — enqueues the `leads.rescore-all` job (the sweeper re-enqueues it if that is lost).
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
    await execRaw(tem, 'select 1 from users where user_id = ? for no key update', [ownerIdOf(tenant)], 'get');
    const total = await execRaw<{ n: string }>(tem, 'select count(*) as n from leads where user_id = ?', [ownerIdOf(tenant)], 'get');
    const leads = Number(total?.n ?? 0);
    const row = await execRaw<{ version: number }>(
      tem,
      `insert into scoring_rules (scoring_rules_id, user_id, version, rules, created_at, rescore_total, rescore_done, rescore_finished_at)
       select gen_random_uuid(), ?, coalesce(max(version), 0) + 1, ?::jsonb, ?, ?, 0, ?
       from scoring_rules where user_id = ?
       returning version`,
      [ownerIdOf(tenant), JSON.stringify(rules), now, leads, leads === 0 ? now : null, ownerIdOf(tenant)],
      'get',
    );
    return { version: row!.version, leads };
  });
  if (saved.leads > 0) {
    await enqueueRescoreAll(queues, ownerIdOf(tenant), saved.version).catch((err) =>
      log.warn({ err, version: saved.version }, 'could not enqueue the rescore; the sweeper will'),
    );
  }
  // This request's version, not the latest: a concurrent save may already have added another.
  const loaded = await loadScoringRulesVersion(em, ownerIdOf(tenant), saved.version);
  return toDoc(loaded!);
}

/** Rescores whose job may have been lost: unfinished, created more than `olderThanMs` ago (the sweeper re-enqueues them). */
export async function findUnfinishedRescores(em: EntityManager, { now, olderThanMs, limit }: { now: Date; olderThanMs: number; limit: number }): Promise<Array<{ userId: string; version: number }>> {
  const rows = await execRaw<{ user_id: string; version: number }>(
    em,
    `select user_id, version from scoring_rules
     where rescore_finished_at is null and created_at < ?
     order by created_at limit ?`,
    [new Date(now.getTime() - olderThanMs), limit],
    'all',
  );
  return rows.map((r) => ({ userId: r.user_id, version: r.version }));
}

/** Wake-up for a rescore, after the commit or from the sweeper (same deterministic id: never two live jobs). */
export async function enqueueRescoreAll(queues: Queues, userId: string, version: number): Promise<void> {
  await enqueue(queues, 'rescoreUser', { userId, version }, { jobId: rescoreJobId(userId, version) });
}
