// Concurrent changes of one site, and of one account's sites, over real HTTP: every answer 200 is
// what is stored, and the site limit holds. Each race is lined up deterministically with a row
// lock held by the test (test/row-locks.ts) — the site row for the changes, the user row for the
// creations — so every request has read nothing yet when the lock is let go; Postgres says who
// waits (`pg_blocking_pids`) instead of a sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SITES_PER_USER } from '#core/sites/sites.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';
import { holdRowLocks, sendAllBlocked, sendQueuedBehind } from '#test/row-locks.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** The test server's pool holds five connections: five requests can wait in Postgres at once. */
const PARALLEL = 5;
const HOMES = 'https://homes.example';

async function newSite(client: ApiClient, body: Record<string, unknown> = {}) {
  const res = await client.post('/v1/sites', { name: 'Race Realty', allowedOrigins: [HOMES], ...body });
  expect(res.status).toBe(201);
  return res.body.siteId as string;
}

const storedSite = async (siteId: string) =>
  (await server.sql<{ allowed_origins: string[]; settings: Record<string, unknown> }>('select allowed_origins, settings from sites where site_id = $1', [siteId]))[0];


describe('concurrent changes of one site', () => {
  it(`keeps every origin of ${PARALLEL} "add origin" sent at once, each answered 200`, async () => {
    const { client } = await makeRealtor(server);
    const siteId = await newSite(client);
    const added = Array.from({ length: PARALLEL }, (_, i) => `https://c${i}.example`);
    const holder = await holdRowLocks(server, 'select 1 from sites where site_id = $1 for update', [siteId]);
    const answers = await sendAllBlocked(server, holder, added.map((origin) => () => client.post(`/v1/sites/${siteId}/allowed-origins`, { origin })));
    expect(answers.map((a) => a.status)).toEqual(Array(PARALLEL).fill(200));
    const stored = (await storedSite(siteId)).allowed_origins;
    expect([...stored].sort()).toEqual([HOMES, ...added].sort());
    // Each answer is the list as its add left it: the last one holds them all.
    expect(Math.max(...answers.map((a) => a.body.allowedOrigins.length))).toBe(PARALLEL + 1);
  });

  it('keeps both settings of two PATCHes sent at once (Do-Not-Track from one tab, consent from another)', async () => {
    const { client } = await makeRealtor(server);
    const siteId = await newSite(client);
    const holder = await holdRowLocks(server, 'select 1 from sites where site_id = $1 for update', [siteId]);
    const answers = await sendAllBlocked(server, holder, [
      () => client.patch(`/v1/sites/${siteId}`, { settings: { respectDnt: false } }),
      () => client.patch(`/v1/sites/${siteId}`, { settings: { requireConsent: false } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await storedSite(siteId)).settings).toEqual({ respectDnt: false, requireConsent: false });
  });

  it('applies an "add origin" that waited behind a PATCH of the origins to the list the PATCH stored', async () => {
    const { client } = await makeRealtor(server);
    const siteId = await newSite(client);
    const holder = await holdRowLocks(server, 'select 1 from sites where site_id = $1 for update', [siteId]);
    const { first, second } = await sendQueuedBehind(
      server, holder,
      () => client.patch(`/v1/sites/${siteId}`, { allowedOrigins: [HOMES, 'https://p.example'] }),
      () => client.post(`/v1/sites/${siteId}/allowed-origins`, { origin: 'https://add.example' }),
    );
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.allowedOrigins).toEqual([HOMES, 'https://p.example', 'https://add.example']);
    expect((await storedSite(siteId)).allowed_origins).toEqual([HOMES, 'https://p.example', 'https://add.example']);
  });
});

describe('the site limit', () => {
  it(`holds for ${PARALLEL} creations at once with one site left: exactly one 201, the others 409 conflict`, async () => {
    const { client, userId } = await makeRealtor(server);
    await server.sql(
      `insert into sites (site_id, user_id, name, public_key, allowed_origins, settings, enabled, created_at, updated_at)
       select gen_random_uuid(), $1::uuid, 'Site ' || i, 'pk_race_' || i || '_' || substr(md5($1::text), 1, 8), '{}', '{}', true, now(), now()
       from generate_series(1, $2::int) as i`,
      [userId, MAX_SITES_PER_USER - 1],
    );
    const holder = await holdRowLocks(server, 'select 1 from users where user_id = $1 for update', [userId]);
    const answers = await sendAllBlocked(server, holder, Array.from({ length: PARALLEL }, (_, i) => () => client.post('/v1/sites', { name: `Parallel ${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(PARALLEL - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('conflict');
    const [{ n }] = await server.sql<{ n: number }>('select count(*)::int as n from sites where user_id = $1', [userId]);
    expect(n).toBe(MAX_SITES_PER_USER);
  });
});
