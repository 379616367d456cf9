// The API-key limit (MAX_API_KEYS_PER_USER, core/accounts/api-keys.ts) under parallel creations:
// each creation counts the account's keys and then inserts, so two that overlap would both count
// MAX − 1 and both insert. The creations are lined up deterministically with a row lock held by the
// test (test/row-locks.ts) on the user row they all lock first, then let go at once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_API_KEYS_PER_USER } from '#core/accounts/api-keys.ts';
import { createToken, sha256Hex } from '#core/accounts/tokens.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { holdRowLocks } from '#test/row-locks.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const PARALLEL = 5;
const countKeys = async (userId: string) => Number((await server.sql<{ n: string }>('select count(*) as n from api_keys where user_id = $1', [userId]))[0].n);

describe('The API-key limit', () => {
  it(`holds for ${PARALLEL} creations at once with one key left: exactly one 201, the others 409 conflict`, async () => {
    const owner = new ApiClient(server.url);
    const { userId } = await owner.signUp();
    for (let i = 0; i < MAX_API_KEYS_PER_USER - 1; i++) {
      const key = createToken('plk_', 32);
      await server.sql(
        `insert into api_keys (api_key_id, user_id, name, prefix, key_hash, scope, created_at) values ($1, $2, $3, $4, $5, 'read_write', now())`,
        [randomUUID(), userId, `key ${i}`, key.slice(0, 12), sha256Hex(key)],
      );
    }
    const holder = await holdRowLocks(server, 'select 1 from users where user_id = $1 for update', [userId]);
    let answers: { status: number; body: any }[];
    try {
      const creations = Array.from({ length: PARALLEL }, (_, i) => owner.post('/v1/api-keys', { name: `parallel ${i}` }));
      // Every creation waits on the user row (on the holder, or queued behind another creation).
      await vi.waitFor(async () => {
        const [{ n }] = await server.sql<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where datname = current_database() and cardinality(pg_blocking_pids(pid)) > 0',
        );
        expect(n).toBe(PARALLEL);
      }, { ...WAIT, timeout: 20_000 });
      await holder.release();
      answers = await Promise.all(creations);
    } finally {
      await holder.release();
    }
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array(PARALLEL - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('conflict');
    expect(await countKeys(userId)).toBe(MAX_API_KEYS_PER_USER);
  });
});
