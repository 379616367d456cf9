import { ZAuthAnswer, ZLoginBody, ZSignupBody } from '#core/accounts/account-schemas.ts';
import { createSession, deleteSession, signSessionToken } from '#core/accounts/sessions.ts';
import { registerAccount } from '#core/accounts/sign-up.ts';
import { UserSchema, type User } from '#core/accounts/user.entity.ts';
import { verifyCredentials } from '#core/accounts/verify-credentials.ts';
import { AppError } from '#core/errors.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions, setSessionCookie } from '../middleware/auth.ts';
import type { AppContext } from '../middleware/context.ts';
import { createLoginThrottle } from '../middleware/login-throttle.ts';
import { createLimiter } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';

export const SIGNUPS_PER_IP_PER_HOUR = 20;

function toUserJson(u: User) {
  return { userId: u.userId, username: u.username, email: u.email, createdAt: u.createdAt.toISOString(), emailVerified: u.emailVerifiedAt != null };
}

/** What signup answers for an address that already has an account (docs/email.md, "Signup does not reveal accounts"). */
export const SIGNUP_CHECK_EMAIL_ANSWER = { status: 'check_email', message: 'Check your email to continue.' } as const;

export function mountAuthRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { redis, config, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const loginThrottle = createLoginThrottle({ redis, prefix, logger });
  const signupIp = createLimiter({ redis, prefix, logger, name: 'signup-ip', points: SIGNUPS_PER_IP_PER_HOUR, durationSec: 3600 });

  const startSession = async (ctx: AppContext, user: User, now: Date) => {
    const { token, session } = await createSession({
      em: ctx.state.em, userId: user.userId, ttlHours: config.SESSION_TTL_HOURS, ip: ctx.ip, userAgent: ctx.get('user-agent'), now,
    });
    setSessionCookie(ctx, config, signSessionToken(token, config.SESSION_SECRET), config.SESSION_TTL_HOURS * 3_600_000);
    return { user: toUserJson(user), csrfToken: session.csrfToken };
  };

  routes.add({
    method: 'post', path: '/v1/auth/signup', tag: 'accounts', auth: 'public', summary: 'Create an account and log in',
    body: ZSignupBody,
    responses: {
      201: { description: 'Signed up; session cookie set; a verification email is on its way', schema: ZAuthAnswer },
      202: { description: 'Nothing to show: the owner of a registered address is emailed instead (no account is revealed)' },
    },
    before: [async (ctx, next) => { await signupIp.consume(ctx.ip); return next(); }],
    handler: async (ctx, { body, now }) => {
      const user = await registerAccount({ em: ctx.state.em, input: body, now, queues: deps.queues, log: ctx.state.log });
      if (!user) {
        ctx.status = 202;
        ctx.body = SIGNUP_CHECK_EMAIL_ANSWER;
        return;
      }
      ctx.status = 201;
      ctx.body = await startSession(ctx, user, now);
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/login', tag: 'accounts', auth: 'public', summary: 'Log in',
    body: ZLoginBody,
    responses: { 200: { description: 'Logged in; session cookie set', schema: ZAuthAnswer }, 401: { description: 'Invalid email or password' }, 429: { description: 'Too many failed attempts (Retry-After)' } },
    handler: async (ctx, { body, now }) => {
      // Counted before the (slow) verification, so parallel guesses cannot outrun the limit.
      try {
        await loginThrottle.begin(body.email, ctx.ip);
      } catch (err) {
        ctx.state.log.warn({ email: body.email, ip: ctx.ip, reason: 'rate_limited' }, 'login refused');
        throw err;
      }
      const user = await verifyCredentials({ em: ctx.state.em, email: body.email, password: body.password });
      if (!user) {
        // For spotting guessing in the logs; never the password.
        ctx.state.log.warn({ email: body.email, ip: ctx.ip, reason: 'invalid_credentials' }, 'login failed');
        await loginThrottle.fail(body.email, ctx.ip);
        throw new AppError('invalid_credentials', 'Invalid email or password');
      }
      await loginThrottle.succeed(body.email, ctx.ip);
      ctx.body = await startSession(ctx, user, now);
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
      };
    },
  });
}
