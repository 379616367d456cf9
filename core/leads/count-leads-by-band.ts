import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Tenant } from '../accounts/tenant.ts';
import { countLeadsPerBand } from '../analytics/lead-band-counts.ts';

export const ZLeadCountsJson = z.object({
  total: z.number().int(),
  byBand: z.object({ hot: z.number().int(), warm: z.number().int(), cold: z.number().int() }),
});
export type LeadCountsJson = z.output<typeof ZLeadCountsJson>;

/**
 * `GET /v1/lead-counts`: how many leads the realtor has in each band, for the counts above the
 * lead list — from the band-count deltas the analytics summary reads too (countLeadsPerBand), a
 * few rows per band instead of a scan of every lead on each list refresh.
 */
export async function countLeadsByBand({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<LeadCountsJson> {
  const byBand = await countLeadsPerBand({ em, tenant });
  return { total: byBand.hot + byBand.warm + byBand.cold, byBand };
}
