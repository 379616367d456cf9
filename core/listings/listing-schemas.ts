import { z } from 'zod';
import { zLimit } from '../db/keyset-cursor.ts';
import { ZAnalyticsQuery } from '../analytics/analytics-schemas.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';

export const LISTINGS_PAGE_DEFAULT = 50;
export const LISTINGS_PAGE_MAX = 200;

/** `GET /v1/listings?siteId&from&to&cursor&limit`: a realtor's listings, most recently seen first, with their figures over UTC days [from, to] (default the last 30). */
export const ZListListingsQuery = z.strictObject({
  siteId: z.preprocess(emptyToUndefined, z.uuid('Not a site id').optional()),
  from: ZAnalyticsQuery.shape.from,
  to: ZAnalyticsQuery.shape.to,
  cursor: z.string().max(300).optional(),
  limit: zLimit(LISTINGS_PAGE_DEFAULT, LISTINGS_PAGE_MAX),
});
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
