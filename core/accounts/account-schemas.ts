import { z } from 'zod';
import { EMAIL_PATTERN } from '../shared/contact-rules.ts';
import { EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS } from '../shared/field-limits.ts';
import { safeText } from '../validation/plain-text.ts';

export const ZEmail = safeText(z.string().trim().max(EMAIL_MAX_CHARS))
  .pipe(z.email({ pattern: EMAIL_PATTERN, message: 'Enter a valid email address' }))
  .transform((s) => s.toLowerCase());

/** String.prototype.isWellFormed (ES2024, beyond our TS lib; Node 20+): no UTF-16 surrogate without its pair. */
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * A password as sent (login, the verify-first link): any characters, but well-formed Unicode. A
 * lone surrogate ("\ud800", which JSON can carry) reaches argon2 as U+FFFD once the string is
 * encoded as UTF-8, so every lone surrogate would be the same character and "pw\ud800" and
 * "pw\udfff" the same password. Refused with a 400 naming the field instead. Compared in NFC
 * (core/accounts/passwords.ts).
 */
export const ZPassword = z.string().min(1).max(PASSWORD_MAX_CHARS).refine(isWellFormed, 'The password is not valid Unicode (it has a lone surrogate)');
/** A password being chosen (signup, reset): ZPassword with the minimum length. */
export const ZNewPassword = z.string()
  .min(PASSWORD_MIN_CHARS, `Use at least ${PASSWORD_MIN_CHARS} characters`)
  .max(PASSWORD_MAX_CHARS)
  .refine(isWellFormed, 'The password is not valid Unicode (it has a lone surrogate)');

export const ZSignupBody = z.strictObject({
  username: safeText(z.string().trim().min(1, 'Username is required').max(USERNAME_MAX_CHARS)),
  email: ZEmail,
  password: ZNewPassword,
});
export type SignupBody = z.infer<typeof ZSignupBody>;

export const ZLoginBody = z.strictObject({
  email: safeText(z.string().trim().max(EMAIL_MAX_CHARS)).transform((s) => s.toLowerCase()),
  password: ZPassword,
});
export type LoginBody = z.infer<typeof ZLoginBody>;

export const ZUserJson = z.object({
  userId: z.uuid(),
  username: z.string(),
  email: z.string(),
  createdAt: z.iso.datetime(),
  emailVerified: z.boolean().describe('The address was confirmed with the link emailed after signup'),
});
export const ZAuthAnswer = z.object({
  user: ZUserJson,
  csrfToken: z.string().nullable().describe('null when authenticated with an API key'),
  mailer: z.object({ configured: z.boolean().describe('false: SMTP_URL is unset and no email is sent (outside production they are written to the server log)') }).optional().describe('GET /v1/auth/me only'),
  phoneCountry: z.string().optional().describe('GET /v1/auth/me only: DEFAULT_PHONE_COUNTRY, whose numbers the admin shows in national format'),
  timeZone: z.string().optional().describe('GET /v1/auth/me only: the signed-in person\'s time zone (an IANA name, from their alert settings; America/New_York until set), whose days Today counts and the admin\'s Analytics page asks for'),
});

/** `GET /v1/account`: the sign-in address, whether it is confirmed, and a pending change (docs/accounts.md). */
export const ZAccountJson = z.object({
  email: z.string(),
  emailVerified: z.boolean(),
  pendingEmail: z.string().nullable().describe('The address a pending change would switch to (its link is live), or null'),
  pendingEmailExpiresAt: z.iso.datetime().nullable().describe('When that link stops working'),
});
export type AccountJson = z.infer<typeof ZAccountJson>;

/** One live session of the realtor (`GET /v1/account/sessions`, newest `lastSeenAt` first). */
export const ZAccountSessionJson = z.object({
  sessionId: z.uuid(),
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime().describe('Updated at most every 5 minutes'),
  expiresAt: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable().describe('As the browser sent it'),
  current: z.boolean().describe('The session this request came with'),
});
export type AccountSessionJson = z.infer<typeof ZAccountSessionJson>;
