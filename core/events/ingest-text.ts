import { z } from 'zod';
import { PAGE_URL_MAX_CHARS } from '../shared/event-limits.ts';
import { LISTING_REF_MAX_CHARS } from '../shared/field-limits.ts';
import { plainText } from '../validation/plain-text.ts';

// Shared validators for the public ingest endpoints (/v1/collect, /v1/inquiries). Browser input
// is untrusted: every string is length-bounded and plain text (core/validation/plain-text.ts).

/** A site's public key (`pk_…`). */
export const ZSiteKey = z.string().regex(/^pk_[A-Za-z0-9_-]{1,37}$/, 'Not a site key (pk_…)');

/** The tracker's anonymous visitor id (random, from localStorage). */
export const ZVisitorId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Visitor ids are 1–64 characters of A–Z a–z 0–9 _ -');

/** A client-generated id (events, submissions). Any 8-4-4-4-12 hex id; browsers without crypto.randomUUID may send non-v4 ids. */
export const ZClientId = z.guid('Not a UUID');

/** The page an event happened on: an absolute http(s) URL (so the admin can link to it safely). */
export const ZPageUrl = plainText(PAGE_URL_MAX_CHARS).refine((s) => {
  // One parse: URL.parse answers null exactly where URL.canParse answers false.
  const protocol = URL.parse(s)?.protocol;
  return protocol === 'http:' || protocol === 'https:';
}, 'Use an absolute http(s) URL');

/** A listing reference from `data-porchlight-listing` (an MLS number, a slug…). */
export const ZListingRef = plainText(LISTING_REF_MAX_CHARS);
