import { z } from 'zod';
import { ZEmail } from '#core/accounts/account-schemas.ts';
import { ownerIdOf } from '#core/accounts/tenant.ts';
import { requestPasswordReset, resendEmailVerification, resetPassword, verifyEmail } from '#core/notifications/account-emails.ts';
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS } from '#core/shared/field-limits.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions } from '../middleware/auth.ts';
import { createLimiter } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';

/** "Forgot password" requests per email+IP pair, and per IP, in the window. */
export const FORGOT_PASSWORD_PER_EMAIL_IP = 5;
export const FORGOT_PASSWORD_PER_IP = 30;
/** Verification resends per user+IP in the window. */
export const VERIFY_RESEND_PER_USER_IP = 5;
export const ACCOUNT_EMAIL_WINDOW_SEC = 60 * 60;

const ZToken = z.string().min(1, 'The link token is missing').max(100, 'This link is not valid');
const ZTokenBody = z.strictObject({ token: ZToken });
const ZForgotBody = z.strictObject({ email: ZEmail });
const ZResetBody = z.strictObject({
  token: ZToken,
  password: z.string().min(PASSWORD_MIN_CHARS, `Use at least ${PASSWORD_MIN_CHARS} characters`).max(PASSWORD_MAX_CHARS),
});

export function mountAccountEmailRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { redis, config, logger, queues } = deps;
  const limiter = (name: string, points: number) => createLimiter({ redis, prefix: config.QUEUE_PREFIX, logger, name, points, durationSec: ACCOUNT_EMAIL_WINDOW_SEC });
  const forgotPerEmailIp = limiter('forgot-email-ip', FORGOT_PASSWORD_PER_EMAIL_IP);
  const forgotPerIp = limiter('forgot-ip', FORGOT_PASSWORD_PER_IP);
  const resendPerUserIp = limiter('verify-resend', VERIFY_RESEND_PER_USER_IP);

  routes.add({
    method: 'post', path: '/v1/auth/verify-email', tag: 'accounts', auth: 'public', summary: 'Confirm your email address with the emailed link',
    body: ZTokenBody,
    responses: { 200: { description: 'Verified' }, 400: { description: 'Invalid link' }, 410: { description: 'Link used or expired' } },
    handler: async (ctx, { body, now }) => {
      await verifyEmail({ em: ctx.state.em, token: body.token, now });
      ctx.body = { emailVerified: true };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/verify-email/resend', tag: 'accounts', auth: 'realtor', summary: 'Send the verification email again (the old link stops working)',
    responses: { 202: { description: 'On its way (or already verified)' }, 429: { description: 'Too many requests (Retry-After)' } },
    handler: async (ctx, { tenant, now }) => {
      const userId = ownerIdOf(tenant);
      await resendPerUserIp.consume(`${userId}|${ctx.ip}`);
      const { alreadyVerified } = await resendEmailVerification({ em: ctx.state.em, userId, now, queues, log: ctx.state.log });
      ctx.status = 202;
      ctx.body = { emailVerified: alreadyVerified };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/forgot-password', tag: 'accounts', auth: 'public',
    summary: 'Email a password reset link (always 202: the answer never says whether the address has an account)',
    body: ZForgotBody,
    responses: { 202: { description: 'If the address has an account, a reset link is on its way' }, 429: { description: 'Too many requests (Retry-After)' } },
    handler: async (ctx, { body, now }) => {
      await forgotPerIp.consume(ctx.ip);
      await forgotPerEmailIp.consume(`${body.email}|${ctx.ip}`);
      await requestPasswordReset({ em: ctx.state.em, email: body.email, now, queues, log: ctx.state.log });
      ctx.status = 202;
      ctx.body = { status: 'check_email', message: 'If an account uses this address, a reset link is on its way. It works for 1 hour.' };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/reset-password', tag: 'accounts', auth: 'public', summary: 'Set a new password with the emailed link; logs out every session',
    body: ZResetBody,
    responses: { 204: { description: 'Password changed; log in with it' }, 400: { description: 'Invalid link or weak password' }, 410: { description: 'Link used or expired' } },
    handler: async (ctx, { body, now }) => {
      await resetPassword({ em: ctx.state.em, token: body.token, password: body.password, now });
      forgetCachedSessions(ctx); // every session of the user ended; other API processes hear it from Postgres
      ctx.status = 204;
    },
  });
}
