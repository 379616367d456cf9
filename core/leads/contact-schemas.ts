import { z } from 'zod';
import { EMAIL_PATTERN } from '../shared/contact-rules.ts';
import { CONTACT_NAME_MAX_CHARS, EMAIL_MAX_CHARS, PHONE_MAX_CHARS } from '../shared/field-limits.ts';
import { plainText, safeText } from '../validation/plain-text.ts';
import { getDefaultPhoneCountry, normalisePhone } from './normalise-contact.ts';

// Optional contact fields as a form sends them: empty strings and null mean "not given";
// values come out normalised (lower-cased email, phone in E.164).

const ZEmailFormat = z.email({ pattern: EMAIL_PATTERN });

/** Optional email → normalised email or undefined; an invalid one is a 400 naming the field. */
export const ZContactEmail = safeText(z.string().max(EMAIL_MAX_CHARS, `At most ${EMAIL_MAX_CHARS} characters`))
  .nullish()
  .transform((value, ctx) => {
    const s = value?.trim();
    if (!s) return undefined;
    if (!ZEmailFormat.safeParse(s).success) {
      ctx.addIssue({ code: 'custom', message: 'Enter a valid email address' });
      return z.NEVER;
    }
    return s.toLowerCase();
  });

/** Optional phone → E.164 (`+15550100199`; national numbers read in DEFAULT_PHONE_COUNTRY) or undefined. */
export const ZContactPhone = safeText(z.string().max(PHONE_MAX_CHARS, `At most ${PHONE_MAX_CHARS} characters`))
  .nullish()
  .transform((value, ctx) => {
    const s = value?.trim();
    if (!s) return undefined;
    const phone = normalisePhone(s);
    if (!phone) {
      ctx.addIssue({ code: 'custom', message: `Enter a valid phone number (add the country code, e.g. +44, if it is not a ${getDefaultPhoneCountry()} number)` });
      return z.NEVER;
    }
    return phone;
  });

/** Optional display name, trimmed. */
export const ZContactName = plainText(CONTACT_NAME_MAX_CHARS)
  .nullish()
  .transform((value) => value?.trim() || undefined);

/** Name, email and phone of a person; at least an email or a phone is required to reach them. */
export const ZReachableContact = z
  .object({ name: ZContactName, email: ZContactEmail, phone: ZContactPhone })
  .superRefine((c, ctx) => {
    if (!c.email && !c.phone) ctx.addIssue({ code: 'custom', path: ['email'], message: 'Give an email address or a phone number' });
  });
export type ReachableContact = z.output<typeof ZReachableContact>;
