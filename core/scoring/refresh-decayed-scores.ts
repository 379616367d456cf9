import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import type { Config } from '../config.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { type ScoreLeadResult, scoreLeads } from './score-lead.ts';
import { HOUR_MS } from '../shared/time.ts';

/** A stored score older than this is recomputed by the refresh (decay at 14 days' half-life: ≤ 1.5% in 6 h). */
export const REFRESH_SCORES_AFTER_MS = 6 * HOUR_MS;
/** Most leads one refresh run rescores; the next run continues. */
export const REFRESH_SCORES_MAX_PER_RUN = 20_000;
export const REFRESH_SCORES_BATCH_SIZE = 500;

/**
 * Decay lowers a score over time with no new activity, so stored scores drift above their true
 * value. This recomputes leads with `score > 0` scored more than `staleAfterMs` ago, oldest
 * first, in keyset batches on (scored_at, lead_id) — served by leads_refresh_index — each batch
 * scored in one transaction (`scoreLeads`), so `order by score` on the dashboard stays true.
 * Bounded per run. Each lead gets its owner's newest rules; one not yet rescored to them
 * announces no crossing into hot that only the new rules make (`refresh` in ScoreMode), so a
 * lowered threshold floods nobody when this runs before the rescore. The keyset key is `scored_at` as Postgres text, exact to the microsecond (the
 * ORM's pool does not turn timestamps into millisecond Dates), bound back as `::timestamptz`.
 */
export async function refreshDecayedScores({ em, now, config, onWakeups, onScored, staleAfterMs = REFRESH_SCORES_AFTER_MS, maxLeads = REFRESH_SCORES_MAX_PER_RUN, batchSize = REFRESH_SCORES_BATCH_SIZE }: {
  em: EntityManager;
  /** For a `lead.hot` announcement (a refresh rarely raises a score, but may). */
  config: Config;
  /** Receives each committed batch's wake-ups (lead.hot deliveries) to send; without it the sweeper sends them. */
  onWakeups?: (wakeups: Wakeup[]) => Promise<unknown>;
  /** Receives each committed batch's results (the worker tells the open admins about changed scores). */
  onScored?: (results: ScoreLeadResult[]) => Promise<unknown>;
  now: () => Date;
  /** Default REFRESH_SCORES_AFTER_MS (6 h). */
  staleAfterMs?: number;
  /** Default REFRESH_SCORES_MAX_PER_RUN (20,000). */
  maxLeads?: number;
  /** Default REFRESH_SCORES_BATCH_SIZE (500). */
  batchSize?: number;
}): Promise<{ refreshed: number; lowered: number }> {
  const threshold = new Date(now().getTime() - staleAfterMs).toISOString();
  let after: { scoredAt: string; id: string } | null = null;
  let refreshed = 0;
  let lowered = 0;
  while (refreshed < maxLeads) {
    const rows: Array<{ lead_id: string; scored_at: string | null }> = await db(em)
      .selectFrom('leads')
      .select(['lead_id', 'scored_at'])
      .where('score', '>', 0)
      .where('scored_at', '<', threshold)
      .$if(after !== null, (qb) => qb.where(sql<boolean>`(scored_at, lead_id) > (${after!.scoredAt}::timestamptz, ${after!.id}::uuid)`))
      .orderBy('scored_at')
      .orderBy('lead_id')
      .limit(Math.min(batchSize, maxLeads - refreshed))
      .execute();
    if (!rows.length) break;
    const results = await scoreLeads({ em, leadIds: rows.map((r) => r.lead_id), now: now(), mode: 'refresh', config });
    await onWakeups?.(results.flatMap((r) => r.hot?.wakeups ?? []));
    await onScored?.(results);
    refreshed += rows.length;
    for (const result of results) if (result.score < result.previousScore) lowered++;
    const last = rows.at(-1)!;
    after = { scoredAt: last.scored_at!, id: last.lead_id };
  }
  return { refreshed, lowered };
}
