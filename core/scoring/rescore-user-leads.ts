import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { loadScoringRulesVersion } from './load-scoring-rules.ts';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { type ScoreLeadResult, scoreLeadBatch } from './score-lead.ts';

/** Leads scored per batch (one transaction, one progress update per batch). */
export const RESCORE_BATCH_SIZE = 200;
/**
 * Batches of one rescore in flight at once, each its own transaction on its own connection. Two
 * keep Postgres busy while the worker computes (one batch's scores are written while the next
 * one's rows are read): measured 1.6–2× one at a time on 2 cores.
 */
export const RESCORE_CONCURRENCY = 2;

export type RescoreOutcome = 'finished' | 'already_finished' | 'superseded' | 'missing';

/** SQL: the rules version a lead was last scored with (-1 when never scored). */
const LEAD_VERSION = sql<number>`coalesce((score_breakdown ->> 'rulesVersion')::int, -1)`;

/**
 * Rescores every lead of a user with rules `version` (the `leads.rescore-all` job), in keyset
 * batches by lead id, `concurrency` batches in flight, and sets `rescore_finished_at` at the end.
 * Each batch is one short transaction (`scoreLeadBatch`): it locks its leads, reads their inputs
 * in one statement and, in one more, writes their scores and advances `scoring_rules.rescore_done`
 * by the leads written — so the progress never counts a batch that did not commit — reading the
 * latest version in the same statement.
 *
 * Resumable without a cursor column: the breakdown records the rules version each lead was scored
 * with, so a rerun (a retried job after the worker died) first recounts progress from those
 * versions, then visits only leads not yet on this version. A killed worker loses at most the
 * batches in flight (they roll back whole; see `scoreLeadBatch` on their asynchronous commit). A
 * newer version saved meanwhile supersedes this run: it starts no further batch, lets those in
 * flight finish, marks itself finished, and the newer version's job takes over.
 *
 * Scoped by `userId`, the owning account from the `rescoreUser` job payload (a worker acts for no
 * signed-in tenant), bound as a parameter in every statement.
 */
export async function rescoreUserLeads({ em, userId, version, now, config, onWakeups, onScored, batchSize = RESCORE_BATCH_SIZE, concurrency = RESCORE_CONCURRENCY, onBatch }: {
  em: EntityManager;
  /** For `lead.hot` announcements (only leads with pending activity emit one in a rules rescore). */
  config: Config;
  /** Receives each committed batch's wake-ups (lead.hot deliveries) to send; without it the sweeper sends them. */
  onWakeups?: (wakeups: Wakeup[]) => Promise<unknown>;
  /** Receives each committed batch's results (the worker tells the open admins about changed scores). */
  onScored?: (results: ScoreLeadResult[]) => Promise<unknown>;
  userId: string;
  version: number;
  now: () => Date;
  /** Leads per batch. Default RESCORE_BATCH_SIZE (200). */
  batchSize?: number;
  /** Batches in flight at once. Default RESCORE_CONCURRENCY (2). */
  concurrency?: number;
  /** Called after each committed batch (tests, logs). */
  onBatch?: (progress: { scored: number; done: number }) => Promise<void> | void;
}): Promise<{ outcome: RescoreOutcome; scored: number }> {
  const target = await loadScoringRulesVersion(em, userId, version);
  if (!target) return { outcome: 'missing', scored: 0 };
  if (target.rescore?.finishedAt) return { outcome: 'already_finished', scored: 0 };

  const thisVersion = db(em).updateTable('scoring_rules').where('user_id', '=', userId).where('version', '=', version);
  const finish = async () => {
    await thisVersion
      .set({ rescore_done: sql`rescore_total`, rescore_finished_at: now(), rescore_progressed_at: sql`now()` })
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

  // Resume: everything already on this version counts as done. Only a recount that changes `done`
  // moves the progress time: a job picked up again that finds nothing new has not moved the
  // rescore, and its first batch will (within seconds when it runs).
  // (The count in `from`, once, rather than a subquery in both assignments, which Postgres runs twice.)
  const recounted = sql<number>`least(rescore_total, c.n)`;
  await thisVersion
    .from(sql`(select count(*) as n from leads where user_id = ${userId} and ${LEAD_VERSION} >= ${version})`.as('c'))
    .set({ rescore_done: recounted, rescore_progressed_at: sql`case when rescore_done is distinct from ${recounted} then now() else rescore_progressed_at end` })
    .execute();

  const rules = { version, config: target.rules };
  let scored = 0;
  let stop = false;
  let failed: { error: unknown } | null = null;
  const runBatch = async (leadIds: string[]) => {
    // A fork per batch: batches in flight each hold their own transaction.
    const batch = await scoreLeadBatch({ em: em.fork(), leadIds, now: now(), mode: 'rules', rules, config, progress: { userId, version } });
    scored += batch.results.length;
    await onWakeups?.(batch.results.flatMap((r) => r.hot?.wakeups ?? []));
    await onScored?.(batch.results);
    // Nothing written (every lead of the batch deleted meanwhile): no progress row to read.
    if (batch.progress ? batch.progress.latestVersion > version : await superseded()) stop = true;
    if (batch.progress) await onBatch?.({ scored, done: batch.progress.done });
  };
  const inFlight = new Set<Promise<void>>();
  let cursor = '00000000-0000-0000-0000-000000000000';
  while (!stop && !failed) {
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
    cursor = batch.at(-1)!.lead_id;
    const running: Promise<void> = runBatch(batch.map((b) => b.lead_id))
      .catch((error: unknown) => {
        failed ??= { error };
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failed) throw (failed as { error: unknown }).error;
  await finish();
  return { outcome: stop ? 'superseded' : 'finished', scored };
}
