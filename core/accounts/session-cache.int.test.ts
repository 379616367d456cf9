// The session cache of an API process: it answers from memory only while Postgres can tell it
// that sessions changed, and forgets what changed in any process (two caches here play two API
// processes on one database: each has its own memory and its own LISTEN connection).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { endUserSession, rotateSession } from './account-sessions.ts';
import { createSessionCache, SESSIONS_CHANGED_CHANNEL, type SessionCache } from './session-cache.ts';
import { createSession, deleteSession, findSession, type LiveSession } from './sessions.ts';
import { signUp } from './sign-up.ts';

/** Long enough that nothing in these tests is forgotten by age: only by notification or expiry. */
const LONG_TTL_MS = 10 * 60_000;

const testOrm = useTestOrm({ ormPoolMax: 3 });
let userId: string;
const caches: SessionCache[] = [];

beforeAll(async () => {
  userId = (await signUp({ em: fork(), input: { username: 'cache', email: 'cache@example.com', password: 'correct horse battery' } })).userId;
});
afterAll(async () => {
  await Promise.all(caches.map((c) => c.close()));
});

const fork = () => testOrm.orm.em.fork() as EntityManager;

function newCache(ttlMs = LONG_TTL_MS): SessionCache {
  const cache = createSessionCache({ databaseUrl: testOrm.db.url, logger: testOrm.runtime.logger, ttlMs });
  caches.push(cache);
  return cache;
}

/** A session of the test user, and a lookup through `cache` that counts its reads of Postgres. */
async function sessionFor(now = new Date()) {
  const { token } = (await createSession({ em: fork(), userId, ttlHours: 1, now }))!;
  let reads = 0;
  const lookup = (cache: SessionCache, at = now) => cache.get(`cookie-${token}`, at, () => {
    reads++;
    return findSession({ em: fork(), token, now: at });
  });
  return { token, lookup, reads: () => reads };
}

/** Looks up until the cache listens and has remembered the session (the first lookup opens the listener). */
async function cached(cache: SessionCache, lookup: (cache: SessionCache) => Promise<LiveSession | null>, reads: () => number): Promise<void> {
  await expect.poll(async () => {
    await lookup(cache);
    const before = reads();
    await lookup(cache);
    return cache.listening() && reads() === before;
  }).toBe(true);
}

describe('session cache', () => {
  it('answers a remembered session without reading Postgres again', async () => {
    const cache = newCache();
    const s = await sessionFor();
    await cached(cache, s.lookup, s.reads);
    const reads = s.reads();
    for (let i = 0; i < 5; i++) expect((await s.lookup(cache))?.userId).toBe(userId);
    expect(s.reads()).toBe(reads);
  });

  it('a logout in one API process ends the session in another that had it in memory', async () => {
    const a = newCache();
    const b = newCache();
    const s = await sessionFor();
    await cached(a, s.lookup, s.reads);
    await cached(b, s.lookup, s.reads);
    const session = (await s.lookup(a))!;

    const heard = b.nextChange();
    await deleteSession({ em: fork(), sessionId: session.sessionId });
    a.forgetAll(); // what the logout route does in its own process
    expect(await s.lookup(a)).toBeNull();
    await heard; // Postgres' notification, milliseconds after the commit
    expect(await s.lookup(b)).toBeNull();
  });

  it('forgets sessions ended by SQL outside the app too (a password reset, an operator), and a changed expiry', async () => {
    const cache = newCache();
    const s = await sessionFor();
    await cached(cache, s.lookup, s.reads);
    let heard = cache.nextChange();
    await testOrm.pool.query(`update sessions set expires_at = now() - interval '1 minute' where token_hash = encode(sha256($1::bytea), 'hex')`, [s.token]);
    await heard;
    expect(await s.lookup(cache)).toBeNull();

    const t = await sessionFor();
    await cached(cache, t.lookup, t.reads);
    heard = cache.nextChange();
    await testOrm.pool.query('delete from sessions where user_id = $1', [userId]);
    await heard;
    expect(await t.lookup(cache)).toBeNull();
  });

  it('honours expiry against the request clock even while the session is in memory', async () => {
    const cache = newCache();
    const issued = new Date();
    const s = await sessionFor(issued);
    await cached(cache, s.lookup, s.reads);
    const expired = new Date(issued.getTime() + 3_600_000);
    expect(await s.lookup(cache, expired)).toBeNull();
    // findSession deleted the expired row on the way.
    expect((await testOrm.pool.query('select 1 from sessions where token_hash = encode(sha256($1::bytea), \'hex\')', [s.token])).rowCount).toBe(0);
  });

  it('slides last_seen_at through Postgres when the remembered one is old, as without the cache', async () => {
    const cache = newCache();
    const issued = new Date(Date.now() - 60_000);
    const s = await sessionFor(issued);
    await cached(cache, s.lookup, s.reads);
    const later = new Date(issued.getTime() + 6 * 60_000);
    const reads = s.reads();
    expect((await s.lookup(cache, later))?.lastSeenAt).toBe(later.getTime());
    expect(s.reads()).toBe(reads + 1);
    const { rows } = await testOrm.pool.query('select last_seen_at from sessions where token_hash = encode(sha256($1::bytea), \'hex\')', [s.token]);
    expect(rows[0].last_seen_at.getTime()).toBe(later.getTime());
  });

  it('forgets by age (SESSION_CACHE_TTL_MS)', async () => {
    const cache = newCache(50);
    const s = await sessionFor();
    await expect.poll(async () => {
      await s.lookup(cache);
      return cache.listening();
    }).toBe(true);
    await s.lookup(cache);
    const reads = s.reads();
    await new Promise((r) => setTimeout(r, 60)); // the age itself is what is tested
    await s.lookup(cache);
    expect(s.reads()).toBe(reads + 1);
  });

  it('does not remember a session read while sessions changed (the read may predate the change)', async () => {
    const cache = newCache();
    const s = await sessionFor();
    await cached(cache, s.lookup, s.reads);
    cache.forgetAll();
    // The read starts, a change arrives before it returns: its answer is used once, not kept.
    const { token } = s;
    let reads = 0;
    const racing = () => cache.get(`cookie-${token}`, new Date(), async () => {
      reads++;
      const found = await findSession({ em: fork(), token });
      cache.forgetAll();
      return found;
    });
    expect((await racing())?.userId).toBe(userId);
    expect((await racing())?.userId).toBe(userId);
    expect(reads).toBe(2);
  });

  it('reads every session from Postgres while its listener is lost, and remembers again once it listens again', async () => {
    const cache = newCache();
    const s = await sessionFor();
    await cached(cache, s.lookup, s.reads);
    const lost = cache.nextChange();
    await testOrm.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'porchlight-session-cache' and datname = current_database()`);
    await lost;
    expect(cache.listening()).toBe(false);
    const reads = s.reads();
    await s.lookup(cache);
    await s.lookup(cache);
    expect(s.reads()).toBe(reads + 2);
    // The retry timer (SESSION_LISTEN_RETRY_MS) listens again; no request has to.
    await expect.poll(() => cache.listening()).toBe(true);
    await cached(cache, s.lookup, s.reads);
  });

  // Before: the trigger fired once per statement, also for one that matched nothing, so any
  // signed-in user could empty every API process's cache at will (DELETE /v1/account/sessions/<random id>, a 404).
  it('only a statement that ends or changes a session notifies; a thousand-row one notifies once', async () => {
    const listener = new pg.Client({ connectionString: testOrm.db.url });
    await listener.connect();
    try {
      const payloads: string[] = [];
      let onMarker: () => void = () => undefined;
      listener.on('notification', (n) => {
        if (n.payload === 'marker') onMarker();
        else payloads.push(n.payload ?? '');
      });
      await listener.query(`listen ${SESSIONS_CHANGED_CHANNEL}`);
      /** How many change notifications arrived since the last call: Postgres delivers notifications in commit order, so once a marker sent now arrives, all of them have. */
      const heardSince = async () => {
        const marked = new Promise<void>((resolve) => { onMarker = resolve; });
        await testOrm.pool.query(`select pg_notify($1, 'marker')`, [SESSIONS_CHANGED_CHANNEL]);
        await marked;
        return payloads.splice(0).length;
      };
      const { session } = (await createSession({ em: fork(), userId, ttlHours: 1 }))!;
      const now = new Date();
      expect(await heardSince()).toBe(0); // a new session is nobody's cached copy

      expect(await endUserSession({ em: fork(), userId, sessionId: randomUUID() })).toBe(false);
      expect(await endUserSession({ em: fork(), userId: randomUUID(), sessionId: session.sessionId })).toBe(false);
      expect(await rotateSession({ em: fork(), sessionId: randomUUID(), ttlHours: 1, now })).toBeNull();
      await testOrm.pool.query(`update sessions set expires_at = now(), csrf_token = csrf_token where session_id = $1`, [randomUUID()]);
      await testOrm.pool.query('delete from sessions where user_id = $1', [randomUUID()]);
      expect(await heardSince()).toBe(0);

      expect(await rotateSession({ em: fork(), sessionId: session.sessionId, ttlHours: 1, now })).not.toBeNull();
      expect(await heardSince()).toBe(1);
      expect(await endUserSession({ em: fork(), userId, sessionId: session.sessionId })).toBe(true);
      expect(await heardSince()).toBe(1);

      await testOrm.pool.query(`insert into sessions (session_id, token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
        select gen_random_uuid(), md5(i::text) || md5(i::text), $1, md5(i::text) || md5(i::text), now(), now(), now() + interval '1 hour' from generate_series(1, 1000) i`, [userId]);
      expect(await heardSince()).toBe(0);
      await testOrm.pool.query('delete from sessions where user_id = $1', [userId]);
      expect(await heardSince()).toBe(1);
    } finally {
      await listener.end();
    }
  });
});
