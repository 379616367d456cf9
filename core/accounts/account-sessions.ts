// The signed-in person's own sessions (Account settings): list them, end one, end all but the
// current one, and rotate the current one (a password change). Every statement that ends or
// rotates a session fires the `sessions_changed` trigger, so every API process drops its cached
// copy at commit (session-cache.ts); the process that answers also forgets its own before answering.
import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { HOUR_MS } from '../shared/time.ts';
import type { AccountSessionJson } from './account-schemas.ts';
import { createToken, sha256Hex } from './tokens.ts';

/** The user's live (unexpired) sessions, most recently used first. */
export async function listUserSessions({ em, userId, currentSessionId, now }: {
  em: EntityManager; userId: string; currentSessionId: string | null; now: Date;
}): Promise<AccountSessionJson[]> {
  const rows = await db(em)
    .selectFrom('sessions')
    .select(['session_id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now.toISOString())
    .orderBy('last_seen_at', 'desc')
    .orderBy('session_id')
    .execute();
  return rows.map((r) => ({
    sessionId: r.session_id,
    createdAt: pgTimeToIsoStrict(r.created_at),
    lastSeenAt: pgTimeToIsoStrict(r.last_seen_at),
    expiresAt: pgTimeToIsoStrict(r.expires_at),
    ip: r.ip,
    userAgent: r.user_agent,
    current: r.session_id === currentSessionId,
  }));
}

/** Ends one of the user's sessions; false when the user has no session with that id (unknown, or another user's). */
export async function endUserSession({ em, userId, sessionId }: { em: EntityManager; userId: string; sessionId: string }): Promise<boolean> {
  const result = await db(em).deleteFrom('sessions').where('session_id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Ends every session of the user but `keepSessionId`; returns how many of them were still live. */
export async function endOtherUserSessions({ em, userId, keepSessionId, now }: {
  em: EntityManager; userId: string; keepSessionId: string; now: Date;
}): Promise<number> {
  const ended = await db(em)
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('session_id', '<>', keepSessionId)
    .returning('expires_at')
    .execute();
  return ended.filter((r) => Date.parse(pgTimeToIsoStrict(r.expires_at)) > now.getTime()).length;
}

/**
 * Gives a session a new token and CSRF token (and a full lifetime from now), keeping its id: the
 * old cookie stops working at commit. Returns the new cookie token (only its hash is stored) and
 * CSRF token, or null when the session is gone.
 */
export async function rotateSession({ em, sessionId, ttlHours, now }: {
  em: EntityManager; sessionId: string; ttlHours: number; now: Date;
}): Promise<{ token: string; csrfToken: string; expiresAt: Date } | null> {
  const token = createToken('', 32);
  const csrfToken = createToken('', 24);
  const expiresAt = new Date(now.getTime() + ttlHours * HOUR_MS);
  const result = await db(em)
    .updateTable('sessions')
    .set({ token_hash: sha256Hex(token), csrf_token: csrfToken, last_seen_at: now, expires_at: expiresAt })
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? { token, csrfToken, expiresAt } : null;
}
