import type { Next } from 'koa';
import { z } from 'zod';
import { ZEmail, ZNewPassword, ZPassword } from '#core/accounts/account-schemas.ts';
import { actorIdOf } from '#core/accounts/tenant.ts';
import { UserSchema } from '#core/accounts/user.entity.ts';
import { rateLimited } from '#core/errors.ts';
import {
  requestPasswordReset, resendEmailVerification, resetPassword, VERIFICATION_EMAIL_WINDOW_MS, VERIFICATION_EMAILS_PER_ADDRESS, verifyEmail,
} from '#core/notifications/account-emails.ts';
import { runAfterAnswer } from '../after-answer.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions, startSession } from '../middleware/auth.ts';
import { rateLimitKeyOfIp } from '../middleware/ip-key.ts';
import { createLoginThrottle } from '../middleware/login-throttle.ts';
import { createLimiter } from '../middleware/rate-limit.ts';
import type { AppContext } from '../middleware/context.ts';
import type { RouteRegistry } from '../route.ts';

/**
 * "Forgot password" requests per email+IP pair, and per IP, in the window (429). Per address over all
 * IPs, PASSWORD_RESET_EMAILS_PER_ADDRESS (core/accounts/account-tokens.ts) is counted after the
 * answer, and silently: the answer is the same either way.
 */
export const FORGOT_PASSWORD_PER_EMAIL_IP = 5;
export const FORGOT_PASSWORD_PER_IP = 30;
/**
 * Reset attempts (valid link or not) per IP in the window: a person needs one or two; a link
 * guesser is stopped long before a guess could matter (the links are 256-bit).
 */
export const RESET_PASSWORD_PER_IP = 20;
/**
 * Attempts at each of the other public link routes (POST /v1/auth/verify-email, POST
 * /v1/auth/confirm-email-change) per IP in LINK_ATTEMPT_WINDOW_SEC, valid link or not, malformed
 * body or not: a person opens a link once or twice. The links are 256-bit, so this is not against
 * guessing: each attempt costs a hash and a few queries, and a flood from one address must not be
 * a cheap way to load the database. Each route has its own budget.
 */
export const LINK_ATTEMPTS_PER_IP = 20;
export const LINK_ATTEMPT_WINDOW_SEC = 15 * 60;
/**
 * Verification resends per user+IP in the window. Per address over all IPs,
 * VERIFICATION_EMAILS_PER_ADDRESS (core/notifications/account-emails.ts) is counted in the resend.
 */
export const VERIFY_RESEND_PER_USER_IP = 5;
export const ACCOUNT_EMAIL_WINDOW_SEC = 60 * 60;

const ZToken = z.string().min(1, 'The link token is missing').max(100, 'This link is not valid');
const ZVerifyBody = z.strictObject({ token: ZToken, password: ZPassword.optional() });
const ZForgotBody = z.strictObject({ email: ZEmail });
const ZResetBody = z.strictObject({ token: ZToken, password: ZNewPassword });

function accountEmailLimiter({ redis, config, logger }: Pick<AppDeps, 'redis' | 'config' | 'logger'>, name: string, points: number) {
  return createLimiter({ redis, prefix: config.QUEUE_PREFIX, logger, name, points, durationSec: ACCOUNT_EMAIL_WINDOW_SEC });
}

/**
 * The per-IP budget of one public link route (LINK_ATTEMPTS_PER_IP), as `before` middleware: counted
 * ahead of parsing and of any query, so a refused attempt (429 with Retry-After) changes nothing.
 */
export function limitLinkAttemptsPerIp({ redis, config, logger }: Pick<AppDeps, 'redis' | 'config' | 'logger'>, name: string) {
  const perIp = createLimiter({ redis, prefix: config.QUEUE_PREFIX, logger, name, points: LINK_ATTEMPTS_PER_IP, durationSec: LINK_ATTEMPT_WINDOW_SEC });
  return async (ctx: AppContext, next: Next) => {
    await perIp.consume(rateLimitKeyOfIp(ctx.ip));
    return next();
  };
}

/**
 * The verification resend budget, keyed `<userId>|<rateLimitKeyOfIp(ip)>`: shared by "Resend the
 * link" and by a login with the right password to an unconfirmed address (SIGNUP_VERIFY_FIRST),
 * which resends too.
 */
export function createVerifyResendLimiter(deps: Pick<AppDeps, 'redis' | 'config' | 'logger'>) {
  return accountEmailLimiter(deps, 'verify-resend', VERIFY_RESEND_PER_USER_IP);
}

export function mountAccountEmailRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { config, queues } = deps;
  const forgotPerEmailIp = accountEmailLimiter(deps, 'forgot-email-ip', FORGOT_PASSWORD_PER_EMAIL_IP);
  const forgotPerIp = accountEmailLimiter(deps, 'forgot-ip', FORGOT_PASSWORD_PER_IP);
  const resetPerIp = accountEmailLimiter(deps, 'reset-ip', RESET_PASSWORD_PER_IP);
  const resendPerUserIp = createVerifyResendLimiter(deps);
  const loginThrottle = createLoginThrottle({ redis: deps.redis, prefix: config.QUEUE_PREFIX, logger: deps.logger });

  routes.add({
    method: 'post', path: '/v1/auth/verify-email', tag: 'accounts', auth: 'public', summary: 'Confirm your email address with the emailed link',
    body: ZVerifyBody,
    responses: {
      200: { description: 'Verified; with SIGNUP_VERIFY_FIRST, the link that confirms the address also logs in (session cookie set, `user` and `csrfToken` in the answer)' },
      400: {
        description:
          'Invalid link; or, with SIGNUP_VERIFY_FIRST, `password_required` / `wrong_password`: the link that confirms an address also takes the password chosen at signup (the link stays unspent)',
      },
      410: { description: 'Link used or expired' },
      429: { description: `\`rate_limited\` (Retry-After): more than ${LINK_ATTEMPTS_PER_IP} attempts from this IP in ${LINK_ATTEMPT_WINDOW_SEC / 60} minutes; nothing changed` },
    },
    before: [limitLinkAttemptsPerIp(deps, 'verify-email-ip')],
    handler: async (ctx, { body, now }) => {
      const passwordToConfirm = config.SIGNUP_VERIFY_FIRST ? (body.password ?? null) : undefined;
      const { userId, verifiedNow } = await verifyEmail({ em: ctx.state.em, token: body.token, now, passwordToConfirm });
      // Verify-first: the emailed link is the first login. Only the link that confirmed the address
      // logs in; one left over after a password reset (which verified it) just says verified.
      if (config.SIGNUP_VERIFY_FIRST && verifiedNow) {
        const user = await ctx.state.em.findOneOrFail(UserSchema, { userId });
        ctx.body = { emailVerified: true, ...(await startSession(ctx, config, user, now)) };
        return;
      }
      ctx.body = { emailVerified: true };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/verify-email/resend', tag: 'accounts', auth: 'realtor', summary: 'Send the verification email again (the old link stops working)',
    responses: {
      202: { description: 'On its way (or already verified)' },
      429: {
        description: `Too many requests (Retry-After): ${VERIFY_RESEND_PER_USER_IP} per user and IP, and ${VERIFICATION_EMAILS_PER_ADDRESS} verification emails (the signup's included) per address over all IPs, per ${VERIFICATION_EMAIL_WINDOW_MS / 60_000} minutes; nothing sent`,
      },
    },
    handler: async (ctx, { tenant, now }) => {
      // The address is the person's, not the account's (a brokerage's agent has their own).
      const userId = actorIdOf(tenant);
      await resendPerUserIp.consume(`${userId}|${rateLimitKeyOfIp(ctx.ip)}`);
      const outcome = await resendEmailVerification({ em: ctx.state.em, userId, now, queues, log: ctx.state.log });
      // The signed-in person asks about their own address: the cap can say so, as the per-IP one does.
      if (outcome.status === 'over_cap') {
        const retryAfter = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
        throw rateLimited(`Too many verification emails to this address; retry in ${retryAfter} s`, retryAfter);
      }
      ctx.status = 202;
      ctx.body = { emailVerified: outcome.status === 'already_verified' };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/forgot-password', tag: 'accounts', auth: 'public',
    summary: 'Email a password reset link (always 202: the answer never says whether the address has an account)',
    body: ZForgotBody,
    responses: { 202: { description: 'If the address has an account, a reset link is on its way' }, 429: { description: 'Too many requests (Retry-After)' } },
    handler: async (ctx, { body, now }) => {
      const ipKey = rateLimitKeyOfIp(ctx.ip);
      await forgotPerIp.consume(ipKey);
      await forgotPerEmailIp.consume(`${body.email}|${ipKey}`);
      // Only a registered address needs a token, an outbox row and a wake-up (about 10 ms more than
      // the one SELECT of an unknown one): that work starts once the answer has gone, so the answer's
      // timing cannot tell the two apart. A failure is logged; the request is not retried (the
      // person asks again), and once the outbox row is committed the sweeper delivers it regardless.
      // The per-address cap over all IPs (PASSWORD_RESET_EMAILS_PER_ADDRESS) is counted there too:
      // a 429 would tell that the address has an account.
      runAfterAnswer(ctx, deps, 'password reset request not recorded', ({ em, log }) => requestPasswordReset({ em, email: body.email, now, queues, log }));
      ctx.status = 202;
      ctx.body = { status: 'check_email', message: 'If an account uses this address, a reset link is on its way. It works for 1 hour.' };
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/reset-password', tag: 'accounts', auth: 'public', summary: 'Set a new password with the emailed link; logs out every session',
    body: ZResetBody,
    responses: {
      204: {
        description:
          'Password changed; log in with it (failed logins counted against the account are cleared). The account\'s API keys and webhook endpoints set up before its address was confirmed (by this reset or an earlier verification link) are deleted and disabled',
      },
      400: { description: 'Invalid link or weak password' },
      410: { description: 'Link used or expired' },
      429: { description: 'Too many attempts from this IP (Retry-After)' },
    },
    handler: async (ctx, { body, now }) => {
      await resetPerIp.consume(rateLimitKeyOfIp(ctx.ip));
      const { userId, email, revoked } = await resetPassword({ em: ctx.state.em, token: body.token, password: body.password, now });
      forgetCachedSessions(ctx); // every session of the user ended; other API processes hear it from Postgres
      if (revoked.apiKeysDeleted > 0 || revoked.endpointsDisabled > 0) {
        ctx.state.log.warn({ userId, ...revoked }, 'password reset: API keys deleted and webhook endpoints disabled that were set up before the address was confirmed');
      }
      // The link proved control of the address: failed logins spread over many IPs no longer lock
      // the owner out with the new password (the guessers' own pairs stay blocked).
      await loginThrottle.forgive(email, ctx.ip);
      ctx.status = 204;
    },
  });
}
