// Deleting a site (DELETE /v1/sites/:id) deletes its analytics events; the leads whose browsing
// they were stay. Their stored score and breakdown were computed from those events, so the delete
// must flag the leads for rescoring in its own transaction, or the lead keeps points and "Viewed
// oak-12 3×" lines for events that no longer exist until a refresh. The flagged leads are scored
// by one batched job per account (`leads.score-flagged`), not a `leads.score` job per lead: a site
// with thousands of browsers queued thousands of jobs ahead of every other account's scoring.
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeScore } from '#core/scoring/compute-score.ts';
import { parseScoringRules } from '#core/scoring/scoring-rules.ts';
import { scoreLead } from '#core/scoring/score-lead.ts';
import { HOUR_MS } from '#core/shared/time.ts';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeEvents, makeInquiry, makeLead, makeLeads, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { startTestWorker } from '#test/worker.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

const em = () => server.orm.em.fork() as EntityManager;

async function leadRow(leadId: string) {
  const [row] = await server.sql<{ score: number; score_band: string; needs_rescore: boolean; keys: string[] }>(
    `select score, score_band, needs_rescore, array(select s ->> 'key' from jsonb_array_elements(score_breakdown -> 'signals') s order by 1) as keys
     from leads where lead_id = $1`, [leadId]);
  return row;
}

describe('deleting a site', () => {
  it('rescores the leads whose events it deleted: the score and breakdown drop what is gone', async () => {
    const realtor = await makeRealtor(server);
    const oak = await makeSite(realtor, { name: 'Oak Realty' });
    const maple = await makeSite(realtor, { name: 'Maple Homes' });
    const at = new Date(Date.now() - HOUR_MS);

    // A lead who browsed Oak Realty (linked visitor, stitched events) and asked by phone (manual inquiry, no site).
    const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: oak.siteId, name: 'Oak browser', needsRescore: true });
    const { visitorId } = await makeVisitor(server, { siteId: oak.siteId, leadId, stitchedAt: at });
    await makeEvents(server, [
      { siteId: oak.siteId, leadId, visitorId, type: 'showing_request', at },
      { siteId: oak.siteId, leadId, visitorId, type: 'tool_interaction', value: 'mortgage_calculator', at },
      ...[0, 1, 2].map(() => ({ siteId: oak.siteId, leadId, visitorId, type: 'page_view', listingRef: 'oak-12', at })),
    ]);
    await makeInquiry(server, { leadId, siteId: null, source: 'manual', createdAt: at });
    // Another lead, on the site that stays: untouched by the delete.
    const { leadId: other } = await makeLead(server, { userId: realtor.userId, siteId: maple.siteId, name: 'Maple browser', needsRescore: true });
    const { visitorId: otherVisitor } = await makeVisitor(server, { siteId: maple.siteId, leadId: other, stitchedAt: at });
    await makeEvents(server, [{ siteId: maple.siteId, leadId: other, visitorId: otherVisitor, type: 'showing_request', at }]);

    for (const id of [leadId, other]) expect(await scoreLead({ em: em(), leadId: id, now: new Date(), mode: 'activity', config: server.config })).not.toBeNull();
    const before = await leadRow(leadId);
    expect(before).toMatchObject({ score_band: 'hot', needs_rescore: false });
    expect(before.keys).toContain('listing_view:oak-12');
    expect(await server.queues.leads.getJob(`score-${leadId}`)).toBeUndefined();

    expect((await realtor.client.delete(`/v1/sites/${oak.siteId}`)).status).toBe(204);

    // Flagged in the delete's transaction, and the account's batched scoring job woken after the commit.
    expect(await leadRow(leadId)).toMatchObject({ needs_rescore: true });
    expect(await server.queues.leads.getJob(`score-flagged-${realtor.userId}`)).toBeDefined();
    expect(await server.queues.leads.getJob(`score-${leadId}`)).toBeUndefined();
    expect(await leadRow(other)).toMatchObject({ needs_rescore: false });

    // The job rescores the lead from what is left: the inquiry alone, as a scoring from scratch gives it.
    const now = new Date();
    const rescored = await scoreLead({ em: em(), leadId, now, mode: 'activity', config: server.config });
    const fromScratch = computeScore({ activities: [], inquiries: [{ kind: 'inquiry', at }], rules: parseScoringRules({}), rulesVersion: 0, now });
    expect(rescored).toMatchObject({ score: fromScratch.score, band: fromScratch.band });
    expect(await leadRow(leadId)).toEqual({ score: fromScratch.score, score_band: fromScratch.band, needs_rescore: false, keys: ['inquiry'] });
  });

  it('scores a site\'s 1,200 browsers through one batched job, not a job per lead', { timeout: 60_000 }, async () => {
    const realtor = await makeRealtor(server);
    const big = await makeSite(realtor, { name: 'Big Realty' });
    const at = new Date(Date.now() - HOUR_MS);
    // Stored as warm from their browsing (one saved listing each); the delete leaves them nothing.
    const leadIds = await makeLeads(server, Array.from({ length: 1200 }, (_, i) => ({ userId: realtor.userId, siteId: big.siteId, name: `Big ${i}`, score: 30, scoreBand: 'warm' as const })));
    await makeEvents(server, leadIds.map((leadId) => ({ siteId: big.siteId, leadId, visitorId: randomUUID(), type: 'save_listing', at })));

    expect((await realtor.client.delete(`/v1/sites/${big.siteId}`)).status).toBe(204);

    // Before any worker runs: every lead flagged, and one job queued for all of them.
    const [flagged] = await server.sql<{ n: string }>('select count(*) filter (where needs_rescore) as n from leads where lead_id = any($1)', [leadIds]);
    expect(Number(flagged.n)).toBe(1200);
    // (The test above leaves its own account's job waiting: no worker ran there.)
    const queued = await server.queues.leads.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.filter((j) => j.name !== 'leads.score-flagged')).toEqual([]);
    expect(queued.map((j) => j.id)).toContain(`score-flagged-${realtor.userId}`);

    // That job alone clears the flags (no sweeper runs here), then is removed as finished.
    const worker = await startTestWorker(server);
    try {
      await vi.waitFor(async () => {
        const [left] = await server.sql<{ n: string }>('select count(*) filter (where needs_rescore) as n from leads where lead_id = any($1)', [leadIds]);
        expect(Number(left.n)).toBe(0);
        expect(await server.queues.leads.getJob(`score-flagged-${realtor.userId}`)).toBeUndefined();
      }, { ...WAIT, timeout: 30_000 });
    } finally {
      await worker.close();
    }
    const rows = await server.sql<{ score: number; score_band: string; needs_rescore: boolean; n: string }>(
      'select score, score_band, needs_rescore, count(*) as n from leads where lead_id = any($1) group by 1, 2, 3', [leadIds]);
    expect(rows).toEqual([{ score: 0, score_band: 'cold', needs_rescore: false, n: '1200' }]);
  });
});
