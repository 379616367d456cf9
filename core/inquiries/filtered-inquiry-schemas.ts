import { z } from 'zod';
import { zLimit } from '../db/keyset-cursor.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';
import { zInstant } from '../validation/instant.ts';

export const FILTERED_PAGE_DEFAULT = 50;
export const FILTERED_PAGE_MAX = 100;

const ZOptionalUuid = z.preprocess(emptyToUndefined, z.uuid().optional());

/** `GET /v1/filtered-inquiries`: one site's held submissions (`site`), or all of them. */
export const ZListFilteredQuery = z.strictObject({
  site: ZOptionalUuid,
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(FILTERED_PAGE_DEFAULT, FILTERED_PAGE_MAX),
});

/**
 * `DELETE /v1/filtered-inquiries`: every held submission, or one site's (`site`); with
 * `receivedUpTo`, only those received at or before it (what the realtor's list showed: later ones
 * arriving during a flood are kept).
 */
export const ZDeleteFilteredQuery = z.strictObject({
  site: ZOptionalUuid,
  // From 1970 on like every stored time: Postgres refuses year 0000 (a 500 when it reached the query).
  receivedUpTo: z.preprocess(emptyToUndefined, zInstant().optional()),
});

/** A widget submission held back while its site was over its inquiry budget. Every string may come from a stranger. */
export const ZFilteredInquiryJson = z.object({
  filteredInquiryId: z.uuid(),
  siteId: z.uuid(),
  siteName: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  message: z.string(),
  listingRef: z.string().nullable(),
  pageUrl: z.string().nullable(),
  consentText: z.string().nullable(),
  consentVersion: z.string().nullable(),
  consentAt: z.string().nullable(),
  /** `site_budget`: it arrived while the site was over its inquiry budget. */
  reason: z.string(),
  receivedAt: z.string(),
});
export type FilteredInquiryJson = z.output<typeof ZFilteredInquiryJson>;

export const ZFilteredListJson = z.object({ items: z.array(ZFilteredInquiryJson), nextCursor: z.string().nullable(), total: z.number().int() });

/** What a release made of the held submission. */
export const ZReleasedInquiryJson = z.object({
  leadId: z.uuid().nullable(),
  inquiryId: z.uuid().nullable(),
  leadCreated: z.boolean(),
  unverified: z.boolean(),
});
export type ReleasedInquiryJson = z.output<typeof ZReleasedInquiryJson>;
