import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { compactionLockName } from './lead-daily-counts.ts';
import { pgCount } from '../db/pg-values.ts';
import type { ScoreBand } from '../shared/enums.ts';

/** Keys folded per compaction statement. */
export const BAND_COUNT_COMPACT_KEYS = 1_000;

/**
 * A realtor's leads per score band (all sites, or one), from `lead_band_counts`: the sum of a few
 * delta rows per band, kept by triggers on `leads` (see lead-band-count.entity.ts). Equal to
 * `count(*) … group by score_band` over the leads in the same snapshot.
 */
export async function countLeadsPerBand({ em, tenant, site }: { em: EntityManager; tenant: Tenant; site?: string }): Promise<Record<ScoreBand, number>> {
  let query = db(em).selectFrom('lead_band_counts').select(['score_band', (eb) => eb.fn.sum<string>('n').as('n')]).where(ownedBy(tenant)).groupBy('score_band');
  if (site) query = query.where('site_id', '=', site);
  const bands = { hot: 0, warm: 0, cold: 0 };
  for (const r of await query.execute()) if (r.score_band in bands) bands[r.score_band as ScoreBand] = pgCount(r.n);
  return bands;
}

/**
 * Folds the delta rows of every key (realtor, site, band) that has uncompacted rows into one
 * compacted row (none when the sum is 0: an account's or site's leads all gone). A key's sum never
 * changes: the delete and the insert commit together, and rows appended meanwhile are not in the
 * delete's snapshot, so they stay. One compaction at a time (transaction advisory lock); returns
 * how many delta rows were folded.
 */
export async function compactLeadBandCounts({ em }: { em: EntityManager }): Promise<number> {
  let folded = 0;
  for (;;) {
    const n = await em.transactional(async (tem) => {
      const q = db(tem);
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${compactionLockName('lead_band_counts')})) as ok`.execute(q);
      if (!lock.rows[0]?.ok) return 0;
      const r = await sql<{ n: string | null }>`
        with keys as (
          select distinct user_id, site_id, score_band from lead_band_counts where not compacted limit ${BAND_COUNT_COMPACT_KEYS}
        ), gone as (
          delete from lead_band_counts c using keys k
          where c.user_id = k.user_id and c.site_id = k.site_id and c.score_band = k.score_band
          returning c.user_id, c.site_id, c.score_band, c.n
        ), kept as (
          insert into lead_band_counts (user_id, site_id, score_band, n, compacted)
          select user_id, site_id, score_band, sum(n), true from gone group by 1, 2, 3 having sum(n) <> 0
        )
        select count(*)::text as n from gone`.execute(q);
      return pgCount(r.rows[0]?.n);
    });
    folded += n;
    if (n === 0) return folded;
    // A full batch of keys may leave more behind; a short one means this pass is done.
    if (n < BAND_COUNT_COMPACT_KEYS) return folded;
  }
}
