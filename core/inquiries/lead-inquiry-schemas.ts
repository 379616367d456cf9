import { z } from 'zod';
import { ZListingRef } from '../events/ingest-text.ts';
import { plainText } from '../validation/plain-text.ts';
import { zLimit } from '../db/keyset-cursor.ts';
import { INQUIRY_SOURCES } from './inquiry.entity.ts';
import { INQUIRY_MESSAGE_MAX_CHARS } from './inquiry-schemas.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';

/** `POST /v1/leads/:id/inquiries`: an inquiry the realtor records by hand (a call, an open house). */
export const ZAddInquiryBody = z.strictObject({
  message: plainText(INQUIRY_MESSAGE_MAX_CHARS, { multiline: true })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'Write a message')),
  listingRef: ZListingRef.transform((s) => s.trim() || null).nullish(),
});
export type AddInquiryBody = z.output<typeof ZAddInquiryBody>;

export const INQUIRIES_PAGE_DEFAULT = 50;
export const INQUIRIES_PAGE_MAX = 100;

export const ZListInquiriesQuery = z.strictObject({
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(INQUIRIES_PAGE_DEFAULT, INQUIRIES_PAGE_MAX),
});

export const ZInquiryJson = z.object({
  inquiryId: z.uuid(),
  leadId: z.uuid(),
  message: z.string(),
  listingRef: z.string().nullable(),
  pageUrl: z.string().nullable(),
  source: z.enum(INQUIRY_SOURCES),
  siteId: z.uuid().nullable(),
  createdAt: z.string(),
  /**
   * The form's contact details did not all match the lead it was attached to (a phone, email or
   * name the lead does not hold): anyone who knows a lead's email can send one (docs/lead-poisoning.md).
   */
  unverified: z.boolean(),
  /** The consent the visitor gave with the form: the wording they saw, its version, when. Null: none recorded. */
  consent: z.object({ text: z.string().nullable(), version: z.string().nullable(), at: z.string() }).nullable(),
});
export type InquiryJson = z.output<typeof ZInquiryJson>;
