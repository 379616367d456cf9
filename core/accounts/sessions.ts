import type { EntityManager } from '@mikro-orm/postgresql';
import { SessionSchema, type Session } from './session.entity.ts';
import { createHmac } from 'node:crypto';
import { createToken, safeEqual, sha256Hex } from './tokens.ts';

export const SESSION_TOUCH_INTERVAL_MS = 5 * 60_000;

/** Starts a session; returns the cookie token (only its hash is stored) and the CSRF token. */
export async function createSession({ em, userId, ttlHours, ip, userAgent, now = new Date() }: {
  em: EntityManager; userId: string; ttlHours: number; ip?: string; userAgent?: string; now?: Date;
}): Promise<{ token: string; session: Session }> {
  const token = createToken('', 32);
  const session = em.create(SessionSchema, {
    tokenHash: sha256Hex(token),
    user: userId,
    csrfToken: createToken('', 24),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ttlHours * 3_600_000),
    ip: ip?.slice(0, 64) ?? null,
    userAgent: userAgent?.slice(0, 512) ?? null,
  });
  await em.flush();
  return { token, session };
}

/** The live session for a cookie token, or null when unknown or expired. Slides `last_seen_at`. */
export async function findSession({ em, token, now = new Date() }: { em: EntityManager; token: string; now?: Date }): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const session = await em.findOne(SessionSchema, { tokenHash: sha256Hex(token) });
  if (!session) return null;
  if (session.expiresAt.getTime() <= now.getTime()) {
    await em.nativeDelete(SessionSchema, { sessionId: session.sessionId });
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() > SESSION_TOUCH_INTERVAL_MS) {
    await em.nativeUpdate(SessionSchema, { sessionId: session.sessionId }, { lastSeenAt: now });
  }
  return session;
}

export async function deleteSession({ em, sessionId }: { em: EntityManager; sessionId: string }): Promise<void> {
  await em.nativeDelete(SessionSchema, { sessionId });
}

/**
 * The cookie value for a session token: `<token>.<HMAC-SHA256(SESSION_SECRET, token)>`. A cookie
 * that was not issued under the current secret is refused before any database lookup, and
 * changing SESSION_SECRET ends every session at once (the way to respond to a suspected leak).
 */
export function signSessionToken(token: string, secret: string): string {
  return `${token}.${createHmac('sha256', secret).update(token).digest('base64url')}`;
}

/** The token inside a signed cookie value, or null when the signature does not match this secret. */
export function readSignedSessionToken(value: string, secret: string): string | null {
  const dot = value.lastIndexOf('.');
  if (dot <= 0 || value.length > 200) return null;
  const token = value.slice(0, dot);
  return safeEqual(signSessionToken(token, secret), value) ? token : null;
}
