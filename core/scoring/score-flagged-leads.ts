import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedByAccount } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { RESCORE_BATCH_SIZE } from './rescore-user-leads.ts';
import { type ScoreLeadResult, scoreLeadBatch } from './score-lead.ts';

/**
 * Passes over the account's flagged leads one job makes. A change that flags more of them while
 * the job runs cannot enqueue another (the job id is taken while it is active), so the job looks
 * again once it has been through them all; past the bound, the sweeper finishes the work.
 */
export const MAX_FLAGGED_PASSES = 3;

/**
 * Scores every lead of one account flagged `needs_rescore` (the `leads.score-flagged` job), in
 * keyset batches by lead id: what one change that flags many leads at once (a deleted site's
 * browsers) wakes instead of one `leads.score` job per lead. Each batch is `scoreLeadBatch` in
 * `activity` mode — one transaction that claims the flags, reads the inputs in one statement and
 * writes the scores in one more — so a lead is scored exactly as its own `leads.score` job would
 * score it (a lead whose pending activity takes it into hot is announced), and one whose flag
 * another run took meanwhile is skipped. Batches run one after the other on one connection: the
 * job holds one slot of the `leads` queue and one connection, and the other accounts' scoring
 * keeps the rest (a job per lead filled the queue ahead of them).
 *
 * Safe to run twice: what is left to do is the flags, read again on each batch.
 * Scoped by `userId`, the owning account from the job payload, bound in every statement.
 */
export async function scoreFlaggedLeads({ em, userId, now, config, batchSize = RESCORE_BATCH_SIZE, onBatch }: {
  em: EntityManager;
  /** For `lead.hot` announcements. */
  config: Config;
  userId: string;
  now: () => Date;
  /** Leads per batch. Default RESCORE_BATCH_SIZE (200). */
  batchSize?: number;
  /** Receives each committed batch's results: the hot wake-ups to send, the live events to publish. */
  onBatch?: (results: ScoreLeadResult[]) => Promise<unknown>;
}): Promise<{ scored: number; batches: number; passes: number }> {
  let scored = 0;
  let batches = 0;
  let passes = 0;
  while (passes < MAX_FLAGGED_PASSES) {
    passes++;
    let claimed = 0;
    let cursor = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await db(em)
        .selectFrom('leads')
        .select('lead_id')
        .where(ownedByAccount(userId))
        .where(sql<boolean>`needs_rescore`)
        .where('lead_id', '>', cursor)
        .orderBy('lead_id')
        .limit(batchSize)
        .execute();
      if (!rows.length) break;
      cursor = rows.at(-1)!.lead_id;
      const { results } = await scoreLeadBatch({ em: em.fork(), leadIds: rows.map((r) => r.lead_id), now: now(), mode: 'activity', config });
      batches++;
      claimed += results.length;
      await onBatch?.(results);
    }
    scored += claimed;
    // Nothing claimed in a whole pass: nothing was left behind the cursor either.
    if (claimed === 0) break;
  }
  return { scored, batches, passes };
}
