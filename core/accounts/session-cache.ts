import pg from 'pg';
import { DB_CONNECT_TIMEOUT_MS } from '../db/orm.ts';
import type { Logger } from '../logger.ts';
import { SESSION_TOUCH_INTERVAL_MS, type LiveSession } from './sessions.ts';

/**
 * How long an API process answers a session from memory before reading it again. Changes reach
 * every process sooner, through Postgres (below); this only bounds what a lost notification on a
 * connection that looks alive could leave stale.
 */
export const SESSION_CACHE_TTL_MS = 2000;
/** Sessions one process remembers at most (the cache is emptied when full: a flood of tokens cannot grow it). */
export const SESSION_CACHE_MAX_ENTRIES = 10_000;
/** The channel the `sessions_changed` trigger notifies (migrations/Migration20261129134500.ts). */
export const SESSIONS_CHANGED_CHANNEL = 'sessions_changed';
/**
 * How long `close()` waits for the listener connection to end (Postgres answering its goodbye)
 * before dropping the socket. Without a bound, a connection still starting when the API stops —
 * it is opened by the first signed-in request — waited for Postgres up to DB_CONNECT_TIMEOUT_MS
 * (10 s, the API's whole shutdown budget) when Postgres was slow to answer.
 */
export const SESSION_LISTENER_CLOSE_TIMEOUT_MS = 1000;
/** Waits before listening again after the listener connection failed: doubling from the first to the last. */
export const SESSION_LISTEN_RETRY_MS = [500, 30_000] as const;

export interface SessionCache {
  /**
   * The session of a signed cookie value: from memory while fresh (not past SESSION_CACHE_TTL_MS,
   * its `expiresAt` or its next `last_seen_at` slide), otherwise `load()`'s answer, remembered
   * when it is a session and nothing changed in the sessions table while it was read.
   */
  get(cookie: string, now: Date, load: () => Promise<LiveSession | null>): Promise<LiveSession | null>;
  /** Forgets every session in memory (this process ended some: logout, password reset). */
  forgetAll(): void;
  /** Resolves after the next change notification (or loss of the listener) has emptied the cache: tests. */
  nextChange(): Promise<void>;
  /**
   * Calls `listener` whenever the cache is emptied because sessions may have changed: a change
   * notification from any process, `forgetAll()` in this one, or the (re)start or loss of the
   * listener. Open live streams check their session again then. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
  /** True while the process listens for changes, i.e. while it may answer from memory. */
  listening(): boolean;
  /** Stops listening and forgets everything (API shutdown). */
  close(): Promise<void>;
}

/**
 * The realtor-session cache of one API process. Every cookie-authenticated request used to read
 * its session from Postgres: a round trip (and under the dashboard load ~10 % of the API's CPU)
 * for a row that changes a few times a day. So sessions are kept in memory for
 * SESSION_CACHE_TTL_MS, and Postgres says when to forget them: the `sessions_changed` trigger
 * notifies at the commit of any statement that deletes sessions or changes their token, user,
 * CSRF token or expiry — logout, password reset, an account's deletion, an operator's SQL — and
 * every API process listening empties its cache. No code path has to remember to announce it.
 *
 * Safety rules: the cache answers only while its LISTEN connection is up (lazily opened on the
 * first lookup; on loss the cache is emptied and bypassed until LISTEN succeeds again); a session
 * read while a change arrived is not remembered (the read may predate the change); expiry and the
 * `last_seen_at` slide are checked against the request's clock on every hit. What remains: another
 * process drops a session when the notification reaches it (milliseconds after the commit), not
 * within the logout's own round trip; the process that logs out drops it before answering.
 */
export function createSessionCache({ databaseUrl, logger, ttlMs = SESSION_CACHE_TTL_MS, maxEntries = SESSION_CACHE_MAX_ENTRIES }: {
  databaseUrl: string; logger: Logger; ttlMs?: number; maxEntries?: number;
}): SessionCache {
  const entries = new Map<string, { session: LiveSession; cachedAt: number }>();
  /** Bumped on every change notification and every (re)start or loss of the listener. */
  let generation = 0;
  let client: pg.Client | null = null;
  let isListening = false;
  let closed = false;
  let started = false;
  let retryMs: number = SESSION_LISTEN_RETRY_MS[0];
  let retryTimer: NodeJS.Timeout | undefined;
  let warned = false;
  let waiters: Array<() => void> = [];
  const listeners = new Set<() => void>();

  const forgetAll = () => {
    generation++;
    entries.clear();
    const resolve = waiters;
    waiters = [];
    for (const w of resolve) w();
    for (const l of [...listeners]) {
      try {
        l();
      } catch (err) {
        logger.error({ err }, 'session cache: a change listener failed');
      }
    }
  };

  const drop = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = null;
    isListening = false;
    forgetAll();
    c.removeAllListeners('notification');
    c.on('error', () => undefined); // a late socket error of a connection we already gave up
    void c.end().catch(() => undefined);
    if (closed) return;
    if (!warned) logger.warn({ err }, 'session cache: not listening for session changes; reading sessions from Postgres');
    warned = true;
    retryTimer = setTimeout(listen, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, SESSION_LISTEN_RETRY_MS[1]);
  };

  const listen = () => {
    if (closed || client) return;
    const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'porchlight-session-cache' });
    client = c;
    c.on('notification', forgetAll);
    c.on('error', (err) => drop(c, err));
    c.on('end', () => drop(c));
    c.connect()
      .then(() => c.query(`listen ${SESSIONS_CHANGED_CHANNEL}`))
      .then(() => {
        if (client !== c) return;
        isListening = true;
        // Anything read before LISTEN took effect may have missed a change.
        forgetAll();
        retryMs = SESSION_LISTEN_RETRY_MS[0];
        if (warned) logger.info('session cache: listening for session changes again');
        warned = false;
      })
      .catch((err) => drop(c, err));
  };

  return {
    async get(cookie, now, load) {
      if (isListening) {
        const hit = entries.get(cookie);
        if (hit) {
          const { session } = hit;
          const at = now.getTime();
          if (performance.now() - hit.cachedAt < ttlMs && session.expiresAt > at && at - session.lastSeenAt <= SESSION_TOUCH_INTERVAL_MS) return session;
          entries.delete(cookie);
        }
      }
      const before = generation;
      const session = await load();
      // Listening starts with the first real session (an app that never sees one opens nothing);
      // after a loss, only the retry timer starts it again (backing off, not once per request).
      if (session && !started) {
        started = true;
        listen();
      } else if (session && generation === before) {
        if (entries.size >= maxEntries) entries.clear();
        entries.set(cookie, { session, cachedAt: performance.now() });
      }
      return session;
    },
    forgetAll,
    nextChange() {
      return new Promise((resolve) => waiters.push(resolve));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listening: () => isListening,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const c = client;
      client = null;
      isListening = false;
      forgetAll();
      if (c) {
        c.removeAllListeners('notification');
        c.on('error', () => undefined); // the dropped socket's late errors
        let timer: NodeJS.Timeout | undefined;
        const ended = c.end().then(() => true, () => true);
        const late = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), SESSION_LISTENER_CLOSE_TIMEOUT_MS);
        });
        const inTime = await Promise.race([ended, late]);
        clearTimeout(timer);
        if (!inTime) {
          logger.warn({ timeoutMs: SESSION_LISTENER_CLOSE_TIMEOUT_MS }, 'session cache: the listener connection did not close in time; dropped it');
          c.connection.stream.destroy();
        }
      }
    },
  };
}
