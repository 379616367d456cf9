// Deleting an account while other requests of the same account are on their way (DELETE /v1/account,
// docs/accounts.md): a login or a request already past auth when the deletion commits must not end
// with a working session or API key, and however such a row came to exist, a deleted account's
// session or key is refused. The interleavings are made deterministic with row locks held by the
// test (test/row-locks.ts): the deletion is caught mid-transaction, holding its lock on the user row.
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_PASSWORD_ATTEMPTS_PER_USER } from '#api/routes/account.routes.ts';
import { signSessionToken } from '#core/accounts/sessions.ts';
import { createToken, sha256Hex } from '#core/accounts/tokens.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeApiKey, makeLead, makeRealtor, makeReminder, makeSite } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { sendIngest } from '#test/ingest.ts';
import { listenWithLogLines } from '#test/log-lines.ts';
import { holdRowLocks, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;
/** The same app, its log lines captured: for what a refused login logs. */
let logged: Awaited<ReturnType<typeof listenWithLogLines>>;
const ORIGIN = 'https://listings.example.com';

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  logged = await listenWithLogLines(server);
});
afterAll(() => closeAll(logged, server));

const uniqueEmail = () => `race-${randomUUID().slice(0, 8)}@example.com`;
const errorCode = (res: { body: any }) => res.body?.error?.code;

/** A realtor with a pending reminder: the row a test locks to catch the deletion mid-transaction. */
async function makeAccount() {
  const r = await makeRealtor(server, { email: uniqueEmail() });
  const { leadId } = await makeLead(server, { userId: r.userId });
  const { reminderId } = await makeReminder(server, { leadId, userId: r.userId });
  return { r, reminderId };
}

describe('A deleted account gets no working credential', () => {
  it('a login and an API key creation in flight while the deletion commits are refused (401), and leave no session or key; the login is logged as failed for the deleted account', async () => {
    const { r, reminderId } = await makeAccount();
    // A second browser, signed in before: its request is past auth when the deletion commits.
    const other = new ApiClient(server.url);
    const signedIn = await other.post('/v1/auth/login', { email: r.email, password: r.password });
    expect(signedIn.status).toBe(200);
    other.csrfToken = signedIn.body.csrfToken;
    expect((await other.get('/v1/auth/me')).status).toBe(200);

    const holder = await holdRowLocks(server, 'select 1 from follow_up_reminders where reminder_id = $1 for update', [reminderId]);
    try {
      // The deletion has locked the user row (and deleted the sessions) and waits for the reminder.
      const deletion = r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
      const deletionPid = await waitUntilBlockedBy(server, holder.pid, deletion);
      // The login read the user (committed: not deleted yet), checked the password, and now waits to start its session.
      const late = new ApiClient(logged.url);
      const login = late.post('/v1/auth/login', { email: r.email, password: r.password });
      const keyCreation = other.post('/v1/api-keys', { name: 'raced' });
      // Two distinct backends queued on the deletion's lock: the login's and the key creation's (one
      // may wait behind the other: the key creation's FOR NO KEY UPDATE conflicts with the login's FOR SHARE).
      const firstBlocked = await waitUntilBlockedBy(server, deletionPid, login, { transitive: true });
      await waitUntilBlockedBy(server, deletionPid, keyCreation, { besides: [firstBlocked], transitive: true });
      await holder.release();

      expect((await deletion).status).toBe(202);
      const loginAnswer = await login;
      expect(loginAnswer.status).toBe(401);
      expect(errorCode(loginAnswer)).toBe('invalid_credentials');
      expect(logged.lines.filter((l) => l.msg === 'login failed')).toEqual([expect.objectContaining({ email: r.email, reason: 'account_deleted' })]);
      const keyAnswer = await keyCreation;
      expect(keyAnswer.status).toBe(401);
      expect(keyAnswer.body.key).toBeUndefined();
      // Whatever was answered, nothing of the account works.
      expect((await late.get('/v1/auth/me')).status).toBe(401);
      expect((await other.get('/v1/auth/me')).status).toBe(401);
      expect(await server.sql('select 1 from sessions where user_id = $1 union all select 1 from api_keys where user_id = $1', [r.userId])).toHaveLength(0);
    } finally {
      await holder.release();
    }
  });

  it('a session or API key row of a deleted account is refused (401), also when its session was cached before', async () => {
    const { r } = await makeAccount();
    const key = await makeApiKey(r);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200); // cached in this API process
    expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(202);

    // Rows that a race (or an operator's restore) left behind after the deletion.
    const token = createToken('', 32);
    await server.sql(
      `insert into sessions (session_id, token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, 'csrf', now() + interval '1 day')`,
      [randomUUID(), sha256Hex(token), r.userId],
    );
    const rawKey = createToken('plk_', 32);
    await server.sql(
      `insert into api_keys (api_key_id, user_id, name, prefix, key_hash, scope, created_at) values ($1, $2, 'left', $3, $4, 'read_write', now())`,
      [randomUUID(), r.userId, rawKey.slice(0, 12), sha256Hex(rawKey)],
    );
    const viaCookie = new ApiClient(server.url);
    viaCookie.cookie = `pl_session=${signSessionToken(token, server.config.SESSION_SECRET)}`;
    expect((await viaCookie.get('/v1/auth/me')).status).toBe(401);
    expect((await viaCookie.get('/v1/leads')).status).toBe(401);
    for (const k of [rawKey, key]) {
      const bearer = new ApiClient(server.url);
      bearer.bearer = k;
      expect((await bearer.get('/v1/leads')).status, k === key ? 'the key made before' : 'the key left after').toBe(401);
    }
    expect((await r.client.get('/v1/auth/me')).status).toBe(401);
  });
});

describe('A deleted account\'s site', () => {
  it('takes no beacon even if a request in flight at the deletion re-enabled it (403)', async () => {
    const { r } = await makeAccount();
    const site = await makeSite(r, { allowedOrigins: [ORIGIN] });
    expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(202);
    // What a PATCH /v1/sites/:id that passed auth before the deletion and committed after it leaves.
    await server.sql('update sites set enabled = true where site_id = $1', [site.siteId]);
    const res = await sendIngest(`${server.url}/v1/collect`, {
      site: site.publicKey, visitor: `v_${randomUUID().slice(0, 12)}`, events: [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/` }],
    }, { defaultOrigin: ORIGIN, nextIp: () => '10.77.0.1' });
    expect(res.status).toBe(403);
    expect(await server.sql('select 1 from lead_analytics where site_id = $1', [site.siteId])).toEqual([]);
  });
});

describe('DELETE /v1/account beside the account\'s other writers', () => {
  it('checks the password before locking the user row: a row referencing the user can be written while the hash is checked', async () => {
    const { r } = await makeAccount();
    // A deliberately slow hash of the same password (~1.5 s here: the cost is read from the hash), so
    // the check lasts long enough to write beside it.
    const slow = await hash(r.password, { algorithm: 2, memoryCost: 19_456, timeCost: 150, parallelism: 1 });
    await server.sql('update users set password_hash = $1 where user_id = $2', [slow, r.userId]);
    const [{ since }] = await server.sql<{ since: Date }>('select now() as since');
    const deletion = r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
    // The deletion has read the hash and is verifying it.
    await vi.waitFor(async () => {
      const rows = await server.sql(`select 1 from pg_stat_activity where query like '%"password_hash"%from "users"%' and query_start >= $1 and pid <> pg_backend_pid()`, [since]);
      expect(rows.length).toBeGreaterThan(0);
    }, WAIT);
    // What a foreign key to users takes for an insert (a notification, a webhook message): KEY SHARE.
    const writer = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await writer.connect();
    try {
      await writer.query(`set lock_timeout = '500ms'`);
      await expect(writer.query('select 1 from users where user_id = $1 for key share', [r.userId])).resolves.toMatchObject({ rowCount: 1 });
    } finally {
      await writer.end();
    }
    expect((await deletion).status).toBe(202);
  });

  it('a deadlock with a writer holding one of the account\'s reminders (as a reminder firing does) is retried: 202, and the account is deleted', async () => {
    const { r, reminderId } = await makeAccount();
    const other = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await other.connect();
    try {
      // Never the deadlock's victim: the deletion (1 s, the default) detects it first.
      await other.query(`set deadlock_timeout = '30s'`);
      await other.query('begin');
      await other.query('select 1 from follow_up_reminders where reminder_id = $1 for update', [reminderId]);
      const [{ pid }] = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
      const deletion = r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
      await waitUntilBlockedBy(server, pid, deletion);
      // The reminder's notification row: its foreign key's KEY SHARE on the user row the deletion holds.
      const keyShare = other.query('select 1 from users where user_id = $1 for key share', [r.userId]);
      await keyShare; // returns once the deletion's attempt was aborted as the deadlock's victim
      // The retry waits for this transaction (its KEY SHARE and reminder lock) and goes on once it ends.
      await waitUntilBlockedBy(server, pid, deletion);
      await other.query('commit');
      expect((await deletion).status).toBe(202);
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
    }
    const [user] = await server.sql<{ deleted_at: Date | null }>('select deleted_at from users where user_id = $1', [r.userId]);
    expect(user.deleted_at).not.toBeNull();
    expect(await server.sql(`select status from follow_up_reminders where reminder_id = $1`, [reminderId])).toEqual([{ status: 'dismissed' }]);
  });
});

describe('DELETE /v1/account and the password budget', () => {
  it('a deletion failing for another reason (500) gives back its own point only: earlier wrong guesses still count', async () => {
    const { r } = await makeAccount();
    // A failure after the password check that is not about the password: the user row's update fails.
    await server.sql(`create or replace function fail_account_deletion() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$`);
    await server.sql(`create trigger fail_account_deletion before update on users for each row when (new.user_id = '${r.userId}' and new.deleted_at is not null) execute function fail_account_deletion()`);
    try {
      const guesses = 2;
      for (let i = 0; i < guesses; i++) expect(errorCode(await r.client.request('DELETE', '/v1/account', { json: { password: `wrong ${i}` } }))).toBe('wrong_password');
      expect((await r.client.request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(500);
      for (let i = guesses; i < ACCOUNT_PASSWORD_ATTEMPTS_PER_USER; i++) {
        expect(errorCode(await r.client.request('DELETE', '/v1/account', { json: { password: `wrong ${i}` } }))).toBe('wrong_password');
      }
      // The budget is spent by the wrong guesses alone: the next check is refused.
      const limited = await r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
      expect(limited.status).toBe(429);
      expect(errorCode(limited)).toBe('rate_limited');
    } finally {
      await server.sql('drop trigger if exists fail_account_deletion on users');
    }
    const [user] = await server.sql<{ deleted_at: Date | null }>('select deleted_at from users where user_id = $1', [r.userId]);
    expect(user.deleted_at).toBeNull();
  });
});
