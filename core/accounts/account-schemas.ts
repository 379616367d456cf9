import { z } from 'zod';
import { safeText } from '../validation/plain-text.ts';

export const PASSWORD_MIN_LENGTH = 10;

export const ZEmail = safeText(z.string().trim().max(254))
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .transform((s) => s.toLowerCase());

export const ZSignupBody = z.strictObject({
  username: safeText(z.string().trim().min(1, 'Username is required').max(50)),
  email: ZEmail,
  password: z.string().min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`).max(256),
});
export type SignupBody = z.infer<typeof ZSignupBody>;

export const ZLoginBody = z.strictObject({
  email: safeText(z.string().trim().max(254)).transform((s) => s.toLowerCase()),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof ZLoginBody>;

export const ZUserJson = z.object({
  userId: z.uuid(),
  username: z.string(),
  email: z.string(),
  createdAt: z.iso.datetime(),
});
export const ZAuthAnswer = z.object({ user: ZUserJson, csrfToken: z.string().nullable().describe('null when authenticated with an API key') });
