import type { EntityManager } from '@mikro-orm/postgresql';
import { SessionSchema, type Session } from './session.entity.ts';
import { createHmac } from 'node:crypto';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { createToken, safeEqual, sha256Hex } from './tokens.ts';
import { HOUR_MS, MINUTE_MS } from '../shared/time.ts';
import { lockLiveUser } from './lock-live-user.ts';

export const SESSION_TOUCH_INTERVAL_MS = 5 * MINUTE_MS;

/**
 * Starts a session; returns the cookie token (only its hash is stored) and the CSRF token — or null
 * when the account has been deleted, also by a deletion that committed while this login was
 * verifying the password, or (`passwordHash`: the hash a login checked) when the password has
 * changed since, also by a change or reset that committed meanwhile (lockLiveUser).
 */
export async function createSession({ em, userId, passwordHash, ttlHours, ip, userAgent, now = new Date() }: {
  em: EntityManager; userId: string;
  /** The hash the caller checked the password against (a login); omitted when no password was checked. */
  passwordHash?: string;
  ttlHours: number; ip?: string; userAgent?: string; now?: Date;
}): Promise<{ token: string; session: Session } | null> {
  return em.transactional(async (tem) => {
    if (!(await lockLiveUser(tem as EntityManager, userId, { passwordHash }))) return null;
    return insertSession({ em: tem as EntityManager, userId, ttlHours, ip, userAgent, now });
  });
}

/** Why createSession refused a login (null with `passwordHash`), for its log line. */
export type SessionRefusal = 'account_deleted' | 'password_changed';

/**
 * Why createSession refused `userId`'s login: `account_deleted` when the account is deleted (or
 * already purged), else `password_changed` (the hash it checked was replaced). One read by primary
 * key, only on that rare path, rather than a reason threaded through lockLiveUser's callers; it
 * reads after the refusal, so an account deleted just after a password change counts as deleted.
 */
export async function explainSessionRefusal({ em, userId }: { em: EntityManager; userId: string }): Promise<SessionRefusal> {
  const row = await db(em).selectFrom('users').select('deleted_at').where('user_id', '=', userId).executeTakeFirst();
  return row === undefined || row.deleted_at !== null ? 'account_deleted' : 'password_changed';
}

async function insertSession({ em, userId, ttlHours, ip, userAgent, now }: {
  em: EntityManager; userId: string; ttlHours: number; ip?: string; userAgent?: string; now: Date;
}): Promise<{ token: string; session: Session }> {
  const token = createToken('', 32);
  const session = em.create(SessionSchema, {
    tokenHash: sha256Hex(token),
    user: userId,
    csrfToken: createToken('', 24),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ttlHours * HOUR_MS),
    ip: ip?.slice(0, 64) ?? null,
    userAgent: userAgent?.slice(0, 512) ?? null,
  });
  await em.flush();
  return { token, session };
}

/** What a request needs of its session (`findSession`); times in epoch milliseconds. */
export interface LiveSession {
  sessionId: string;
  userId: string;
  csrfToken: string;
  expiresAt: number;
  lastSeenAt: number;
}

/**
 * The live session for a cookie token, or null when unknown, expired or of a deleted account (a
 * session inserted by a login racing the deletion, however that came about). Slides `last_seen_at`
 * (at most once per SESSION_TOUCH_INTERVAL_MS). One indexed read through Kysely: this runs for
 * every cookie-authenticated request that misses the session cache (session-cache.ts).
 */
export async function findSession({ em, token, now = new Date() }: { em: EntityManager; token: string; now?: Date }): Promise<LiveSession | null> {
  if (!token || token.length > 100) return null;
  const row = await db(em)
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.user_id', 's.user_id')
    .select(['s.session_id', 's.user_id', 's.csrf_token', 's.expires_at', 's.last_seen_at'])
    .where('s.token_hash', '=', sha256Hex(token))
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const session: LiveSession = {
    sessionId: row.session_id,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    expiresAt: Date.parse(pgTimeToIsoStrict(row.expires_at)),
    lastSeenAt: Date.parse(pgTimeToIsoStrict(row.last_seen_at)),
  };
  if (session.expiresAt <= now.getTime()) {
    await em.nativeDelete(SessionSchema, { sessionId: session.sessionId });
    return null;
  }
  if (now.getTime() - session.lastSeenAt > SESSION_TOUCH_INTERVAL_MS) {
    await em.nativeUpdate(SessionSchema, { sessionId: session.sessionId }, { lastSeenAt: now });
    session.lastSeenAt = now.getTime();
  }
  return session;
}

/**
 * Whether a session still exists, has not expired and still answers to the cookie that was
 * authenticated: what an open live stream asks again (api/routes/live.routes.ts) after the request
 * that opened it was authenticated. Reads only.
 *
 * `csrfToken` is the session's CSRF token as that request saw it. A password change rotates the
 * session in place (rotateSession: new cookie token and CSRF token, same id), so the id alone
 * still answered yes and a stream opened with the old — possibly stolen — cookie outlived the
 * change. The CSRF token is replaced in the same statement as the cookie token and nowhere else,
 * so it tells which cookie the session answers to without the token hash leaving this module.
 */
export async function isSessionActive({ em, sessionId, csrfToken, now = new Date() }: {
  em: EntityManager; sessionId: string; csrfToken: string; now?: Date;
}): Promise<boolean> {
  const row = await db(em)
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.user_id', 's.user_id')
    .select('s.expires_at')
    .where('s.session_id', '=', sessionId)
    .where('s.csrf_token', '=', csrfToken)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined && Date.parse(pgTimeToIsoStrict(row.expires_at)) > now.getTime();
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
