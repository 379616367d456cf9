// A stitch job that fails after its update batches committed but before its last transaction
// (the one that sets `visitors.stitched_at` and flags the lead) is run again by the sweeper
// (`stitched_at` is still null). The rerun finds every event already stitched — and must still
// flag the lead, or the lead is never rescored with its pre-inquiry browsing: a lead at score 0
// is not even reached by the hourly refresh, and its breakdown says "No scored activity yet"
// beside a timeline full of views.
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUnstitchedVisitors } from '#core/events/find-unstitched-visitors.ts';
import { stitchVisitor } from '#core/events/stitch-visitor.ts';
import { createWakeup } from '#core/jobs/wakeup.ts';
import { scoreLead } from '#core/scoring/score-lead.ts';
import { HOUR_MS } from '#core/shared/time.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeEvents, makeLead, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import { holdRowLocks, waitUntilBlockedBy } from '#test/row-locks.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

const em = () => server.orm.em.fork() as EntityManager;

describe('a stitch job run again after it died before its last transaction', () => {
  it('flags the lead, so its score counts the stitched browsing', async () => {
    const realtor = await makeRealtor(server);
    const { siteId } = await makeSite(realtor);
    const at = new Date(Date.now() - HOUR_MS);
    // A lead scored at 0 (an identify: no points) whose visitor was just linked, with 3 views of one listing and a showing request.
    const { leadId } = await makeLead(server, {
      userId: realtor.userId, siteId, email: 'buyer@example.com', score: 0, scoreBand: 'cold', scoredAt: at,
      scoreBreakdown: { signals: [], points: 0, rulesVersion: 0, computedAt: at.toISOString() },
    });
    const { visitorId } = await makeVisitor(server, { siteId, leadId, firstSeenAt: at, stitchedAt: null });
    await makeEvents(server, [
      ...[0, 1, 2].map(() => ({ siteId, visitorId, type: 'page_view', listingRef: 'oak-12', at })),
      { siteId, visitorId, type: 'showing_request', at },
    ]);

    // The first run: its update batches commit, then its last transaction waits on the visitor row
    // (held here) and its statement is cancelled — it fails as on a lock or statement timeout, a
    // lost connection or a worker killed at that moment.
    const holder = await holdRowLocks(server, 'select 1 from visitors where site_id = $1 and visitor_id = $2 for update', [siteId, visitorId]);
    try {
      const first = stitchVisitor({ em: em(), siteId, visitorId, now: new Date(), batchSize: 2 });
      const pid = await waitUntilBlockedBy(server, holder.pid, first);
      await server.sql('select pg_cancel_backend($1)', [pid]);
      await expect(first).rejects.toThrow();
    } finally {
      await holder.release();
    }
    const [state] = await server.sql<{ stitched: number; needs_rescore: boolean }>(
      'select (select count(*)::int from lead_analytics where lead_id = l.lead_id) as stitched, needs_rescore from leads l where lead_id = $1', [leadId]);
    expect(state).toEqual({ stitched: 4, needs_rescore: false });
    expect(await findUnstitchedVisitors(em(), 100)).toEqual([{ siteId, visitorId, leadId }]);

    // The sweeper's rerun: nothing left to stitch, but the stitch completes now, so the lead is flagged.
    const rerun = await stitchVisitor({ em: em(), siteId, visitorId, now: new Date() });
    expect(rerun).toEqual({ leadId, stitched: 0, batches: 0, wakeups: [createWakeup('scoreLead', { leadId })] });
    expect(await findUnstitchedVisitors(em(), 100)).toEqual([]);

    // …and its leads.score job counts the browsing: 3 listing views + the repeat bonus + the showing request.
    const scored = await scoreLead({ em: em(), leadId, now: new Date(), mode: 'activity', config: server.config });
    expect(scored?.score).toBe(34);
    const [row] = await server.sql<{ keys: string[] }>(
      `select array(select s ->> 'key' from jsonb_array_elements(score_breakdown -> 'signals') s order by 1) as keys from leads where lead_id = $1`, [leadId]);
    expect(row.keys).toEqual(['listing_view:oak-12', 'repeat_listing:oak-12', 'showing_request']);

    // A further rerun, once stitched, flags nothing.
    expect(await stitchVisitor({ em: em(), siteId, visitorId, now: new Date() })).toEqual({ leadId, stitched: 0, batches: 0, wakeups: [] });
  });
});
