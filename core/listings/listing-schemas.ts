import { z } from 'zod';
import { zLimit } from '../db/keyset-cursor.ts';
import { ZAnalyticsQuery } from '../analytics/analytics-schemas.ts';
import { withRenamedIdFilter } from '../validation/renamed-id-filter.ts';

export const LISTINGS_PAGE_DEFAULT = 50;
export const LISTINGS_PAGE_MAX = 200;

/**
 * `GET /v1/listings?site&from&to&cursor&limit`: a realtor's listings, most recently seen first, with
 * their figures over UTC days [from, to] (default the last 30). `site`, as on the other lists
 * (leads, analytics); `siteId`, the name it first shipped with, is kept as an alias (both naming
 * different sites: 400). The output carries the site as `siteId`.
 */
export const ZListListingsQuery = withRenamedIdFilter(
  {
    from: ZAnalyticsQuery.shape.from,
    to: ZAnalyticsQuery.shape.to,
    cursor: z.string().max(300).optional(),
    limit: zLimit(LISTINGS_PAGE_DEFAULT, LISTINGS_PAGE_MAX),
  },
  { name: 'site', alias: 'siteId', noun: 'site', description: 'Only this site’s listings (another account’s site: 404)' },
);
export type ListListingsQuery = z.output<typeof ZListListingsQuery>;

export const ZListingJson = z.object({
  listingId: z.uuid(),
  siteId: z.uuid(),
  listingRef: z.string(),
  title: z.string().nullable(),
  url: z.string().nullable(),
  imageUrl: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  /** Page views of the listing in the range. */
  views: z.number().int(),
  /** Inquiries naming the listing in the range, and the distinct leads who sent them. */
  inquiries: z.number().int(),
  leads: z.number().int(),
});
export type ListingJson = z.output<typeof ZListingJson>;

export const ZListingsPage = z.object({ from: z.string(), to: z.string(), items: z.array(ZListingJson), nextCursor: z.string().nullable() });
export type ListingsPage = z.output<typeof ZListingsPage>;
