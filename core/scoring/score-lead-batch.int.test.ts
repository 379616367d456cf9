// The batched scoring paths — a rules rescore (batches in flight at once, progress in the same
// statement) and the decay refresh's `scoreLeads` — against `scoreLead` alone, on real Postgres:
// twin leads of two realtors with the same history and stored state, one twin scored in batches,
// the other lead by lead, at the same instant with the same rules. Every twin must end with the
// same score, band, breakdown and flag, and the same lead.hot announcement and reminder (or none).

import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAD_HOT_EVENT } from '#core/scoring/record-lead-hot.ts';
import { rescoreUserLeads } from '#core/scoring/rescore-user-leads.ts';
import { scoreLead, type ScoreLeadResult, scoreLeads } from '#core/scoring/score-lead.ts';
import { parseScoringRules, type ScoringRulesInput } from '#core/scoring/scoring-rules.ts';
import { simulateLeads } from '#core/scoring/simulated-leads.ts';
import { DAY_MS } from '#core/shared/time.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { type EventSeed, type InquirySeed, makeEvents, makeInquiries, makeLeads, makeRealtor, makeSite } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

const LEADS = 150;
/** A fixed instant a little ahead of the seeded history. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const BANDS = ['cold', 'warm', 'hot'] as const;

interface Twin {
  client: ApiClient;
  userId: string;
  /** Lead ids, index i the twin of the other realtor's lead i. */
  leadIds: string[];
}

/**
 * The simulated mix of leads (one-offs, sign-ups, searchers, active buyers, leads gone quiet),
 * plus a few edge cases: no activity at all, a lone event far outside the scoring window (the
 * "returned after a long absence" input), events at the very same instant, a burst of page views
 * in one day, several inquiries. Stored as scored earlier with other rules: every third lead
 * already warm, every fifth hot, every fourth flagged `needs_rescore` (activity pending).
 */
async function seedTwin(tag: string): Promise<Twin> {
  const realtor = await makeRealtor(server);
  const { siteId } = await makeSite(realtor, { name: `Realty ${tag}`, allowedOrigins: [] });
  const simulated = simulateLeads({ count: LEADS, now: NOW, seed: 11 });
  const at = (daysAgo: number, minutes = 0) => new Date(NOW.getTime() - daysAgo * DAY_MS - minutes * 60_000);
  simulated[0] = { ...simulated[0], activities: [], inquiries: [] };
  simulated[1] = { ...simulated[1], activities: [{ kind: 'event', type: 'page_view', value: null, listingRef: 'l-9', at: at(400) }, { kind: 'event', type: 'page_view', value: null, listingRef: 'l-9', at: at(0, 5) }] };
  simulated[2] = { ...simulated[2], activities: ['page_view', 'save_listing', 'showing_request'].map((type) => ({ kind: 'event' as const, type, value: null, listingRef: 'l-1', at: at(3) })) };
  simulated[3] = { ...simulated[3], activities: Array.from({ length: 40 }, (_, k) => ({ kind: 'event' as const, type: 'page_view', value: `/p/${k}`, listingRef: null, at: at(1, k) })) };
  simulated[4] = { ...simulated[4], inquiries: [at(20), at(2), at(2)].map((d) => ({ kind: 'inquiry' as const, at: d })) };

  const leadIds = await makeLeads(server, simulated.map((_, i) => {
    const band = i % 5 === 0 ? 'hot' : i % 3 === 0 ? 'warm' : 'cold';
    return {
      userId: realtor.userId, siteId, email: `${tag}-${i}@example.com`, score: { cold: 5, warm: 40, hot: 70 }[band], scoreBand: band,
      scoreBreakdown: { rulesVersion: 0, signals: [], computedAt: at(1).toISOString() }, scoredAt: at(1), needsRescore: i % 4 === 0,
    };
  }));
  const events: EventSeed[] = [];
  const inquiries: InquirySeed[] = [];
  simulated.forEach((lead, i) => {
    for (const a of lead.activities) events.push({ siteId, leadId: leadIds[i], type: a.type, value: a.value, listingRef: a.listingRef, at: a.at });
    for (const q of lead.inquiries) inquiries.push({ leadId: leadIds[i], siteId, createdAt: q.at });
  });
  await makeEvents(server, events);
  await makeInquiries(server, inquiries);
  return { client: realtor.client, userId: realtor.userId, leadIds };
}

/** What scoring leaves behind for one lead: its row and its outbox. */
async function outcome(leadId: string) {
  const [lead] = await server.sql<Record<string, unknown>>(
    'select score, score_band, score_breakdown, scored_at::text, needs_rescore from leads where lead_id = $1', [leadId]);
  const [{ hot }] = await server.sql<{ hot: number }>('select count(*)::int as hot from webhook_messages where lead_id = $1 and event_type = $2', [leadId, LEAD_HOT_EVENT]);
  const [{ reminders }] = await server.sql<{ reminders: number }>("select count(*)::int as reminders from follow_up_reminders where lead_id = $1 and kind = 'auto'", [leadId]);
  return { lead, hot, reminders };
}

const em = () => server.orm.em.fork() as EntityManager;
const strip = (r: ScoreLeadResult | null | undefined) => (r ? { score: r.score, band: r.band, previousScore: r.previousScore, previousBand: r.previousBand, rulesVersion: r.rulesVersion, hot: r.hot !== null } : null);

describe('scoring in batches gives every lead exactly what scoring it alone gives', () => {
  let batched: Twin;
  let single: Twin;
  beforeAll(async () => {
    batched = await seedTwin('batched');
    single = await seedTwin('single');
  });

  it('a rules rescore (several batches in flight) and scoreLead lead by lead: same rows, same lead.hot and reminders', async () => {
    // Lower thresholds and new weights: many leads cross into hot; only those with pending activity announce it.
    const rules: ScoringRulesInput = { weights: { listingView: 5, mortgageTool: 12, showingRequest: 25 }, bands: { hot: 35, warm: 12 }, halfLifeDays: 10 };
    for (const twin of [batched, single]) expect((await twin.client.put('/v1/scoring-rules', { rules })).status).toBe(200);
    const config = parseScoringRules(rules);

    const done: number[] = [];
    const rescore = await rescoreUserLeads({
      em: em(), userId: batched.userId, version: 1, now: () => NOW, config: server.config, batchSize: 16, concurrency: 3,
      onBatch: ({ done: d }) => void done.push(d),
    });
    expect(rescore).toEqual({ outcome: 'finished', scored: LEADS });
    expect(done.length).toBe(Math.ceil(LEADS / 16));
    expect(Math.max(...done)).toBe(LEADS);

    const alone: Array<ScoreLeadResult | null> = [];
    for (const leadId of single.leadIds) alone.push(await scoreLead({ em: em(), leadId, now: NOW, mode: 'rules', rules: { version: 1, config }, config: server.config }));
    expect(alone.every((r) => r !== null)).toBe(true);

    const bands = new Set<string>();
    let announced = 0;
    for (let i = 0; i < LEADS; i++) {
      const [a, b] = [await outcome(batched.leadIds[i]), await outcome(single.leadIds[i])];
      expect(a, `lead ${i}`).toEqual(b);
      expect(a.lead.needs_rescore).toBe(false);
      bands.add(a.lead.score_band as string);
      announced += a.hot;
    }
    // The mix really exercised every band and both sides of the announcement rule.
    expect(bands).toEqual(new Set(BANDS));
    expect(announced).toBeGreaterThan(0);
    const crossedUnflagged = alone.filter((r, i) => r!.band === 'hot' && r!.previousBand !== 'hot' && i % 4 !== 0);
    expect(crossedUnflagged.length).toBeGreaterThan(0);
    expect(crossedUnflagged.every((r) => r!.hot === null)).toBe(true);
    const [{ n }] = await server.sql<{ n: number }>('select rescore_done as n from scoring_rules where user_id = $1 and version = 1', [batched.userId]);
    expect(n).toBe(LEADS);
  });

  it('a rules batch of older rules leaves a lead already scored by newer rules as it is', async () => {
    const realtor = await makeRealtor(server);
    const { siteId } = await makeSite(realtor, { name: 'Realty versions', allowedOrigins: [] });
    const computedAt = new Date(NOW.getTime() - DAY_MS).toISOString();
    const [newer, older] = await makeLeads(server, [
      { userId: realtor.userId, siteId, email: 'newer@example.com', score: 70, scoreBand: 'hot', scoreBreakdown: { rulesVersion: 3, signals: [], computedAt }, scoredAt: new Date(computedAt) },
      { userId: realtor.userId, siteId, email: 'older@example.com', score: 70, scoreBand: 'hot', scoreBreakdown: { rulesVersion: 1, signals: [], computedAt }, scoredAt: new Date(computedAt) },
    ]);
    const rows = () => server.sql<{ email: string; score: number; version: number }>(
      "select email, score, (score_breakdown ->> 'rulesVersion')::int as version from leads where lead_id = any($1::uuid[]) order by email", [[newer, older]]);
    const results = await scoreLeads({ em: em(), leadIds: [newer, older], now: NOW, mode: 'rules', rules: { version: 2, config: parseScoringRules({}) }, config: server.config });
    expect(results.map((r) => r.leadId)).toEqual([older]);
    // Version 3's score stays; the lead of version 1 is scored with version 2 (no activity: 0).
    expect(await rows()).toEqual([{ email: 'newer@example.com', score: 70, version: 3 }, { email: 'older@example.com', score: 0, version: 2 }]);
  });

  it('the decay refresh: one batch of every lead and scoreLead lead by lead, 20 days later, agree', async () => {
    const later = new Date(NOW.getTime() + 20 * DAY_MS);
    const fromBatch = await scoreLeads({ em: em(), leadIds: batched.leadIds, now: later, mode: 'refresh', config: server.config });
    const fromAlone = [];
    for (const leadId of single.leadIds) fromAlone.push(await scoreLead({ em: em(), leadId, now: later, mode: 'refresh', config: server.config }));
    const byId = new Map(fromBatch.map((r) => [r.leadId, r]));
    let lowered = 0;
    for (let i = 0; i < LEADS; i++) {
      expect(strip(byId.get(batched.leadIds[i])), `lead ${i}`).toEqual(strip(fromAlone[i]));
      expect(await outcome(batched.leadIds[i]), `lead ${i}`).toEqual(await outcome(single.leadIds[i]));
      if (fromAlone[i]!.score < fromAlone[i]!.previousScore) lowered++;
    }
    expect(lowered).toBeGreaterThan(LEADS / 2);
  });
});
