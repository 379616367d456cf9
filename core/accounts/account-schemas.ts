import { z } from 'zod';
import { EMAIL_PATTERN } from '../shared/contact-rules.ts';
import { EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS } from '../shared/field-limits.ts';
import { safeText } from '../validation/plain-text.ts';

export const ZEmail = safeText(z.string().trim().max(EMAIL_MAX_CHARS))
  .pipe(z.email({ pattern: EMAIL_PATTERN, message: 'Enter a valid email address' }))
  .transform((s) => s.toLowerCase());

export const ZSignupBody = z.strictObject({
  username: safeText(z.string().trim().min(1, 'Username is required').max(USERNAME_MAX_CHARS)),
  email: ZEmail,
  password: z.string().min(PASSWORD_MIN_CHARS, `Use at least ${PASSWORD_MIN_CHARS} characters`).max(PASSWORD_MAX_CHARS),
});
export type SignupBody = z.infer<typeof ZSignupBody>;

export const ZLoginBody = z.strictObject({
  email: safeText(z.string().trim().max(EMAIL_MAX_CHARS)).transform((s) => s.toLowerCase()),
  password: z.string().min(1).max(PASSWORD_MAX_CHARS),
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
  mailer: z.object({ configured: z.boolean().describe('false: SMTP_URL is unset and emails go to the server log') }).optional().describe('GET /v1/auth/me only'),
  phoneCountry: z.string().optional().describe('GET /v1/auth/me only: DEFAULT_PHONE_COUNTRY, whose numbers the admin shows in national format'),
});
