import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';

export const ZLeadCountsJson = z.object({
  total: z.number().int(),
  byBand: z.object({ hot: z.number().int(), warm: z.number().int(), cold: z.number().int() }),
});
export type LeadCountsJson = z.output<typeof ZLeadCountsJson>;

/**
 * `GET /v1/lead-counts`: how many leads the realtor has in each band, for the counts above the
 * lead list. An index-only scan of leads_user_band_score_index (user_id, score_band, …).
 */
export async function countLeadsByBand({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<LeadCountsJson> {
  const rows = await db(em)
    .selectFrom('leads')
    .select(['score_band', (eb) => eb.fn.countAll<string>().as('n')])
    .where(ownedBy(tenant))
    .groupBy('score_band')
    .execute();
  const byBand = { hot: 0, warm: 0, cold: 0 };
  for (const r of rows) byBand[r.score_band] = pgCount(r.n);
  return { total: byBand.hot + byBand.warm + byBand.cold, byBand };
}
