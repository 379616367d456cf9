// The hourly decay refresh between a rules change and its rescore, on real Postgres: the refresh
// applies the newest rules, so after `PUT /v1/scoring-rules` lowers the hot threshold it reaches
// leads before the `leads.rescore-all` job does. A lead hot only because "hot" was redefined must
// not announce it (no lead.hot message, no "call within 1 hour" reminder — docs/scoring.md, "No
// flood"), exactly as the rescore would not; a lead with pending activity, and a lead already on
// the rules applied, announce a crossing as they always did.

import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAD_HOT_EVENT } from '#core/scoring/record-lead-hot.ts';
import { refreshDecayedScores } from '#core/scoring/refresh-decayed-scores.ts';
import { rescoreUserLeads } from '#core/scoring/rescore-user-leads.ts';
import { DAY_MS, HOUR_MS } from '#core/shared/time.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeEvents, makeInquiries, makeLeads, makeRealtor, makeSite } from '#test/factories.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

/** A fixed instant just ahead of the seeded history. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const em = () => server.orm.em.fork() as EntityManager;

interface Seed {
  /** Stored score and band, as last scored 7 hours ago (stale: the refresh takes it). */
  stored: { score: number; band: 'cold' | 'warm' | 'hot'; rulesVersion: number };
  /** An inquiry plus these events, all `at`: 48 points (inquiry + mortgage tool) or 63 (+ showing request). */
  events: readonly string[];
  at: Date;
  needsRescore?: boolean;
}

async function seedLeads(userId: string, siteId: string, seeds: Record<string, Seed>): Promise<Record<string, string>> {
  const names = Object.keys(seeds);
  const ids = await makeLeads(server, names.map((name) => {
    const { stored, needsRescore = false } = seeds[name];
    return {
      userId, siteId, name, email: `${name}-${userId.slice(0, 8)}@example.com`, score: stored.score, scoreBand: stored.band, needsRescore,
      scoreBreakdown: { rulesVersion: stored.rulesVersion, signals: [], computedAt: ago(7 * HOUR_MS).toISOString() }, scoredAt: ago(7 * HOUR_MS),
    };
  }));
  await makeInquiries(server, names.map((name, i) => ({ leadId: ids[i], siteId, createdAt: seeds[name].at })));
  await makeEvents(server, names.flatMap((name, i) => seeds[name].events.map((type) => (
    type === 'mortgage_calculator'
      ? { siteId, leadId: ids[i], type: 'tool_interaction', value: 'mortgage_calculator', at: seeds[name].at }
      : { siteId, leadId: ids[i], type, at: seeds[name].at }
  ))));
  return Object.fromEntries(names.map((name, i) => [name, ids[i]]));
}

/** What the refresh left on a lead: its band and version, and what it announced. */
async function outcome(leadId: string) {
  const [row] = await server.sql<{ score_band: string; version: number; needs_rescore: boolean; hot: number; reminders: number }>(
    `select score_band, (score_breakdown ->> 'rulesVersion')::int as version, needs_rescore,
            (select count(*)::int from webhook_messages m where m.lead_id = l.lead_id and m.event_type = $2) as hot,
            (select count(*)::int from follow_up_reminders r where r.lead_id = l.lead_id and r.kind = 'auto') as reminders
     from leads l where lead_id = $1`, [leadId, LEAD_HOT_EVENT]);
  return row;
}

const WARM_48: Seed = { stored: { score: 48, band: 'warm', rulesVersion: 0 }, events: ['mortgage_calculator'], at: ago(HOUR_MS) };

describe('the decay refresh after a rules change, before its rescore', () => {
  it('announces no lead hot only by the lowered threshold; pending activity and leads on the applied rules announce as before', async () => {
    // Realtor A lowers "hot" from 60 to 40 (version 1); no worker runs, so the rescore waits.
    const a = await makeRealtor(server);
    const siteA = await makeSite(a);
    const leadsA = await seedLeads(a.userId, siteA.siteId, {
      // 48 points, warm under the old rules: hot now only because of the threshold.
      byThreshold: WARM_48,
      // The same, with activity waiting for its leads.score job (which finds no flag once the refresh took it).
      withPendingActivity: { ...WARM_48, needsRescore: true },
      // Already on version 1 (the rescore reached it), with a stale band: a crossing of the rules applied.
      onNewRules: { ...WARM_48, stored: { score: 30, band: 'warm', rulesVersion: 1 } },
    });
    const put = await a.client.put('/v1/scoring-rules', { rules: { bands: { hot: 40, warm: 20 } } });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(1);

    // Realtor B keeps the default rules (version 0): the refresh behaves as it always did.
    const b = await makeRealtor(server);
    const siteB = await makeSite(b);
    const leadsB = await seedLeads(b.userId, siteB.siteId, {
      // 63 points (61): crosses the unchanged threshold of 60 against a stale stored score.
      crossesOldThreshold: { stored: { score: 30, band: 'warm', rulesVersion: 0 }, events: ['mortgage_calculator', 'showing_request'], at: ago(HOUR_MS) },
      // Hot 20 days ago; decayed to warm now: nothing to announce.
      decaysBelow: { stored: { score: 61, band: 'hot', rulesVersion: 0 }, events: ['mortgage_calculator', 'showing_request'], at: ago(20 * DAY_MS) },
    });

    const run = await refreshDecayedScores({ em: em(), now: () => NOW, config: server.config });
    expect(run.refreshed).toBe(5);

    expect(await outcome(leadsA.byThreshold)).toEqual({ score_band: 'hot', version: 1, needs_rescore: false, hot: 0, reminders: 0 });
    expect(await outcome(leadsA.withPendingActivity)).toEqual({ score_band: 'hot', version: 1, needs_rescore: false, hot: 1, reminders: 1 });
    expect(await outcome(leadsA.onNewRules)).toEqual({ score_band: 'hot', version: 1, needs_rescore: false, hot: 1, reminders: 1 });
    expect(await outcome(leadsB.crossesOldThreshold)).toEqual({ score_band: 'hot', version: 0, needs_rescore: false, hot: 1, reminders: 1 });
    expect(await outcome(leadsB.decaysBelow)).toEqual({ score_band: 'warm', version: 0, needs_rescore: false, hot: 0, reminders: 0 });

    // The rescore that follows finds every lead on version 1 and announces nothing more.
    expect(await rescoreUserLeads({ em: em(), userId: a.userId, version: 1, now: () => NOW, config: server.config })).toMatchObject({ outcome: 'finished' });
    expect(await outcome(leadsA.byThreshold)).toMatchObject({ score_band: 'hot', hot: 0, reminders: 0 });
  });
});
