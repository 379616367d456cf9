import { z } from 'zod';
import { ZClientId, ZListingRef, ZPageUrl, ZSiteKey, ZVisitorId } from '../events/ingest-text.ts';
import { plainText } from '../validation/plain-text.ts';
import { ZContactEmail, ZContactName, ZContactPhone } from '../leads/contact-schemas.ts';
import { INQUIRY_MESSAGE_MAX_CHARS } from '../shared/field-limits.ts';

export { INQUIRY_MESSAGE_MAX_CHARS } from '../shared/field-limits.ts';

/** Longest consent wording stored with an inquiry. */
export const CONSENT_TEXT_MAX_CHARS = 2000;
/** Longest consent version label. */
export const CONSENT_VERSION_MAX_CHARS = 40;

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
    /**
     * The person checked the consent box. Required (`true`) unless the site's `requireConsent`
     * setting is off (docs/consent.md); stored with the inquiry with the time.
     */
    consent: z.boolean().optional(),
    /** The consent wording the person saw (the form sends its label), stored with the inquiry. */
    consentText: plainText(CONSENT_TEXT_MAX_CHARS, { multiline: true }).transform((s) => s.trim() || undefined).optional(),
    /** Which version of that wording (the form sends its own; a site's own form may send any label ≤ 40 characters). */
    consentVersion: plainText(CONSENT_VERSION_MAX_CHARS).transform((s) => s.trim() || undefined).optional(),
    /** Honeypot: invisible to people. Filled in → answered 202, nothing stored. */
    hp: z.string().max(INQUIRY_BODY_LIMIT_BYTES).nullish(),
  })
  .superRefine((body, ctx) => {
    if (!body.email && !body.phone) ctx.addIssue({ code: 'custom', path: ['email'], message: 'Give an email address or a phone number' });
  });
export type InquiryBody = z.output<typeof ZInquiryBody>;
