// A login racing a change of the password (POST /v1/account/password, POST /v1/auth/reset-password,
// docs/accounts.md): the change ends every other session, so a login that checked the OLD password
// before the change committed must not start a session after it — whoever knew the old password
// would keep a session the change was meant to end. The interleavings are made deterministic with
// row locks held by the test (test/row-locks.ts): the login is caught past its password check,
// waiting on the user row the change holds.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP } from '#api/middleware/login-throttle.ts';
import { issueAccountToken, PASSWORD_RESET_TTL_MS } from '#core/accounts/account-tokens.ts';
import { hashPassword } from '#core/accounts/passwords.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeRealtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { listenWithLogLines } from '#test/log-lines.ts';
import { holdRowLocks, sendQueuedBehind, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;
/** The same app, its log lines captured: the refused logins are sent here. */
let logged: Awaited<ReturnType<typeof listenWithLogLines>>;

beforeAll(async () => {
  server = await startTestServer();
  logged = await listenWithLogLines(server);
});
afterAll(() => closeAll(logged, server));

const NEW_PASSWORD = 'a brand new passphrase';
const uniqueEmail = () => `pw-race-${randomUUID().slice(0, 8)}@example.com`;
const errorCode = (res: { body: any }) => res.body?.error?.code;
const sessionsOf = (userId: string) => server.sql<{ session_id: string }>('select session_id from sessions where user_id = $1', [userId]);

/**
 * The login with the old password (sent to `logged`) answered 401, logged as failed for the changed
 * password, and works nowhere; the new password logs in.
 */
async function expectOldPasswordLoginRefused(r: { email: string; password: string }, login: { status: number; body: any }, attacker: ApiClient) {
  expect(login.status).toBe(401);
  expect(errorCode(login)).toBe('invalid_credentials');
  expect(logged.lines.filter((l) => l.msg === 'login failed' && l.email === r.email)).toEqual([expect.objectContaining({ reason: 'password_changed' })]);
  expect((await attacker.get('/v1/auth/me')).status).toBe(401);
  expect((await new ApiClient(server.url).post('/v1/auth/login', { email: r.email, password: NEW_PASSWORD })).status).toBe(200);
}

/**
 * `r`'s login with the old password, sent while an uncommitted change — the hash updated and the
 * sessions ended, what any writer of the hash does at the least — holds the user row; the change
 * commits once the login waits on it. The UPDATE's row lock (FOR NO KEY UPDATE) does not stop a KEY
 * SHARE lock, nor plain reads. Returns the login's answer.
 */
async function loginBehindUncommittedHashChange(r: { userId: string; email: string; password: string }, attacker: ApiClient) {
  const holder = await holdRowLocks(server, `
    with changed as (update users set password_hash = $2 where user_id = $1 returning user_id),
         ended as (delete from sessions where user_id in (select user_id from changed))
    select 1 from changed`, [r.userId, await hashPassword(NEW_PASSWORD)]);
  try {
    const login = attacker.post('/v1/auth/login', { email: r.email, password: r.password });
    await waitUntilBlockedBy(server, holder.pid, login);
    await holder.commit();
    return await login;
  } finally {
    await holder.release();
  }
}

describe('A login that checked the old password gets no session once the password has changed', () => {
  it('a password change committing while the login waits to start its session: 401, and only the changer\'s session is left', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const attacker = new ApiClient(logged.url);
    // Holding the user row queues the change on it (its first lock); the login, past its password
    // check, then queues behind the change.
    const holder = await holdRowLocks(server, 'select 1 from users where user_id = $1 for update', [r.userId]);
    const { first: change, second: login } = await sendQueuedBehind(server, holder,
      () => r.client.post('/v1/account/password', { currentPassword: r.password, newPassword: NEW_PASSWORD }),
      () => attacker.post('/v1/auth/login', { email: r.email, password: r.password }));
    expect(change.status).toBe(200);
    const left = await sessionsOf(r.userId);
    expect(left).toHaveLength(1); // the changer's own, rotated
    await expectOldPasswordLoginRefused(r, login, attacker);
  });

  it('a password reset committing while the login waits to start its session: 401, and no session is left', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const attacker = new ApiClient(logged.url);
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId: r.userId, purpose: 'password_reset', ttlMs: PASSWORD_RESET_TTL_MS });
    const holder = await holdRowLocks(server, 'select 1 from users where user_id = $1 for update', [r.userId]);
    const { first: reset, second: login } = await sendQueuedBehind(server, holder,
      () => new ApiClient(server.url).post('/v1/auth/reset-password', { token, password: NEW_PASSWORD }),
      () => attacker.post('/v1/auth/login', { email: r.email, password: r.password }));
    expect(reset.status).toBe(204);
    expect(await sessionsOf(r.userId)).toEqual([]);
    await expectOldPasswordLoginRefused(r, login, attacker);
  });

  it('a plain UPDATE of the hash (no FOR UPDATE before it) also holds the login until it commits: 401', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    const attacker = new ApiClient(logged.url);
    const login = await loginBehindUncommittedHashChange(r, attacker);
    expect(await sessionsOf(r.userId)).toEqual([]);
    await expectOldPasswordLoginRefused(r, login, attacker);
  });

  it('the refused login counts as a failed one: the last of the pair\'s budget blocks it, and nothing is refunded or cleared', async () => {
    const r = await makeRealtor(server, { email: uniqueEmail() });
    // No device cookie (a fresh client), so the attempts count against the (email, IP) pair.
    const attacker = new ApiClient(server.url);
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP - 1; i++) {
      expect((await attacker.post('/v1/auth/login', { email: r.email, password: `guess ${i}` })).status).toBe(401);
    }
    const refused = await loginBehindUncommittedHashChange(r, attacker);
    expect(refused.status).toBe(401);
    expect(errorCode(refused)).toBe('invalid_credentials');
    // The old password spent the pair's last attempt: blocked, even for the new password from this IP.
    const block = `${server.config.QUEUE_PREFIX}:rl:login:pair:${r.email}|127.0.0.1:block`;
    expect(await server.redis.pttl(block)).toBeGreaterThan(0);
    const next = await new ApiClient(server.url).post('/v1/auth/login', { email: r.email, password: NEW_PASSWORD });
    expect(next.status).toBe(429);
    expect(await sessionsOf(r.userId)).toEqual([]);
  });
});
