import { findUserIdByApiKey } from '#core/accounts/api-keys.ts';
import { findSession } from '#core/accounts/sessions.ts';
import { tenantOfUser, type Tenant } from '#core/accounts/tenant.ts';
import { safeEqual } from '#core/accounts/tokens.ts';
import { AppError } from '#core/errors.ts';
import type { AppContext } from './context.ts';

export const SESSION_COOKIE = 'pl_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The single gate for realtor routes (api/route.ts calls it for `auth: 'realtor'`): resolves the
 * tenant from `Authorization: Bearer plk_…` or the session cookie, enforces CSRF on
 * cookie-authenticated writes, and is the one place a `Tenant` is built.
 */
export async function authenticateRealtor(ctx: AppContext, now: Date): Promise<Tenant> {
  const { em } = ctx.state;
  const header = ctx.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const userId = match ? await findUserIdByApiKey({ em, key: match[1], now }) : null;
    if (!userId) throw new AppError('unauthorized', 'Invalid API key');
    ctx.state.auth = { via: 'apiKey' };
    return tenantOfUser(userId);
  }
  const token = ctx.cookies.get(SESSION_COOKIE);
  const session = token ? await findSession({ em, token, now }) : null;
  if (!session) throw new AppError('unauthorized', token ? 'Your session has expired; log in again' : 'Log in to continue');
  ctx.state.auth = { via: 'session', sessionId: session.sessionId, csrfToken: session.csrfToken };
  if (!SAFE_METHODS.has(ctx.method)) {
    const sent = ctx.get('x-csrf-token');
    if (!sent || !safeEqual(sent, session.csrfToken)) throw new AppError('csrf_failed', 'Missing or wrong x-csrf-token header');
  }
  return tenantOfUser(session.user.userId);
}
