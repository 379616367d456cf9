// `scoreFlaggedLeads` (the `leads.score-flagged` job) on real Postgres: it scores the flagged leads
// of the account its payload names, in batches, as `leads.score` scores each, and leaves other
// accounts' flags to their own jobs; a second run finds nothing to do.
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreFlaggedLeads } from '#core/scoring/score-flagged-leads.ts';
import { HOUR_MS } from '#core/shared/time.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeInquiries, makeLeads, makeRealtor } from '#test/factories.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

const em = () => server.orm.em.fork() as EntityManager;

describe('scoring an account\'s flagged leads in batches', () => {
  it('scores every flagged lead of the account, batch by batch, and nothing of another account', async () => {
    const owner = await makeRealtor(server);
    const stranger = await makeRealtor(server);
    const at = new Date(Date.now() - HOUR_MS);
    const flagged = await makeLeads(server, Array.from({ length: 25 }, () => ({ userId: owner.userId, needsRescore: true })));
    const settled = await makeLeads(server, [{ userId: owner.userId, score: 7, scoreBand: 'cold' as const }]);
    const theirs = await makeLeads(server, Array.from({ length: 3 }, () => ({ userId: stranger.userId, needsRescore: true })));
    await makeInquiries(server, [...flagged, ...theirs].map((leadId) => ({ leadId, siteId: null, source: 'manual' as const, createdAt: at })));

    const batches: number[] = [];
    const result = await scoreFlaggedLeads({ em: em(), userId: owner.userId, now: () => new Date(), config: server.config, batchSize: 10, onBatch: async (r) => batches.push(r.length) });
    expect(result).toEqual({ scored: 25, batches: 3, passes: 2 });
    expect(batches).toEqual([10, 10, 5]);

    const rows = await server.sql<{ lead_id: string; score: number; needs_rescore: boolean }>('select lead_id, score, needs_rescore from leads where lead_id = any($1)', [[...flagged, ...settled, ...theirs]]);
    const byId = new Map(rows.map((r) => [r.lead_id, r]));
    // One inquiry each: the default rules' 40 points, decayed by an hour at most a little.
    for (const id of flagged) expect(byId.get(id)).toMatchObject({ needs_rescore: false, score: expect.any(Number) });
    for (const id of flagged) expect(byId.get(id)!.score).toBeGreaterThan(30);
    // Not flagged: not touched. Another account's flags: left to its own jobs.
    expect(byId.get(settled[0]!)).toMatchObject({ score: 7, needs_rescore: false });
    for (const id of theirs) expect(byId.get(id)).toMatchObject({ score: 0, needs_rescore: true });

    // Safe to run twice: the flags are gone, so there is nothing left to score.
    expect(await scoreFlaggedLeads({ em: em(), userId: owner.userId, now: () => new Date(), config: server.config, batchSize: 10 })).toEqual({ scored: 0, batches: 0, passes: 1 });
  });
});
