// Event retention (event-retention.ts) against the real Postgres: the run's delete budget is not
// spent by sites with nothing to delete, so every site and the replay-key purge get their turn.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvents, makeRealtor, makeSite, type Realtor } from '#test/factories.ts';
import { ANALYTICS_KEY_RETENTION_DAYS, applyEventRetention, monthsBefore } from './event-retention.ts';
import { DAY_MS } from '../shared/time.ts';

let server: TestServer;
let realtor: Realtor;

const em = () => server.orm.em.fork() as EntityManager;
const count = async (query: string, params: unknown[]) => (await server.sql<{ n: number }>(query, params))[0].n;

beforeAll(async () => {
  server = await startTestServer();
  realtor = await makeRealtor(server);
});
afterAll(async () => {
  await server.close();
});

describe('event retention', () => {
  it('more sites with nothing due than its budget do not stop it: the last site and old replay keys are purged in one run', async () => {
    const budget = 3;
    // Sites are visited in site_id order: the one with rows due is the last of them.
    const sites = [];
    for (let i = 0; i < budget + 2; i++) sites.push(await makeSite(realtor));
    const due = sites.map((s) => s.siteId).sort().at(-1)!;
    expect((await realtor.client.patch(`/v1/sites/${due}`, { settings: { retentionMonths: 1 } })).status).toBe(200);

    const now = new Date();
    const old = new Date(monthsBefore(now, 1).getTime() - DAY_MS);
    await makeEvents(server, [...Array.from({ length: 3 }, () => ({ siteId: due, at: old, receivedAt: old })), { siteId: due, at: now }]);
    // Replay keys of events received 36 days ago (purged) and now (kept).
    const oldKeyAt = new Date(now.getTime() - (ANALYTICS_KEY_RETENTION_DAYS + 1) * DAY_MS);
    const oldKeys = Array.from({ length: 3 }, () => randomUUID());
    const newKey = randomUUID();
    for (const key of oldKeys) await server.sql('insert into lead_analytics_keys (site_id, client_event_id, received_at) values ($1, $2, $3)', [due, key, oldKeyAt]);
    await server.sql('insert into lead_analytics_keys (site_id, client_event_id, received_at) values ($1, $2, now())', [due, newKey]);

    const result = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 2, maxBatches: budget });
    expect(result).toMatchObject({ deletedEvents: 3, deletedKeys: 3, more: false });
    expect(await count('select count(*)::int as n from lead_analytics where site_id = $1 and event_date < $2', [due, monthsBefore(now, 1)])).toBe(0);
    expect(await count('select count(*)::int as n from lead_analytics where site_id = $1', [due])).toBe(1);
    expect(await count('select count(*)::int as n from lead_analytics_keys where site_id = $1 and client_event_id = any($2::uuid[])', [due, oldKeys])).toBe(0);
    expect(await count('select count(*)::int as n from lead_analytics_keys where site_id = $1 and client_event_id = $2', [due, newKey])).toBe(1);
  });

  it('a site with more rows due than its budget takes several runs, and the replay-key purge still runs in each', async () => {
    const [big, later] = [await makeSite(realtor), await makeSite(realtor)].sort((a, b) => a.siteId.localeCompare(b.siteId));
    for (const s of [big, later]) expect((await realtor.client.patch(`/v1/sites/${s.siteId}`, { settings: { retentionMonths: 1 } })).status).toBe(200);
    const now = new Date();
    const old = new Date(monthsBefore(now, 1).getTime() - DAY_MS);
    await makeEvents(server, [...Array.from({ length: 9 }, () => ({ siteId: big.siteId, at: old })), { siteId: later.siteId, at: old }]);
    const oldKey = randomUUID();
    await server.sql('insert into lead_analytics_keys (site_id, client_event_id, received_at) values ($1, $2, $3)', [big.siteId, oldKey, new Date(now.getTime() - (ANALYTICS_KEY_RETENTION_DAYS + 1) * DAY_MS)]);

    // Two full batches of 2 per run: 4 of the big site's 9 rows, then the run stops its sites.
    const first = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 2, maxBatches: 2 });
    expect(first).toMatchObject({ deletedEvents: 4, deletedKeys: 1, more: true });
    const second = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 2, maxBatches: 2 });
    expect(second).toMatchObject({ deletedEvents: 4, more: true });
    // The last row of the big site (a partial batch, not charged), then the later site's.
    const third = await applyEventRetention({ em: em(), config: server.config, now, batchRows: 2, maxBatches: 2 });
    expect(third).toMatchObject({ deletedEvents: 2, more: false });
    expect(await count('select count(*)::int as n from lead_analytics where site_id = any($1::uuid[])', [[big.siteId, later.siteId]])).toBe(0);
  });
});
