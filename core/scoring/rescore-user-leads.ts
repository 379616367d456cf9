import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { loadScoringRulesVersion } from './load-scoring-rules.ts';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { scoreLeads } from './score-lead.ts';

/** Leads scored per batch (one progress update per batch). */
export const RESCORE_BATCH_SIZE = 200;

export type RescoreOutcome = 'finished' | 'already_finished' | 'superseded' | 'missing';

/** SQL: the rules version a lead was last scored with (-1 when never scored). */
const LEAD_VERSION = sql<number>`coalesce((score_breakdown ->> 'rulesVersion')::int, -1)`;

/**
 * Rescores every lead of a user with rules `version` (the `leads.rescore-all` job), in keyset
 * batches by lead id, advancing `scoring_rules.rescore_done` after each batch and setting
 * `rescore_finished_at` at the end.
 *
 * Resumable without a cursor column: the breakdown records the rules version each lead was scored
 * with, so a rerun (a retried job after the worker died) first recounts progress from those
 * versions, then visits only leads not yet on this version. Each batch is one short transaction
 * (`scoreLeads`), so a killed worker loses at most the batch in flight. A newer version saved
 * meanwhile supersedes this run: it stops and marks itself finished, and the newer version's job
 * takes over.
 *
 * Scoped by `userId`, the owning account from the `rescoreUser` job payload (a worker acts for no
 * signed-in tenant), bound as a parameter in every statement.
 */
export async function rescoreUserLeads({ em, userId, version, now, config, onWakeups, batchSize = RESCORE_BATCH_SIZE, onBatch }: {
  em: EntityManager;
  /** For `lead.hot` announcements (only leads with pending activity emit one in a rules rescore). */
  config: Config;
  /** Receives each committed batch's wake-ups (lead.hot deliveries) to send; without it the sweeper sends them. */
  onWakeups?: (wakeups: Wakeup[]) => Promise<unknown>;
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

  const thisVersion = db(em).updateTable('scoring_rules').where('user_id', '=', userId).where('version', '=', version);
  const finish = async () => {
    await thisVersion
      .set({ rescore_done: sql`rescore_total`, rescore_finished_at: now() })
      .where('rescore_finished_at', 'is', null)
      .execute();
  };
  const superseded = async () => {
    const latest = await db(em).selectFrom('scoring_rules').select((eb) => eb.fn.max('version').as('v')).where('user_id', '=', userId).executeTakeFirst();
    return (latest?.v ?? 0) > version;
  };
  if (await superseded()) {
    await finish();
    return { outcome: 'superseded', scored: 0 };
  }

  // Resume: everything already on this version counts as done.
  await thisVersion
    .set({ rescore_done: sql`least(rescore_total, (select count(*) from leads where user_id = ${userId} and ${LEAD_VERSION} >= ${version}))` })
    .execute();

  const rules = { version, config: target.rules };
  let cursor = '00000000-0000-0000-0000-000000000000';
  let scored = 0;
  for (;;) {
    const batch = await db(em)
      .selectFrom('leads')
      .select('lead_id')
      .where('user_id', '=', userId)
      .where('lead_id', '>', cursor)
      .where(LEAD_VERSION, '<', version)
      .orderBy('lead_id')
      .limit(batchSize)
      .execute();
    if (!batch.length) break;
    const results = await scoreLeads({ em, leadIds: batch.map((b) => b.lead_id), now: now(), mode: 'rules', rules, config });
    scored += results.length;
    await onWakeups?.(results.flatMap((r) => r.hot?.wakeups ?? []));
    cursor = batch.at(-1)!.lead_id;
    const progress = await thisVersion
      .set({ rescore_done: sql`least(rescore_total, rescore_done + ${batch.length})` })
      .returning('rescore_done')
      .executeTakeFirst();
    await onBatch?.({ scored, done: progress?.rescore_done ?? 0 });
    if (await superseded()) {
      await finish();
      return { outcome: 'superseded', scored };
    }
  }
  await finish();
  return { outcome: 'finished', scored };
}
