import { z } from 'zod';
import { LISTING_REF_MAX_CHARS } from '../shared/field-limits.ts';

// Shared validators for the public ingest endpoints (/v1/collect, /v1/inquiries). Browser input
// is untrusted: every string is length-bounded, control characters are refused (not stripped:
// a 400 tells a broken integration what is wrong, silent rewriting hides it), and so are lone
// UTF-16 surrogates, which Postgres cannot store in text or jsonb.

/** C0 and C1 control characters and DEL (Unicode category Cc). */
const CONTROL_CHARS = /\p{Cc}/u;
/** The same, but tab, line feed and carriage return are fine in multi-line text (a message). */
const CONTROL_CHARS_EXCEPT_WHITESPACE = /(?![\t\n\r])\p{Cc}/u;

/** A UTF-16 surrogate without its pair (String.prototype.isWellFormed is ES2024, beyond our lib). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string of at most `max` characters with no control characters. */
export function plainText(max: number, opts: { multiline?: boolean } = {}) {
  const forbidden = opts.multiline ? CONTROL_CHARS_EXCEPT_WHITESPACE : CONTROL_CHARS;
  return z
    .string()
    .max(max, `At most ${max} characters`)
    .refine((s) => !forbidden.test(s), 'Control characters are not allowed')
    .refine((s) => !LONE_SURROGATE.test(s), 'Text is not valid Unicode');
}

/** A site's public key (`pk_…`). */
export const ZSiteKey = z.string().regex(/^pk_[A-Za-z0-9_-]{1,37}$/, 'Not a site key (pk_…)');

/** The tracker's anonymous visitor id (random, from localStorage). */
export const ZVisitorId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Visitor ids are 1–64 characters of A–Z a–z 0–9 _ -');

/** A client-generated id (events, submissions). Any 8-4-4-4-12 hex id; browsers without crypto.randomUUID may send non-v4 ids. */
export const ZClientId = z.guid('Not a UUID');

/** The page an event happened on: an absolute http(s) URL (so the admin can link to it safely). */
export const ZPageUrl = plainText(2048).refine((s) => {
  if (!URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}, 'Use an absolute http(s) URL');

/** A listing reference from `data-porchlight-listing` (an MLS number, a slug…). */
export const ZListingRef = plainText(LISTING_REF_MAX_CHARS);
