import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';

/**
 * Leads flagged for rescoring whose flag is older than `olderThanMs` — longer than a live
 * scoring job (1 s debounce) would leave it — oldest first, via leads_needs_rescore_index. The
 * sweeper re-enqueues `leads.score` for each; the deterministic job id makes that a no-op when
 * the job still exists.
 */
export async function findLeadsAwaitingRescore(em: EntityManager, { now, olderThanMs, limit }: { now: Date; olderThanMs: number; limit: number }): Promise<string[]> {
  const rows = await execRaw<{ lead_id: string }>(
    em,
    'select lead_id from leads where needs_rescore and updated_at < ? order by updated_at limit ?',
    [new Date(now.getTime() - olderThanMs), limit],
    'all',
  );
  return rows.map((r) => r.lead_id);
}
