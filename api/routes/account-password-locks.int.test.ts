// The account flows do their argon2 work (~20 ms of CPU and 19 MiB a call, far longer on a busy
// machine) before they lock the user's row, never while holding it: under the lock every request
// needing the row — a login's session, an API key, a reminder firing, the deletion — would wait
// for the hash (docs/accounts.md, "No argon2 under the user's row lock").
//
// How the tests see it without timing anything: argon2 (@node-rs/argon2) runs on libuv's thread
// pool, so a test can stall that pool — every thread blocked reading an empty FIFO — and no hash
// or verification can progress until it lets go. A request that is already waiting on the user row
// (held by the test, test/row-locks.ts) when the pool stalls must then finish on its own: if it
// needed argon2 after taking the row, it would sit on the lock instead. And a check that fails
// (wrong password) is answered while the test holds the row: it never asked for it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueAccountToken, PASSWORD_RESET_TTL_MS, EMAIL_VERIFICATION_TTL_MS } from '#core/accounts/account-tokens.ts';
import { hashPassword, verifyPassword } from '#core/accounts/passwords.ts';
import { verifyEmail } from '#core/notifications/account-emails.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { holdRowLocks, type LockHolder, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  // A failing test (the old code sits on the lock in argon2) must not leave the pool stalled or the row held.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await server.close();
});

const NEW_PASSWORD = 'a brand new passphrase';
const OTHER_PASSWORD = 'set meanwhile by a reset';
const uniqueEmail = () => `pw-lock-${randomUUID().slice(0, 8)}@example.com`;
const errorCode = (res: { body: any }) => res.body?.error?.code;
const storedHash = async (userId: string) => (await server.sql<{ password_hash: string }>('select password_hash from users where user_id = $1', [userId]))[0].password_hash;
const sessionIds = async (userId: string) => (await server.sql<{ session_id: string }>('select session_id from sessions where user_id = $1 order by session_id', [userId])).map((s) => s.session_id);

/** libuv's thread pool has at most 1024 threads (UV_THREADPOOL_SIZE); blocking that many reads covers any size. */
const MAX_THREADPOOL_SIZE = 1024;
/** How long a request that needs no argon2 may take to answer once the row is free: a bound for a failure message, not a wait. */
const ANSWER_WITHIN_MS = 10_000;

/** Blocks every thread of libuv's pool (so no argon2 call can run) until the returned function is called. */
function stallThreadPool(): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pl-stall-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Read and write end in one: opening a FIFO O_RDWR does not wait for a writer, and reads block until bytes arrive.
  const fd = openSync(fifo, 'r+');
  const reads = Array.from({ length: MAX_THREADPOOL_SIZE }, () => new Promise<void>((resolve, reject) => {
    read(fd, Buffer.alloc(1), 0, 1, null, (err) => (err ? reject(err) : resolve()));
  }));
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      writeSync(fd, Buffer.alloc(MAX_THREADPOOL_SIZE));
      await Promise.all(reads);
      closeSync(fd);
      rmSync(dir, { recursive: true });
    })();
    return released;
  };
  cleanups.push(release);
  return release;
}

async function holdUserRow(userId: string): Promise<LockHolder> {
  const holder = await holdRowLocks(server, 'select 1 from users where user_id = $1 for update', [userId]);
  cleanups.push(() => holder.release());
  return holder;
}

/** `answer`, or a failure naming what it waits for: with the pool stalled, a request that needs argon2 never answers. */
async function answeredWithoutArgon2<T>(answer: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer with argon2 unable to run: it hashes or verifies while holding the user row`)), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([answer, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/** 'answered' when `request` ends without ever waiting on the holder's row lock, 'blocked' when it waits on it. */
async function answeredOrBlocked(holder: LockHolder, request: Promise<unknown>): Promise<'answered' | 'blocked'> {
  try {
    await waitUntilBlockedBy(server, holder.pid, request);
    return 'blocked';
  } catch (err) {
    if (String(err).includes('ended before it blocked')) return 'answered';
    throw err;
  }
}

/**
 * Sends `request` while the test holds the user's row, waits until it queues on the row (its
 * argon2 work, if done first, is over), stalls the thread pool and lets the row go: the request
 * must finish without argon2.
 */
async function finishAfterLockWithoutArgon2<T>(userId: string, request: () => Promise<T>, what: string): Promise<T> {
  const holder = await holdUserRow(userId);
  const answer = request();
  await waitUntilBlockedBy(server, holder.pid, answer);
  const unstall = stallThreadPool();
  try {
    await holder.release();
    return await answeredWithoutArgon2(answer, what);
  } finally {
    await unstall();
  }
}

describe('argon2 runs before the user row is locked, never while it is held', () => {
  it('a wrong current password is answered while another transaction holds the user row (password and email change)', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const holder = await holdUserRow(r.userId);
    const change = r.client.post('/v1/account/password', { currentPassword: 'not the password at all', newPassword: NEW_PASSWORD });
    expect(await answeredOrBlocked(holder, change)).toBe('answered');
    const changed = await change;
    expect(changed.status).toBe(400);
    expect(errorCode(changed)).toBe('wrong_password');
    const move = r.client.post('/v1/account/email', { newEmail: uniqueEmail(), password: 'not the password at all' });
    expect(await answeredOrBlocked(holder, move)).toBe('answered');
    expect(errorCode(await move)).toBe('wrong_password');
    await holder.release();
    expect(await verifyPassword(await storedHash(r.userId), r.password)).toBe(true);
  });

  it('a password change checks and hashes before it locks the row: once queued on the row it finishes without argon2', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const other = new ApiClient(server.url);
    expect((await other.post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
    const res = await finishAfterLockWithoutArgon2(r.userId,
      () => r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD }), 'The password change');
    expect(res.status).toBe(200);
    expect(res.body.signedOutSessions).toBe(1);
    expect((await other.get('/v1/auth/me')).status).toBe(401);
    expect(await verifyPassword(await storedHash(r.userId), NEW_PASSWORD)).toBe(true);
  });

  it('a change of sign-in address checks the password before it locks the row', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const newEmail = uniqueEmail();
    const res = await finishAfterLockWithoutArgon2(r.userId, () => r.client.post('/v1/account/email', { newEmail, password: r.password }), 'The email change');
    expect(res.status).toBe(202);
    expect(res.body.pendingEmail).toBe(newEmail);
  });

  it('a password reset hashes before its claim locks the row; the link is spent with the update', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId: r.userId, purpose: 'password_reset', ttlMs: PASSWORD_RESET_TTL_MS });
    const res = await finishAfterLockWithoutArgon2(r.userId,
      () => new ApiClient(server.url).post('/v1/auth/reset-password', { token, password: NEW_PASSWORD }), 'The password reset');
    expect(res.status).toBe(204);
    expect(await verifyPassword(await storedHash(r.userId), NEW_PASSWORD)).toBe(true);
    expect(await sessionIds(r.userId)).toEqual([]);
    const again = await new ApiClient(server.url).post('/v1/auth/reset-password', { token, password: OTHER_PASSWORD });
    expect(errorCode(again)).toBe('token_used');
    expect(await verifyPassword(await storedHash(r.userId), NEW_PASSWORD)).toBe(true);
  });

  it('confirming an address with the signup password (verify-first) checks it before the claim locks the row', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    await server.sql('update users set email_verified_at = null where user_id = $1', [r.userId]);
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId: r.userId, purpose: 'email_verification', ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const verified = await finishAfterLockWithoutArgon2(r.userId,
      () => verifyEmail({ em: server.orm.em.fork(), token, now: new Date(), passwordToConfirm: r.password }), 'The email confirmation');
    expect(verified).toEqual({ userId: r.userId, verifiedNow: true });
  });
});

describe('a change checked against a password that changed before the row was locked is refused', () => {
  it.each([
    ['the password change', (r: { password: string }) => ({ path: '/v1/account/password', body: { currentPassword: r.password, newPassword: NEW_PASSWORD } })],
    ['the email change', (r: { password: string }) => ({ path: '/v1/account/email', body: { newEmail: uniqueEmail(), password: r.password } })],
  ])('%s: wrong_password, no new hash, sessions and links untouched; the re-check holds no lock', async (_name, request) => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const other = new ApiClient(server.url);
    expect((await other.post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
    const sessionsBefore = await sessionIds(r.userId);
    const resetHash = await hashPassword(OTHER_PASSWORD);
    // The test's transaction is the concurrent reset: it has stored another password, uncommitted,
    // when the request (its password already checked) queues on the row; then it commits.
    const holder = await holdRowLocks(server, 'update users set password_hash = $2 where user_id = $1 returning 1', [r.userId, resetHash]);
    cleanups.push(() => holder.release());
    const { path, body } = request(r);
    const answer = r.client.post(path, body);
    await waitUntilBlockedBy(server, holder.pid, answer);
    const unstall = stallThreadPool();
    try {
      await holder.commit();
      // The request re-checks the given password against the new hash, and cannot (the pool is
      // stalled): it must be waiting without the row, which a share lock therefore gets.
      expect(await answeredWithoutArgon2(server.sql('select 1 from users where user_id = $1 for share', [r.userId]), 'A share lock beside the re-check')).toHaveLength(1);
    } finally {
      await unstall();
    }
    const res = await answer;
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('wrong_password');
    expect(await storedHash(r.userId)).toBe(resetHash);
    expect(await sessionIds(r.userId)).toEqual(sessionsBefore);
    expect((await other.get('/v1/auth/me')).status).toBe(200);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    expect(await server.sql("select 1 from account_tokens where user_id = $1 and purpose = 'email_change'", [r.userId])).toEqual([]);
  });
});

describe('the deletion and the verify-first confirmation, checked against a password that changed before the row was locked', () => {
  /** Runs `request` while the test's transaction (the concurrent reset) stores `hash` uncommitted; commits once the request queues on the row. */
  async function racedByReset<T>(userId: string, hash: string, request: () => Promise<T>): Promise<T> {
    const holder = await holdRowLocks(server, 'update users set password_hash = $2 where user_id = $1 returning 1', [userId, hash]);
    cleanups.push(() => holder.release());
    const answer = request();
    await waitUntilBlockedBy(server, holder.pid, answer);
    await holder.commit();
    return answer;
  }

  it('the deletion answers wrong_password at once, even for a new hash of the same password (no second check), and deletes nothing', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const rehash = await hashPassword(r.password);
    const res = await racedByReset(r.userId, rehash, () => r.client.request('DELETE', '/v1/account', { json: { password: r.password } }));
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('wrong_password');
    expect(await server.sql('select email, deleted_at from users where user_id = $1', [r.userId])).toEqual([{ email: r.email, deleted_at: null }]);
    expect(await storedHash(r.userId)).toBe(rehash);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    // Sent again, it goes through.
    expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(202);
  });

  it.each([
    ['a new hash of the same password: checked once more, confirmed', true],
    ['another password: wrong_password, the link stays unspent and the address unconfirmed', false],
  ])('verify-first, %s', async (_name, samePassword) => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    await server.sql('update users set email_verified_at = null where user_id = $1', [r.userId]);
    const { token, tokenId } = await issueAccountToken({ em: server.orm.em.fork(), userId: r.userId, purpose: 'email_verification', ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const newHash = await hashPassword(samePassword ? r.password : OTHER_PASSWORD);
    const outcome = await racedByReset(r.userId, newHash,
      () => verifyEmail({ em: server.orm.em.fork(), token, now: new Date(), passwordToConfirm: r.password }).catch((err: { code?: string }) => err.code));
    const state = async () => (await server.sql<{ consumed: boolean; verified: boolean }>(
      'select t.consumed_at is not null as consumed, u.email_verified_at is not null as verified from account_tokens t join users u using (user_id) where t.token_id = $1', [tokenId]))[0];
    if (samePassword) {
      expect(outcome).toEqual({ userId: r.userId, verifiedNow: true });
      expect(await state()).toEqual({ consumed: true, verified: true });
    } else {
      expect(outcome).toBe('wrong_password');
      expect(await state()).toEqual({ consumed: false, verified: false });
    }
  });
});
