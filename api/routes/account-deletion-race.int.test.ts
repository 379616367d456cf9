// Deleting an account while other requests of the same account are on their way (DELETE /v1/account,
// docs/accounts.md): a login or a request already past auth when the deletion commits must not end
// with a working session or API key, and however such a row came to exist, a deleted account's
// session or key is refused. The interleavings are made deterministic with row locks held by the
// test (test/row-locks.ts): the deletion is caught mid-transaction, holding its lock on the user row.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionToken } from '#core/accounts/sessions.ts';
import { createToken, sha256Hex } from '#core/accounts/tokens.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeApiKey, makeLead, makeRealtor, makeReminder } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { holdRowLocks, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await server.close();
});

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
  it('a login and an API key creation in flight while the deletion commits are refused (401), and leave no session or key', async () => {
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
      const late = new ApiClient(server.url);
      const login = late.post('/v1/auth/login', { email: r.email, password: r.password });
      const keyCreation = other.post('/v1/api-keys', { name: 'raced' });
      await waitUntilBlockedBy(server, deletionPid, login);
      await waitUntilBlockedBy(server, deletionPid, keyCreation);
      await holder.release();

      expect((await deletion).status).toBe(202);
      const loginAnswer = await login;
      expect(loginAnswer.status).toBe(401);
      expect(errorCode(loginAnswer)).toBe('invalid_credentials');
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
