import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import { loadScoringRulesVersion } from './load-scoring-rules.ts';
import { scoreLeads } from './score-lead.ts';

/** Leads scored per batch (one progress update per batch). */
export const RESCORE_BATCH_SIZE = 200;

export type RescoreOutcome = 'finished' | 'already_finished' | 'superseded' | 'missing';

/** SQL: the rules version a lead was last scored with (-1 when never scored). */
const LEAD_VERSION = `coalesce((score_breakdown ->> 'rulesVersion')::int, -1)`;

/**
 * Rescores every lead of a user with rules `version` (the `leads.rescore-all` job), in keyset
 * batches by lead id, advancing `scoring_rules.rescore_done` after each batch and setting
 * `rescore_finished_at` at the end.
 *
 * Resumable without a cursor column: the breakdown records the rules version each lead was scored
 * with, so a rerun (a retried job after the worker died) first recounts progress from those
 * versions, then visits only leads not yet on this version. Each batch is one short transaction
 * (`scoreLeads`), so a killed worker loses at most the batch in flight. A newer version saved meanwhile supersedes this run: it stops and marks itself
 * finished, and the newer version's job takes over.
 */
export async function rescoreUserLeads({ em, userId, version, now, batchSize = RESCORE_BATCH_SIZE, onBatch }: {
  em: EntityManager;
  userId: string;
  version: number;
  now: () => Date;
  /** Leads per batch. Default RESCORE_BATCH_SIZE (200). */
  batchSize?: number;
  /** Called after each committed batch (tests, logs). */
  onBatch?: (progress: { scored: number; done: number }) => Promise<void> | void;
}): Promise<{ outcome: RescoreOutcome; scored: number }> {
  const target = await loadScoringRulesVersion(em, userId, version);
  if (!target) return { outcome: 'missing', scored: 0 };
  if (target.rescore?.finishedAt) return { outcome: 'already_finished', scored: 0 };

  const finish = async () => {
    await execRaw(
      em,
      'update scoring_rules set rescore_done = rescore_total, rescore_finished_at = ? where user_id = ? and version = ? and rescore_finished_at is null',
      [now(), userId, version],
      'run',
    );
  };
  const superseded = async () => {
    const latest = await execRaw<{ v: number }>(em, 'select max(version) as v from scoring_rules where user_id = ?', [userId], 'get');
    return (latest?.v ?? 0) > version;
  };
  if (await superseded()) {
    await finish();
    return { outcome: 'superseded', scored: 0 };
  }

  // Resume: everything already on this version counts as done.
  await execRaw(
    em,
    `update scoring_rules set rescore_done = least(rescore_total, (select count(*) from leads where user_id = ? and ${LEAD_VERSION} >= ?))
     where user_id = ? and version = ?`,
    [userId, version, userId, version],
    'run',
  );

  const rules = { version, config: target.rules };
  let cursor = '00000000-0000-0000-0000-000000000000';
  let scored = 0;
  for (;;) {
    const batch = await execRaw<{ lead_id: string }>(
      em,
      `select lead_id from leads where user_id = ? and lead_id > ? and ${LEAD_VERSION} < ? order by lead_id limit ?`,
      [userId, cursor, version, batchSize],
      'all',
    );
    if (!batch.length) break;
    scored += (await scoreLeads({ em, leadIds: batch.map((b) => b.lead_id), now: now(), mode: 'rules', rules })).length;
    cursor = batch.at(-1)!.lead_id;
    const progress = await execRaw<{ rescore_done: number }>(
      em,
      'update scoring_rules set rescore_done = least(rescore_total, rescore_done + ?) where user_id = ? and version = ? returning rescore_done',
      [batch.length, userId, version],
      'get',
    );
    await onBatch?.({ scored, done: progress?.rescore_done ?? 0 });
    if (await superseded()) {
      await finish();
      return { outcome: 'superseded', scored };
    }
  }
  await finish();
  return { outcome: 'finished', scored };
}
