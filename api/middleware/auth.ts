import { findApiKeyGrant } from '#core/accounts/api-keys.ts';
import { createSession, findSession, readSignedSessionToken, signSessionToken } from '#core/accounts/sessions.ts';
import { tenantOfUser, type Tenant } from '#core/accounts/tenant.ts';
import type { User } from '#core/accounts/user.entity.ts';
import { safeEqual } from '#core/accounts/tokens.ts';
import { AppError } from '#core/errors.ts';
import type { Config } from '#core/config.ts';
import type { AppContext } from './context.ts';
import { setDeviceCookie } from './device-cookie.ts';
import { isHttpsDeployment } from './security-headers.ts';

export const SESSION_COOKIE = 'pl_session';
/** On https deployments: `__Host-` makes browsers insist on Secure, Path=/ and no Domain. */
export const HTTPS_SESSION_COOKIE = '__Host-pl_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The single gate for realtor routes (api/route.ts calls it for `auth: 'realtor'`): resolves the
 * tenant from `Authorization: Bearer plk_…` or the session cookie, enforces CSRF on
 * cookie-authenticated writes, and is the one place a `Tenant` is built.
 */
export async function authenticateRealtor(ctx: AppContext, now: Date, opts: {
  /** The route answers a credential (RealtorRouteSpec.credential): a read-only key may not read it. */
  credential?: boolean;
  /** The route is for the signed-in person only (RealtorRouteSpec.sessionOnly): a valid API key gets 403 (a string: its message). */
  sessionOnly?: boolean | string;
} = {}): Promise<Tenant> {
  const { em } = ctx.state;
  const header = ctx.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const grant = match ? await findApiKeyGrant({ em, key: match[1], now }) : null;
    if (!grant) throw new AppError('unauthorized', 'Invalid or expired API key');
    if (opts.sessionOnly) throw new AppError('forbidden', typeof opts.sessionOnly === 'string' ? opts.sessionOnly : 'API keys cannot use account settings (password, sign-in email, sessions): sign in to Porchlight in a browser to change them');
    if (grant.scope === 'read' && !SAFE_METHODS.has(ctx.method)) throw new AppError('forbidden', 'This API key is read-only');
    // A signing secret would let the key's holder act as Porchlight (sign deliveries) after the key is revoked.
    if (grant.scope === 'read' && opts.credential) throw new AppError('forbidden', 'This API key is read-only: this answer is a credential, which needs a read_write key or a signed-in session');
    ctx.state.auth = { via: 'apiKey', apiKeyId: grant.apiKeyId, scope: grant.scope };
    return tenantOfUser(grant.userId);
  }
  const { config } = ctx.state.deps;
  const cookie = ctx.cookies.get(sessionCookieName(config));
  // The cache is keyed by the whole signed cookie value: only a value whose signature was checked
  // and whose session was found is ever stored, so a hit needs neither the HMAC nor the hash.
  const session = cookie
    ? await ctx.state.sessionCache.get(cookie, now, async () => {
      const token = readSignedSessionToken(cookie, config.SESSION_SECRET);
      return token ? findSession({ em, token, now }) : null;
    })
    : null;
  if (!session) throw new AppError('unauthorized', cookie ? 'Your session has expired; log in again' : 'Log in to continue');
  ctx.state.auth = { via: 'session', sessionId: session.sessionId, csrfToken: session.csrfToken };
  if (!SAFE_METHODS.has(ctx.method)) {
    const sent = ctx.get('x-csrf-token');
    if (!sent || !safeEqual(sent, session.csrfToken)) throw new AppError('csrf_failed', 'Missing or wrong x-csrf-token header');
  }
  return tenantOfUser(session.userId);
}

/**
 * Forgets every session this process holds in memory: call after ending sessions (logout, password
 * reset) before answering, so this process's next request reads them again. Other API processes
 * forget them when Postgres notifies them of the change (core/accounts/session-cache.ts).
 */
export function forgetCachedSessions(ctx: AppContext): void {
  ctx.state.sessionCache.forgetAll();
}

export function sessionCookieName(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>): string {
  return isHttpsDeployment(config) ? HTTPS_SESSION_COOKIE : SESSION_COOKIE;
}

/**
 * Sets (or, with `token: ''`, clears) the session cookie. On https deployments it is always
 * `Secure` — also when TLS ends at a proxy the API does not trust, which is why the cookie jar is
 * told the connection is secure rather than asked.
 */
export function setSessionCookie(ctx: AppContext, config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>, token: string, maxAgeMs: number): void {
  const https = isHttpsDeployment(config);
  if (https) ctx.cookies.secure = true;
  ctx.cookies.set(sessionCookieName(config), token, {
    httpOnly: true, sameSite: 'lax', secure: https || ctx.secure, path: '/', maxAge: maxAgeMs, overwrite: true,
  });
}

/** The user as signup, login and `/v1/auth/me` show it. */
export function toUserJson(u: User) {
  return { userId: u.userId, username: u.username, email: u.email, createdAt: u.createdAt.toISOString(), emailVerified: u.emailVerifiedAt != null };
}

/**
 * Starts a session for `user` (signup, login, the verify-first link): sets the session cookie and a
 * fresh device cookie for the account (api/middleware/device-cookie.ts), and returns the answer.
 * An account deleted since it was read (a login racing DELETE /v1/account) gets no session: 401
 * `invalid_credentials` with `refusal`, the answer an unknown address gets; so does a login whose
 * `passwordHash` (the hash it checked) was replaced meanwhile (a password change or reset).
 */
export async function startSession(ctx: AppContext, config: Config, user: User, now: Date, { refusal = 'Invalid email or password', passwordHash }: {
  /** The 401's message; default 'Invalid email or password'. */
  refusal?: string;
  /** A login: the hash its password was checked against, which the user row must still hold. */
  passwordHash?: string;
} = {}) {
  const started = await createSession({
    em: ctx.state.em, userId: user.userId, passwordHash, ttlHours: config.SESSION_TTL_HOURS, ip: ctx.ip, userAgent: ctx.get('user-agent'), now,
  });
  if (!started) throw new AppError('invalid_credentials', refusal);
  const { token, session } = started;
  setSessionCookie(ctx, config, signSessionToken(token, config.SESSION_SECRET), config.SESSION_TTL_HOURS * 3_600_000);
  setDeviceCookie(ctx, config, user.userId);
  return { user: toUserJson(user), csrfToken: session.csrfToken };
}
