// The default score map and band thresholds on a realistic lead mix (simulated-leads.ts documents
// it): Hot should be roughly the top 10–20 % of leads and Warm the next 25–35 %, without ties at
// the top.
import { describe, expect, it } from 'vitest';
import { computeScore } from './compute-score.ts';
import { NOW } from './scoring-fixtures.ts';
import { parseScoringRules } from './scoring-rules.ts';
import { LEAD_PROFILES, simulateLeads } from './simulated-leads.ts';

const rules = parseScoringRules({});

describe.each([1, 2, 3])('2,000 simulated leads (seed %i) with the default rules', (seed) => {
  const leads = simulateLeads({ count: 2000, now: NOW, seed });
  const scored = leads.map((lead) => ({ lead, ...computeScore({ activities: lead.activities, inquiries: lead.inquiries, rules, rulesVersion: 1, now: NOW }) }));
  const share = (band: string) => scored.filter((s) => s.band === band).length / scored.length;

  it('holds every profile in the documented shares', () => {
    const counts = Object.fromEntries(LEAD_PROFILES.map((p) => [p, leads.filter((l) => l.profile === p).length]));
    expect(counts).toEqual({ 'one-off': 600, 'signed up': 400, searcher: 300, 'active buyer': 200, 'gone quiet': 500 });
  });

  it('Hot is 10–20 % of leads, Warm the next 25–35 %', () => {
    expect(share('hot')).toBeGreaterThanOrEqual(0.1);
    expect(share('hot')).toBeLessThanOrEqual(0.2);
    expect(share('warm')).toBeGreaterThanOrEqual(0.25);
    expect(share('warm')).toBeLessThanOrEqual(0.35);
  });

  it('nobody sits at 100 (a hard cap put some there), and among Hot leads 10 more points always mean a higher score', () => {
    expect(scored.filter((s) => s.score >= 100)).toHaveLength(0);
    expect(scored.filter((s) => s.points >= 99.5).length, 'leads a hard cap at 100 would tie').toBeGreaterThan(0);
    const hot = scored.filter((s) => s.band === 'hot');
    for (const a of hot) for (const b of hot) if (a.points >= b.points + 10) expect(a.score).toBeGreaterThan(b.score);
  });

  it('the profiles rank as a realtor would expect: active buyers above searchers above one-offs above signed-up browsers above gone-quiet leads', () => {
    const median = (profile: string) => {
      const s = scored.filter((x) => x.lead.profile === profile).map((x) => x.score).sort((a, b) => a - b);
      return s[s.length >> 1];
    };
    const order = ['active buyer', 'searcher', 'one-off', 'signed up', 'gone quiet'].map(median);
    expect(order).toEqual([...order].sort((a, b) => b - a));
  });
});
