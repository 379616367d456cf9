import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';

/**
 * Leads flagged for rescoring whose flag is older than `olderThanMs` — longer than a live
 * scoring job (1 s debounce) would leave it — oldest first, via leads_needs_rescore_index. The
 * sweeper re-enqueues `leads.score` for each; the deterministic job id makes that a no-op when
 * the job still exists.
 */
export async function findLeadsAwaitingRescore(em: EntityManager, { now, olderThanMs, limit }: { now: Date; olderThanMs: number; limit: number }): Promise<string[]> {
  const rows = await db(em)
    .selectFrom('leads')
    .select('lead_id')
    .where(sql<boolean>`needs_rescore`)
    .where('updated_at', '<', new Date(now.getTime() - olderThanMs).toISOString())
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.lead_id);
}
