import { z } from 'zod';
import { ZClientId, ZListingRef, ZPageUrl, ZSiteKey, ZVisitorId } from '../events/ingest-text.ts';
import { plainText } from '../validation/plain-text.ts';
import { ZContactEmail, ZContactName, ZContactPhone } from '../leads/contact-schemas.ts';
import { INQUIRY_MESSAGE_MAX_CHARS } from '../shared/field-limits.ts';

export { INQUIRY_MESSAGE_MAX_CHARS } from '../shared/field-limits.ts';

/** Largest `POST /v1/inquiries` body. */
export const INQUIRY_BODY_LIMIT_BYTES = 16 * 1024;

/** `POST /v1/inquiries`: the widget form's submission. Unknown keys are ignored. */
export const ZInquiryBody = z
  .object({
    site: ZSiteKey,
    /** Submission id: retries of one submission store one inquiry. */
    id: ZClientId,
    visitor: ZVisitorId.nullish(),
    name: ZContactName,
    email: ZContactEmail,
    phone: ZContactPhone,
    message: plainText(INQUIRY_MESSAGE_MAX_CHARS, { multiline: true })
      .transform((s) => s.trim())
      .pipe(z.string().min(1, 'Write a message')),
    listing: ZListingRef.nullish(),
    url: ZPageUrl.nullish(),
    /** The person ticked the consent box (informational; the form decides whether it is required). */
    consent: z.boolean().optional(),
    /** Honeypot: invisible to people. Filled in → answered 202, nothing stored. */
    hp: z.string().max(INQUIRY_BODY_LIMIT_BYTES).nullish(),
  })
  .superRefine((body, ctx) => {
    if (!body.email && !body.phone) ctx.addIssue({ code: 'custom', path: ['email'], message: 'Give an email address or a phone number' });
  });
export type InquiryBody = z.output<typeof ZInquiryBody>;
