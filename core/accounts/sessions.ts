import type { EntityManager } from '@mikro-orm/postgresql';
import { SessionSchema, type Session } from './session.entity.ts';
import { createToken, sha256Hex } from './tokens.ts';

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
