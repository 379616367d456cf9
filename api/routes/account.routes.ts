// Account settings of the signed-in person: the sign-in address, the password and the sessions
// (docs/accounts.md). Every /v1/account route is session-only: an API key gets 403, because
// changing the password or the address, or seeing the sessions, is for the person, not for an
// integration. The confirmation of a new address is public: the emailed link is the proof.
import { z } from 'zod';
import { ZAccountJson, ZAccountSessionJson, ZEmail, ZNewPassword, ZPassword } from '#core/accounts/account-schemas.ts';
import { endOtherUserSessions, endUserSession, listUserSessions } from '#core/accounts/account-sessions.ts';
import { cancelEmailChange, changePassword, confirmEmailChange, getAccountOverview, requestEmailChange } from '#core/accounts/account-settings.ts';
import { signSessionToken } from '#core/accounts/sessions.ts';
import { actorIdOf } from '#core/accounts/tenant.ts';
import { AppError } from '#core/errors.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions, setSessionCookie } from '../middleware/auth.ts';
import type { AppContext } from '../middleware/context.ts';
import { LOGIN_WINDOW_SEC } from '../middleware/login-throttle.ts';
import { createLimiter, type Limiter } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';
import { LINK_ATTEMPT_WINDOW_SEC, LINK_ATTEMPTS_PER_IP, limitLinkAttemptsPerIp } from './account-email.routes.ts';

/**
 * Checks of the current password (password change, email change) per user in LOGIN_WINDOW_SEC,
 * right or wrong; the right password clears the count. Counted before the (slow) argon2
 * verification, so parallel guesses cannot outrun it. Per user, not per IP: whoever holds a
 * stolen session cannot guess the password from many addresses either.
 */
export const ACCOUNT_PASSWORD_ATTEMPTS_PER_USER = 5;
/** Email-change links sent per user per hour (each goes to an address the user typed), `email_taken` answers included. */
export const EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR = 5;

const ZToken = z.string().min(1, 'The link token is missing').max(100, 'This link is not valid');
export const ZChangePasswordBody = z.strictObject({ currentPassword: ZPassword, newPassword: ZNewPassword });
export const ZChangeEmailBody = z.strictObject({ newEmail: ZEmail, password: ZPassword });
export const ZConfirmEmailChangeBody = z.strictObject({ token: ZToken });

/** The id of the session the request came with (a session-only route always has one). */
function currentSessionId(ctx: AppContext): string {
  const auth = ctx.state.auth;
  if (auth?.via !== 'session') throw new AppError('forbidden', 'Sign in to Porchlight in a browser to change account settings');
  return auth.sessionId;
}

/**
 * The per-user budget of current-password checks, one set of Redis keys shared by every route that
 * asks for the current password (password and email changes, account deletion).
 */
export function createPasswordAttempts({ config, redis, logger }: Pick<AppDeps, 'config' | 'redis' | 'logger'>): Limiter {
  return createLimiter({ redis, prefix: config.QUEUE_PREFIX, logger, name: 'account-password', points: ACCOUNT_PASSWORD_ATTEMPTS_PER_USER, durationSec: LOGIN_WINDOW_SEC });
}

/**
 * Runs a check of the current password under the per-user budget: one point before (so parallel
 * guesses cannot outrun the slow argon2 check), the count cleared on success; a wrong password
 * keeps its point; any other failure gives back this attempt's point only — resetting the count
 * would also forget the wrong guesses made before it.
 */
export async function withPasswordAttempt<T>(limiter: Limiter, userId: string, run: () => Promise<T>): Promise<T> {
  await limiter.consume(userId);
  try {
    const result = await run();
    await limiter.reset(userId);
    return result;
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'wrong_password')) await limiter.refund(userId);
    throw err;
  }
}

export function mountAccountRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { config, queues, redis, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const passwordAttempts = createPasswordAttempts(deps);
  const emailChanges = createLimiter({ redis, prefix, logger, name: 'email-change', points: EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR, durationSec: 3600 });

  routes.add({
    method: 'get', path: '/v1/account', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'Your sign-in address and a pending change of it',
    responses: { 200: { description: 'The account', schema: ZAccountJson } },
    handler: async (ctx, { tenant, now }) => {
      ctx.body = await getAccountOverview({ em: ctx.state.em, userId: actorIdOf(tenant), now });
    },
  });

  routes.add({
    method: 'post', path: '/v1/account/password', tag: 'accounts', auth: 'realtor', sessionOnly: true,
    summary: 'Change your password: every other session ends, this one gets a new cookie and CSRF token',
    body: ZChangePasswordBody,
    responses: {
      200: {
        description: 'Changed; the session cookie is replaced (the old one no longer works) and `csrfToken` is the new CSRF token; a notice is emailed to the account\'s address',
        schema: z.object({ signedOutSessions: z.number().int().describe('Other live sessions ended'), csrfToken: z.string() }),
      },
      400: { description: '`wrong_password` (current password), or `validation_failed` (the new password breaks the signup rules or equals the current one: issue on `newPassword`)' },
      429: { description: `\`rate_limited\` (Retry-After): ${ACCOUNT_PASSWORD_ATTEMPTS_PER_USER} checks of the current password per ${LOGIN_WINDOW_SEC / 60} minutes per user, shared with the email change` },
    },
    handler: async (ctx, { body, tenant, now }) => {
      const userId = actorIdOf(tenant);
      const sessionId = currentSessionId(ctx);
      const changed = await withPasswordAttempt(passwordAttempts, userId, () => changePassword({
        em: ctx.state.em, userId, sessionId, currentPassword: body.currentPassword, newPassword: body.newPassword,
        sessionTtlHours: config.SESSION_TTL_HOURS, now, queues, log: ctx.state.log,
      }));
      forgetCachedSessions(ctx); // other API processes: Postgres notifies them (session-cache.ts)
      setSessionCookie(ctx, config, signSessionToken(changed.token, config.SESSION_SECRET), changed.expiresAt.getTime() - now.getTime());
      ctx.body = { signedOutSessions: changed.signedOutSessions, csrfToken: changed.csrfToken };
    },
  });

  routes.add({
    method: 'post', path: '/v1/account/email', tag: 'accounts', auth: 'realtor', sessionOnly: true,
    summary: 'Ask to change your sign-in email: a confirmation link goes to the new address (nothing changes until it is used)',
    body: ZChangeEmailBody,
    responses: {
      202: { description: 'The link is on its way to the new address (valid 24 h, single use); an earlier pending change\'s link stops working', schema: z.object({ pendingEmail: z.string(), expiresAt: z.iso.datetime() }) },
      400: { description: '`wrong_password`, or `validation_failed` (not an email address, or the current one: issue on `newEmail`)' },
      409: { description: '`email_taken`: another account uses the address' },
      429: { description: `\`rate_limited\` (Retry-After): wrong passwords (see POST /v1/account/password), or more than ${EMAIL_CHANGE_REQUESTS_PER_USER_PER_HOUR} change emails (or \`email_taken\` answers) per hour` },
    },
    handler: async (ctx, { body, tenant, now }) => {
      const userId = actorIdOf(tenant);
      // Counted before the work, so requests in parallel cannot all pass a check and send more than
      // the budget, and a 429 never comes after a link went out; given back when nothing was sent —
      // except for `email_taken`, which tells whether an address has an account (signup never
      // does): counted like a sent link, so a session cannot probe addresses faster than it can send links.
      await emailChanges.consume(userId);
      const pending = await withPasswordAttempt(passwordAttempts, userId, () => requestEmailChange({
        em: ctx.state.em, userId, newEmail: body.newEmail, password: body.password, now, queues, log: ctx.state.log,
      })).catch(async (err: unknown) => {
        if (!(err instanceof AppError && err.code === 'email_taken')) await emailChanges.refund(userId);
        throw err;
      });
      ctx.status = 202;
      ctx.body = { pendingEmail: pending.pendingEmail, expiresAt: pending.expiresAt.toISOString() };
    },
  });

  routes.add({
    method: 'delete', path: '/v1/account/email/pending', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'Cancel a pending change of sign-in email (its link stops working)',
    responses: { 204: { description: 'Cancelled, or nothing was pending' } },
    handler: async (ctx, { tenant }) => {
      await cancelEmailChange({ em: ctx.state.em, userId: actorIdOf(tenant) });
      ctx.status = 204;
    },
  });

  routes.add({
    method: 'post', path: '/v1/auth/confirm-email-change', tag: 'accounts', auth: 'public', summary: 'Confirm a new sign-in email with the link emailed to it',
    body: ZConfirmEmailChangeBody,
    responses: {
      200: { description: 'The account now signs in with this address (confirmed); the old address is told', schema: z.object({ email: z.string() }) },
      400: { description: '`token_invalid`' },
      409: { description: '`email_taken`: another account took the address meanwhile; nothing changed' },
      410: { description: '`token_used` or `token_expired`' },
      429: { description: `\`rate_limited\` (Retry-After): more than ${LINK_ATTEMPTS_PER_IP} attempts from this IP in ${LINK_ATTEMPT_WINDOW_SEC / 60} minutes; nothing changed` },
    },
    before: [limitLinkAttemptsPerIp(deps, 'confirm-email-change-ip')],
    handler: async (ctx, { body, now }) => {
      const { email } = await confirmEmailChange({ em: ctx.state.em, token: body.token, now, queues, log: ctx.state.log });
      ctx.body = { email };
    },
  });

  routes.add({
    method: 'get', path: '/v1/account/sessions', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'Your live sessions, most recently used first',
    // A list: an unknown query parameter is a 400 (docs/api-leads.md, Conventions).
    query: z.strictObject({}),
    responses: { 200: { description: 'Sessions', schema: z.object({ items: z.array(ZAccountSessionJson) }) } },
    handler: async (ctx, { tenant, now }) => {
      ctx.body = { items: await listUserSessions({ em: ctx.state.em, userId: actorIdOf(tenant), currentSessionId: currentSessionId(ctx), now }) };
    },
  });

  routes.add({
    method: 'delete', path: '/v1/account/sessions/:id', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'End one of your other sessions (at once, in every API process)',
    responses: {
      204: { description: 'Ended' },
      404: { description: '`not_found`: no session of yours has this id' },
      409: { description: '`conflict`: this is the current session (log out instead)' },
    },
    handler: async (ctx, { params, tenant }) => {
      if (params.id === currentSessionId(ctx)) throw new AppError('conflict', 'This is the session you are using: use Log out to end it');
      if (!(await endUserSession({ em: ctx.state.em, userId: actorIdOf(tenant), sessionId: params.id }))) throw new AppError('not_found', 'Session not found');
      forgetCachedSessions(ctx);
      ctx.status = 204;
    },
  });

  routes.add({
    method: 'post', path: '/v1/account/sessions/sign-out-others', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'End every session of yours but this one',
    responses: { 200: { description: 'How many live sessions ended', schema: z.object({ signedOut: z.number().int() }) } },
    handler: async (ctx, { tenant, now }) => {
      const signedOut = await endOtherUserSessions({ em: ctx.state.em, userId: actorIdOf(tenant), keepSessionId: currentSessionId(ctx), now });
      forgetCachedSessions(ctx);
      ctx.body = { signedOut };
    },
  });
}
