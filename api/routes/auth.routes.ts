import { ZAuthAnswer, ZLoginBody, ZSignupBody } from '#core/accounts/account-schemas.ts';
import { findUserIdByEmail } from '#core/accounts/find-user-id-by-email.ts';
import { deleteSession, explainSessionRefusal } from '#core/accounts/sessions.ts';
import { prepareSignup, recordSignup, registerAccount } from '#core/accounts/sign-up.ts';
import { UserSchema, type User } from '#core/accounts/user.entity.ts';
import { verifyCredentials } from '#core/accounts/verify-credentials.ts';
import { timeZoneOf } from '#core/email/notification-preferences.ts';
import { AppError } from '#core/errors.ts';
import { resendEmailVerification } from '#core/notifications/account-emails.ts';
import { runAfterAnswer } from '../after-answer.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions, setSessionCookie, startSession, toUserJson } from '../middleware/auth.ts';
import type { AppContext } from '../middleware/context.ts';
import { readDeviceCookie } from '../middleware/device-cookie.ts';
import { rateLimitKeyOfIp } from '../middleware/ip-key.ts';
import { createLoginThrottle, type LoginAttempt } from '../middleware/login-throttle.ts';
import { createLimiter, isRateLimited } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';
import { createVerifyResendLimiter } from './account-email.routes.ts';

export const SIGNUPS_PER_IP_PER_HOUR = 20;

/**
 * What signup answers for an address that already has an account, and with SIGNUP_VERIFY_FIRST for
 * every address (docs/email.md, "Signup does not reveal accounts").
 */
export const SIGNUP_CHECK_EMAIL_ANSWER = { status: 'check_email', message: 'Check your email to continue.' } as const;

/** Every failed login's message: wrong password, unknown address, and (SIGNUP_VERIFY_FIRST) an address not yet confirmed. */
export const LOGIN_FAILED_MESSAGE = 'Invalid email or password';
export const LOGIN_FAILED_VERIFY_FIRST_MESSAGE = 'Invalid email or password. If you have just signed up, confirm your address with the link we emailed you.';

export function mountAuthRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { redis, config, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const loginThrottle = createLoginThrottle({ redis, prefix, logger });
  const signupIp = createLimiter({ redis, prefix, logger, name: 'signup-ip', points: SIGNUPS_PER_IP_PER_HOUR, durationSec: 3600 });
  const resendPerUserIp = createVerifyResendLimiter(deps);
  const loginFailedMessage = config.SIGNUP_VERIFY_FIRST ? LOGIN_FAILED_VERIFY_FIRST_MESSAGE : LOGIN_FAILED_MESSAGE;

  // The right password for an address not yet confirmed (SIGNUP_VERIFY_FIRST): a new link, within
  // the resend limits (per user+IP here, per address over all IPs in resendEmailVerification, which
  // logs it). Nothing here may change the answer — it stays the wrong-password 401 — so a spent
  // limit or a failure to record the email is only logged.
  const resendVerificationOnLogin = async (ctx: AppContext, user: User, now: Date) => {
    try {
      await resendPerUserIp.consume(`${user.userId}|${rateLimitKeyOfIp(ctx.ip)}`);
    } catch (err) {
      if (isRateLimited(err)) return;
      throw err;
    }
    await resendEmailVerification({ em: ctx.state.em, userId: user.userId, now, queues: deps.queues, log: ctx.state.log }).catch((err: unknown) => {
      ctx.state.log.error({ err, userId: user.userId }, 'verification email on login not recorded');
    });
  };

  routes.add({
    method: 'post', path: '/v1/auth/signup', tag: 'accounts', auth: 'public', summary: 'Create an account (and log in, unless SIGNUP_VERIFY_FIRST)',
    body: ZSignupBody,
    responses: {
      201: { description: 'Signed up; session cookie set; a verification email is on its way (SIGNUP_VERIFY_FIRST off)', schema: ZAuthAnswer },
      202: {
        description:
          'Check your email: the owner of a registered address is emailed instead (no account is revealed); with SIGNUP_VERIFY_FIRST, every signup answers this and a new account logs in from the emailed link',
      },
    },
    before: [async (ctx, next) => { await signupIp.consume(rateLimitKeyOfIp(ctx.ip)); return next(); }],
    handler: async (ctx, { body, now }) => {
      if (config.SIGNUP_VERIFY_FIRST) {
        // Verify-first: a new account answers like a registered address; its session starts from the
        // link. Only the hash, the same for both, comes before the answer: a new address then costs
        // an insert, its stages, a token, an outbox row and a wake-up, a registered one a SELECT,
        // so that work runs once the answer has gone (its timing would tell them apart). A failure
        // is logged; the person signs up again.
        const signup = await prepareSignup(body);
        runAfterAnswer(ctx, deps, 'signup not recorded', ({ em, log }) => recordSignup({ em, signup, now, queues: deps.queues, log }));
        ctx.status = 202;
        ctx.body = SIGNUP_CHECK_EMAIL_ANSWER;
        return;
      }
      const user = await registerAccount({ em: ctx.state.em, input: body, now, queues: deps.queues, log: ctx.state.log });
      if (!user) {
        ctx.status = 202;
        ctx.body = SIGNUP_CHECK_EMAIL_ANSWER;
        return;
      }
      ctx.status = 201;
      ctx.body = await startSession(ctx, config, user, now);
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/login', tag: 'accounts', auth: 'public', summary: 'Log in',
    body: ZLoginBody,
    responses: {
      200: { description: 'Logged in; session cookie set, and a device cookie that lets this browser log in to the account while failed logins from elsewhere hold it (docs/configuration.md)', schema: ZAuthAnswer },
      401: { description: 'Invalid email or password — or, with SIGNUP_VERIFY_FIRST, an address not yet confirmed (the same answer; the right password emails a new link)' },
      429: { description: 'Too many failed attempts (Retry-After)' } },
    handler: async (ctx, { body, now }) => {
      // A browser that logged in to this account before is let past the account-wide cap (its own
      // budget instead), whichever address the account signs in with now (the cookie names the
      // account's id); another account's, a forged or a malformed device cookie counts as none.
      const device = await readDeviceCookie(ctx, config, () => findUserIdByEmail({ em: ctx.state.em, email: body.email }));
      const presented: LoginAttempt = { email: body.email, ip: ctx.ip, device };
      // Counted before the (slow) verification, so parallel guesses cannot outrun the limit.
      let attempt: LoginAttempt;
      try {
        attempt = await loginThrottle.begin(presented);
      } catch (err) {
        ctx.state.log.warn({ email: body.email, ip: ctx.ip, device: presented.device !== null, reason: 'rate_limited' }, 'login refused');
        throw err;
      }
      const verified = await verifyCredentials({ em: ctx.state.em, email: body.email, password: body.password });
      // Verify-first: an unconfirmed address fails exactly like a wrong password (login must not
      // tell which addresses exist any more than signup does), counted by the throttle alike.
      const unconfirmed = verified !== null && config.SIGNUP_VERIFY_FIRST && verified.user.emailVerifiedAt == null;
      if (!verified || unconfirmed) {
        if (unconfirmed) await resendVerificationOnLogin(ctx, verified.user, now);
        // For spotting guessing in the logs; never the password.
        ctx.state.log.warn({ email: body.email, ip: ctx.ip, device: attempt.device !== null, reason: unconfirmed ? 'email_not_verified' : 'invalid_credentials' }, 'login failed');
        await loginThrottle.fail(attempt);
        throw new AppError('invalid_credentials', loginFailedMessage);
      }
      // The session needs the hash just checked to be the user's still: a password change or reset
      // that committed meanwhile ended every other session, and this one answers 401 like them.
      // Only a login that starts a session is a success: that refusal (or the rarer one of an account
      // deleted meanwhile) is a failed login, so the old password refunds nothing and clears none of
      // the pair's failures; any other error (Postgres down) neither refunds nor counts. Both answer
      // the same 401; only the log tells them apart (`password_changed`, `account_deleted`), by one
      // more read of the user row — `unknown` if that read fails, which must not change the answer.
      try {
        ctx.body = await startSession(ctx, config, verified.user, now, { refusal: loginFailedMessage, passwordHash: verified.passwordHash });
      } catch (err) {
        if (err instanceof AppError && err.code === 'invalid_credentials') {
          const reason = await explainSessionRefusal({ em: ctx.state.em, userId: verified.user.userId }).catch(() => 'unknown' as const);
          ctx.state.log.warn({ email: body.email, ip: ctx.ip, device: attempt.device !== null, reason }, 'login failed');
          await loginThrottle.fail(attempt);
        }
        throw err;
      }
      await loginThrottle.succeed(attempt);
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/logout', tag: 'accounts', auth: 'realtor', summary: 'End the current session',
    responses: { 204: { description: 'Logged out' } },
    handler: async (ctx) => {
      if (ctx.state.auth?.via === 'session') {
        await deleteSession({ em: ctx.state.em, sessionId: ctx.state.auth.sessionId });
        forgetCachedSessions(ctx); // other API processes: Postgres notifies them (session-cache.ts)
      }
      // The device cookie stays: it is what lets this browser log in while strangers hold the account's cap.
      setSessionCookie(ctx, config, '', 0);
      ctx.status = 204;
    },
  });

  routes.add({
    method: 'get', path: '/v1/auth/me', tag: 'accounts', auth: 'realtor', summary: 'The signed-in user and a CSRF token',
    responses: { 200: { description: 'Current user', schema: ZAuthAnswer }, 401: { description: 'Not logged in' } },
    handler: async (ctx, { tenant }) => {
      const user = await ctx.state.em.findOneOrFail(UserSchema, { userId: tenant.userId });
      ctx.body = {
        user: toUserJson(user),
        csrfToken: ctx.state.auth?.via === 'session' ? ctx.state.auth.csrfToken : null,
        // Without SMTP_URL the worker writes emails to its log; the admin says so.
        mailer: { configured: config.SMTP_URL !== undefined },
        phoneCountry: config.DEFAULT_PHONE_COUNTRY,
        timeZone: await timeZoneOf({ em: ctx.state.em, tenant }),
      };
    },
  });
}
