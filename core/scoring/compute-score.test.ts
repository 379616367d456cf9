import { describe, expect, it } from 'vitest';
import type { ScoreBreakdown } from '../leads/lead.entity.ts';
import { bandForScore, computeScore, computeSignals, type ComputeScoreInput, displayPoints, type ScoringActivity, type ScoringInquiry } from './compute-score.ts';
import { DAY_MS, daysAgo, event, inquiry, NOW, pageView, times, tool } from './scoring-fixtures.ts';
import { parseScoringRules, type ScoringRulesInput } from './scoring-rules.ts';
import { scoreForPoints } from '../shared/scoring-defaults.ts';

interface Lead {
  activities?: ScoringActivity[];
  inquiries?: ScoringInquiry[];
  rules?: ScoringRulesInput;
  now?: Date;
  listingLabels?: Record<string, string>;
  rulesVersion?: number;
}

function input(lead: Lead): ComputeScoreInput {
  return {
    activities: lead.activities ?? [],
    inquiries: lead.inquiries ?? [],
    rules: parseScoringRules(lead.rules ?? {}),
    rulesVersion: lead.rulesVersion ?? 1,
    now: lead.now ?? NOW,
    listingLabels: lead.listingLabels,
  };
}
const score = (lead: Lead) => computeScore(input(lead));
/** Exact (unrounded) points of one signal; 0 when the signal did not occur. */
function rawPoints(lead: Lead, key: string): number {
  return computeSignals(input(lead)).signals.find((s) => s.key === key)?.points ?? 0;
}
function rawSignal(lead: Lead, key: string) {
  return computeSignals(input(lead)).signals.find((s) => s.key === key);
}
const decay = (ageDays: number, halfLifeDays = 14) => 0.5 ** (ageDays / halfLifeDays);
const at = (iso: string) => new Date(iso);

describe('decay', () => {
  it.each([
    ['a showing request made now keeps its full 15 points', 0, 14, 15],
    ['exactly one half-life halves the points', 14, 14, 7.5],
    ['two half-lives quarter them', 28, 14, 3.75],
    ['half a half-life leaves 1/√2', 7, 14, 15 / Math.SQRT2],
    ['a shorter half-life decays faster', 14, 7, 3.75],
    ['a longer half-life decays slower', 30, 30, 7.5],
    ['an event dated in the future counts as happening now', -3, 14, 15],
  ])('%s', (_name, age, halfLifeDays, expected) => {
    const lead: Lead = { activities: [tool('showing_request', daysAgo(age))], rules: { halfLifeDays } };
    expect(rawPoints(lead, 'showing_request')).toBeCloseTo(expected, 12);
  });

  it('rounds the decayed total only at the end (7.5 shows as 8)', () => {
    const result = score({ activities: [tool('showing_request', daysAgo(14))] });
    expect(result.score).toBe(8);
    expect(result.breakdown.signals).toEqual([{ key: 'showing_request', label: 'Showing request', count: 1, points: 8 }]);
  });

  it('applies to inquiries too', () => {
    expect(rawPoints({ inquiries: [inquiry(daysAgo(14))] }, 'inquiry')).toBe(20);
  });
});

describe('page views', () => {
  it.each([
    ['5 views in a day earn 5 points', 5, {}, 5],
    ['10 views in a day reach the cap exactly', 10, {}, 10],
    ['25 views in a day are capped at 10 points', 25, {}, 10],
    ['a cap of 0 makes page views worthless', 3, { pageViewDailyCap: 0 }, 0],
    ['a cap that is not a multiple of the weight counts part of the last view (3+3+3+1)', 4, { weights: { pageView: 3 } }, 10],
    ['fractional weights fill the cap exactly', 20, { weights: { pageView: 0.1 }, pageViewDailyCap: 1 }, 1],
    ['a higher cap lets more views count', 25, { pageViewDailyCap: 20 }, 20],
  ] satisfies [string, number, ScoringRulesInput, number][])('%s', (_name, n, rules, expected) => {
    const lead: Lead = { activities: times(n, () => pageView(NOW)), rules };
    const signal = rawSignal(lead, 'page_view');
    expect(signal?.count).toBe(n);
    expect(signal?.points).toBeCloseTo(expected, 12);
  });

  it('resets the cap at midnight UTC', () => {
    const lead: Lead = {
      activities: [...times(15, () => pageView(at('2026-03-14T23:30:00Z'))), ...times(15, () => pageView(at('2026-03-15T00:30:00Z')))],
    };
    expect(rawPoints(lead, 'page_view')).toBeCloseTo(10 * decay(12.5 / 24) + 10 * decay(11.5 / 24), 12);
  });

  it('spends the cap on the day’s newest views, not its first', () => {
    const lead: Lead = {
      activities: [...times(10, () => pageView(at('2026-03-15T00:00:00Z'))), ...times(10, () => pageView(at('2026-03-15T11:00:00Z')))],
    };
    expect(rawPoints(lead, 'page_view')).toBeCloseTo(10 * decay(1 / 24), 12);
  });

  it('applies the cap before decay, per day, so an old busy day still counts its capped 10', () => {
    const lead: Lead = { activities: [...times(30, () => pageView(daysAgo(14))), ...times(2, () => pageView(NOW))] };
    expect(rawPoints(lead, 'page_view')).toBeCloseTo(10 * 0.5 + 2, 12);
  });
});

describe('listing views versus page views', () => {
  it('a page view with a listing earns 3 listing points instead of the page-view point', () => {
    const result = score({ activities: [pageView(NOW, 'oak-12')] });
    expect(result.score).toBe(3);
    expect(result.breakdown.signals).toEqual([{ key: 'listing_view:oak-12', label: 'Viewed oak-12', count: 1, points: 3 }]);
  });

  it('a page view without a listing earns 1 page-view point', () => {
    expect(score({ activities: [pageView(NOW)] }).breakdown.signals).toEqual([{ key: 'page_view', label: 'Page views', count: 1, points: 1 }]);
  });

  it('an empty listing ref is a plain page view', () => {
    expect(score({ activities: [pageView(NOW, '')] }).breakdown.signals.map((s) => s.key)).toEqual(['page_view']);
  });

  it('listing views do not use up the daily page-view cap', () => {
    const lead: Lead = { activities: [...times(10, () => pageView(NOW)), ...['a', 'b', 'c', 'd', 'e'].map((ref) => pageView(NOW, ref))] };
    expect(rawPoints(lead, 'page_view')).toBe(10);
    expect(score(lead).score).toBe(25);
  });

  it('names the listing and the number of views, using listing labels when given', () => {
    const activities = times(4, () => pageView(NOW, 'oak-12'));
    const labelled = score({ activities, listingLabels: { 'oak-12': '12 Oak St' } }).breakdown.signals.map((s) => s.label);
    expect(labelled).toEqual(['Viewed 12 Oak St 4×', 'Repeat views of 12 Oak St']);
    expect(score({ activities }).breakdown.signals.map((s) => s.label)).toEqual(['Viewed oak-12 4×', 'Repeat views of oak-12']);
  });

  it('does not mistake inherited object keys for listing labels', () => {
    expect(score({ activities: [pageView(NOW, 'constructor')], listingLabels: {} }).breakdown.signals[0].label).toBe('Viewed constructor');
  });

  it('scores older listing views less', () => {
    expect(rawPoints({ activities: [pageView(daysAgo(14), 'oak-12')] }, 'listing_view:oak-12')).toBe(1.5);
  });
});

describe('repeat views of one listing', () => {
  it.each([
    [1, false],
    [2, false],
    [3, true],
    [6, true],
  ])('%i view(s) of the same listing earn the bonus: %s', (n, earned) => {
    const signal = rawSignal({ activities: times(n, () => pageView(NOW, 'oak-12')) }, 'repeat_listing:oak-12');
    if (earned) expect(signal).toEqual({ key: 'repeat_listing:oak-12', label: 'Repeat views of oak-12', count: 1, points: 10 });
    else expect(signal).toBeUndefined();
  });

  it('is earned once per listing, for each listing viewed often enough', () => {
    const lead: Lead = { activities: [...times(3, () => pageView(NOW, 'oak-12')), ...times(5, () => pageView(NOW, 'elm-3')), ...times(2, () => pageView(NOW, 'pine-7'))] };
    const keys = computeSignals(input(lead)).signals.filter((s) => s.key.startsWith('repeat_listing:'));
    expect(keys.map((s) => [s.key, s.points])).toEqual([
      ['repeat_listing:elm-3', 10],
      ['repeat_listing:oak-12', 10],
    ]);
  });

  it('does not combine views of different listings', () => {
    const lead: Lead = { activities: [pageView(NOW, 'oak-12'), pageView(NOW, 'oak-12'), pageView(NOW, 'elm-3')] };
    expect(computeSignals(input(lead)).signals.some((s) => s.key.startsWith('repeat_listing:'))).toBe(false);
  });

  it('decays from the third view when there are exactly three', () => {
    const lead: Lead = { activities: [pageView(daysAgo(28), 'oak-12'), pageView(daysAgo(14), 'oak-12'), pageView(NOW, 'oak-12')] };
    expect(rawPoints(lead, 'repeat_listing:oak-12')).toBe(2.5);
  });

  it('decays from the third most recent view: a newer view freshens it, an older one leaves it alone', () => {
    const base = [pageView(daysAgo(28), 'oak-12'), pageView(daysAgo(14), 'oak-12'), pageView(NOW, 'oak-12')];
    expect(rawPoints({ activities: [...base, pageView(daysAgo(7), 'oak-12')] }, 'repeat_listing:oak-12')).toBe(5);
    expect(rawPoints({ activities: [...base, pageView(daysAgo(60), 'oak-12')] }, 'repeat_listing:oak-12')).toBe(2.5);
  });

  it('follows the configured number of views', () => {
    const lead: Lead = { activities: times(2, () => pageView(NOW, 'oak-12')), rules: { weights: { repeatListingMinViews: 2, repeatListingBonus: 7 } } };
    expect(rawPoints(lead, 'repeat_listing:oak-12')).toBe(7);
  });
});

describe('tools and custom events', () => {
  it.each([
    ['a mortgage calculator', tool('mortgage_calculator', NOW), 'mortgage_tool', 'Mortgage calculator', 8],
    ['an affordability calculator counts as the mortgage tool', tool('affordability_calculator', NOW), 'mortgage_tool', 'Mortgage calculator', 8],
    ['a tool named in prose ("Mortgage Calculator")', tool(' Mortgage Calculator ', NOW), 'mortgage_tool', 'Mortgage calculator', 8],
    ['a saved listing (tool)', tool('save_listing', NOW), 'saved_listing', 'Saved listing', 10],
    ['a saved listing (event type)', event('save_listing', NOW), 'saved_listing', 'Saved listing', 10],
    ['a favourited listing', event('favourite_listing', NOW), 'saved_listing', 'Saved listing', 10],
    ['a showing request (tool)', tool('showing_request', NOW), 'showing_request', 'Showing request', 15],
    ['a showing request (event type)', event('showing_request', NOW), 'showing_request', 'Showing request', 15],
    ['an unknown tool scores as another event', tool('school_finder', NOW), 'event:school_finder', 'School finder', 1],
    ['a tool interaction without a tool name', tool(null, NOW), 'event:tool_interaction', 'Tool interaction', 1],
    ['a tool name that is not a plain name', tool('<b>calc</b>', NOW), 'event:tool_interaction', 'Tool interaction', 1],
    ['a custom event type', event('virtual_tour', NOW), 'event:virtual_tour', 'Virtual tour', 1],
    ['a page view that is not a page_view type is just another event', event('listing_view', NOW, null, 'oak-12'), 'event:listing_view', 'Listing view', 1],
  ])('%s', (_name, activity, key, label, points) => {
    expect(score({ activities: [activity] }).breakdown.signals).toEqual([{ key, label, count: 1, points }]);
  });

  it('adds mortgage and affordability calculator uses into one signal', () => {
    const lead: Lead = { activities: [tool('mortgage_calculator', NOW), tool('affordability_calculator', NOW)] };
    expect(score(lead).breakdown.signals).toEqual([{ key: 'mortgage_tool', label: 'Mortgage calculator', count: 2, points: 16 }]);
  });

  it('an identify event scores nothing and shows no signal', () => {
    const result = score({ activities: [event('identify', NOW)] });
    expect(result.score).toBe(0);
    expect(result.breakdown.signals).toEqual([]);
  });

  it('a tool named "identify" is not an identify event', () => {
    expect(score({ activities: [tool('identify', NOW)] }).breakdown.signals.map((s) => s.key)).toEqual(['event:tool_interaction']);
  });

  it('custom events follow the otherEvent weight', () => {
    expect(score({ activities: [event('virtual_tour', NOW)], rules: { weights: { otherEvent: 0 } } }).score).toBe(0);
    expect(score({ activities: [event('virtual_tour', NOW)], rules: { weights: { otherEvent: 6 } } }).score).toBe(6);
  });
});

describe('inquiries', () => {
  it.each([
    ['one inquiry earns 40', 1, 40, 'Inquiry'],
    ['a second earns 25 more', 2, 65, 'Inquiries'],
    ['a third earns 25 more again', 3, 90, 'Inquiries'],
  ])('%s', (_name, n, points, label) => {
    expect(score({ inquiries: times(n, () => inquiry(NOW)) }).breakdown.signals).toEqual([{ key: 'inquiry', label, count: n, points }]);
  });

  it('the larger first-inquiry weight goes with the most recent inquiry', () => {
    expect(rawPoints({ inquiries: [inquiry(daysAgo(14)), inquiry(NOW)] }, 'inquiry')).toBe(40 + 25 * 0.5);
  });

  it('backfilling an old inquiry never lowers the score', () => {
    const recent = score({ inquiries: [inquiry(NOW)] }).score;
    const withOld = score({ inquiries: [inquiry(NOW), inquiry(daysAgo(365))] }).score;
    expect(recent).toBe(40);
    expect(withOld).toBeGreaterThanOrEqual(recent);
  });

  it('when later inquiries are configured to weigh more, the first weight goes with the oldest', () => {
    const lead: Lead = { inquiries: [inquiry(NOW), inquiry(daysAgo(14))], rules: { weights: { firstInquiry: 10, laterInquiry: 30 } } };
    expect(rawPoints(lead, 'inquiry')).toBe(30 + 10 * 0.5);
  });

  it.each([
    ['first 30, further 35: the most recent earns 35, the oldest 30', { firstInquiry: 30, laterInquiry: 35 }, 35 + 30 * 0.25],
    ['first 40, further 25: the most recent earns 40, the oldest 25', { firstInquiry: 40, laterInquiry: 25 }, 40 + 25 * 0.25],
    ['equal weights: either way', { firstInquiry: 30, laterInquiry: 30 }, 30 + 30 * 0.25],
  ])('the larger weight always goes with the most recent of two inquiries (%s)', (_name, weights, expected) => {
    // Inquiries now and 28 days ago (two half-lives: ¼), in either input order.
    expect(rawPoints({ inquiries: [inquiry(NOW), inquiry(daysAgo(28))], rules: { weights } }, 'inquiry')).toBe(expected);
    expect(rawPoints({ inquiries: [inquiry(daysAgo(28)), inquiry(NOW)], rules: { weights } }, 'inquiry')).toBe(expected);
  });

  it('a lone inquiry earns the first-inquiry weight, even when further inquiries weigh more', () => {
    expect(rawPoints({ inquiries: [inquiry(NOW)], rules: { weights: { firstInquiry: 30, laterInquiry: 35 } } }, 'inquiry')).toBe(30);
  });
});

describe('returning after an absence', () => {
  it.each([
    ['activity 20 days apart is a return, decayed from the return', [20, 0], 14, 1, 10],
    ['exactly 14 days away is a return', [14, 0], 14, 1, 10],
    ['13.99 days away is not', [13.99, 0], 14, 0, 0],
    ['activity on the same day is not', [0.5, 0], 14, 0, 0],
    ['a return long ago has decayed', [44, 30], 14, 1, 10 * decay(30)],
    ['two absences make two returns', [40, 20, 0], 14, 2, 10 * (1 + decay(20))],
    ['the gap is configurable', [8, 0], 7, 1, 10],
    ['an event inside the absence does not remove the return', [30, 10, 0], 14, 1, 10],
    // Documented consequence of the monotone definition: daily activity earns a return every 14 days.
    ['daily activity over four weeks counts as returns 14 days apart', times(29, (i) => 28 - i), 14, 2, 10 * (1 + 0.5)],
  ] satisfies [string, number[], number, number, number][])('%s', (_name, ages, returnGapDays, count, points) => {
    const lead: Lead = { activities: ages.map((age) => event('identify', daysAgo(age))), rules: { returnGapDays } };
    const signal = rawSignal(lead, 'return_visit');
    expect(signal?.count ?? 0).toBe(count);
    expect(signal?.points ?? 0).toBeCloseTo(points, 12);
  });

  it('an inquiry after a long absence is a return', () => {
    const lead: Lead = { activities: [pageView(daysAgo(30))], inquiries: [inquiry(NOW)] };
    expect(rawSignal(lead, 'return_visit')).toEqual({ key: 'return_visit', label: 'Returned after 14+ days', count: 1, points: 10 });
  });

  it('uses the returnVisit weight', () => {
    const lead: Lead = { activities: [pageView(daysAgo(30)), pageView(NOW)], rules: { weights: { returnVisit: 4 } } };
    expect(rawPoints(lead, 'return_visit')).toBe(4);
  });
});

describe('the score map', () => {
  it('above 50 points the score saturates instead of capping: 113 points score 85, and the breakdown shows the points', () => {
    const lead: Lead = { inquiries: times(3, () => inquiry(NOW)), activities: [tool('showing_request', NOW), tool('mortgage_calculator', NOW)] };
    const result = score(lead);
    expect(computeSignals(input(lead)).rawTotal).toBe(113);
    expect(result.points).toBe(113);
    expect(result.breakdown.points).toBe(113);
    expect(result.score).toBe(Math.round(50 + 50 * (1 - Math.exp(-63 / 50))));
    expect(result.score).toBe(86);
    expect(result.band).toBe('hot');
    expect(result.breakdown.signals.map((s) => s.points)).toEqual([90, 15, 8]);
  });

  it('two busy leads with different activity no longer tie at 100', () => {
    const busy = (inquiries: number): Lead => ({ inquiries: times(inquiries, () => inquiry(NOW)), activities: [tool('showing_request', NOW), tool('mortgage_calculator', NOW)] });
    const [four, six] = [score(busy(4)), score(busy(6))];
    expect(four.points).toBe(138);
    expect(six.points).toBe(188);
    expect(six.score).toBeGreaterThan(four.score);
    expect(six.score).toBeLessThan(100);
  });

  it.each([
    [0, 0],
    [24, 24],
    [50, 50],
    [60, 59],
    [100, 82],
    [150, 93],
    [200, 98],
    [300, 100],
  ])('%i points score %i', (points, expected) => {
    expect(Math.round(scoreForPoints(points))).toBe(expected);
  });

  it('scores an empty history 0, cold', () => {
    expect(score({})).toEqual({ score: 0, points: 0, band: 'cold', breakdown: { signals: [], points: 0, rulesVersion: 1, computedAt: NOW.toISOString() } });
  });
});

describe('bands', () => {
  it.each([
    [100, 'hot'],
    [60, 'hot'],
    [59, 'warm'],
    [20, 'warm'],
    [19, 'cold'],
    [0, 'cold'],
  ] as const)('a score of %i is %s with the default thresholds', (value, band) => {
    expect(bandForScore(value, parseScoringRules({}))).toBe(band);
  });

  it.each([
    [80, 'hot'],
    [79, 'warm'],
    [50, 'warm'],
    [49, 'cold'],
  ] as const)('a score of %i is %s with thresholds hot 80 / warm 50', (value, band) => {
    expect(bandForScore(value, parseScoringRules({ bands: { hot: 80, warm: 50 } }))).toBe(band);
  });

  it.each([
    ['inquiry + saved listing + showing request: 65 points score 63, hot', [tool('save_listing', NOW), tool('showing_request', NOW)], 1, 63, 'hot'],
    ['inquiry + two saved listings: 60 points score 59, warm', [tool('save_listing', NOW), tool('save_listing', NOW)], 1, 59, 'warm'],
    ['mortgage tool + saved listing + 2 page views: 20 points, warm', [tool('mortgage_calculator', NOW), tool('save_listing', NOW), pageView(NOW), pageView(NOW)], 0, 20, 'warm'],
    ['mortgage tool + saved listing + page view: 19 points, cold', [tool('mortgage_calculator', NOW), tool('save_listing', NOW), pageView(NOW)], 0, 19, 'cold'],
  ])('%s', (_name, activities, inquiries, value, band) => {
    const result = score({ activities, inquiries: times(inquiries, () => inquiry(NOW)) });
    expect([result.score, result.band]).toEqual([value, band]);
  });

  it('takes the band from the rules', () => {
    const lead: Lead = { inquiries: [inquiry(NOW)], activities: [tool('save_listing', NOW)] };
    expect(score(lead).band).toBe('warm');
    expect(score({ ...lead, rules: { bands: { hot: 50, warm: 25 } } }).band).toBe('hot');
  });
});

describe('rules versions', () => {
  it('the breakdown carries the rules version and the time it was computed', () => {
    const { breakdown } = score({ activities: [pageView(NOW)], rulesVersion: 7 });
    expect(breakdown.rulesVersion).toBe(7);
    expect(breakdown.computedAt).toBe('2026-03-15T12:00:00.000Z');
  });

  it('changing a weight changes the score', () => {
    const activities = [tool('showing_request', NOW)];
    expect(score({ activities }).score).toBe(15);
    expect(score({ activities, rules: { weights: { showingRequest: 30 } } }).score).toBe(30);
  });

  it('changing the half-life changes a decayed score', () => {
    const inquiries = [inquiry(daysAgo(14))];
    expect(score({ inquiries }).score).toBe(20);
    expect(score({ inquiries, rules: { halfLifeDays: 28 } }).score).toBe(28);
  });
});

describe('timestamps', () => {
  it('an activity in the future counts as age 0, never more than its weight', () => {
    expect(score({ activities: [tool('save_listing', new Date(NOW.getTime() + 5 * DAY_MS))] }).score).toBe(10);
  });

  it('the order of the input arrays does not matter', () => {
    const activities = [pageView(daysAgo(3), 'oak-12'), tool('mortgage_calculator', daysAgo(20)), pageView(daysAgo(1)), pageView(daysAgo(3), 'oak-12'), pageView(NOW, 'oak-12')];
    const inquiries = [inquiry(daysAgo(2)), inquiry(daysAgo(40))];
    expect(score({ activities: [...activities].reverse(), inquiries: [...inquiries].reverse() })).toEqual(score({ activities, inquiries }));
  });

  it.each([
    ['an activity', { activities: [pageView(new Date(Number.NaN))] }, /activities\[0\]\.at/],
    ['an inquiry', { inquiries: [inquiry(new Date('not a date'))] }, /inquiries\[0\]\.at/],
    ['now', { now: new Date(Number.NaN) }, /now/],
  ] satisfies [string, Lead, RegExp][])('an invalid date on %s is refused loudly', (_name, lead, message) => {
    expect(() => score(lead)).toThrow(message);
  });
});

describe('the breakdown explains the score', () => {
  const realistic: Lead = {
    activities: [...times(4, () => pageView(NOW, 'oak-12')), tool('mortgage_calculator', NOW), pageView(NOW), pageView(NOW)],
    inquiries: [inquiry(NOW)],
    listingLabels: { 'oak-12': '12 Oak St' },
  };

  it('lists why, highest first ("Inquiry +40, Viewed 12 Oak St 4× +12, …")', () => {
    const result = score(realistic);
    expect(result.points).toBe(72);
    expect(result.score).toBe(68);
    expect(result.band).toBe('hot');
    expect(result.breakdown.signals).toEqual([
      { key: 'inquiry', label: 'Inquiry', count: 1, points: 40 },
      { key: 'listing_view:oak-12', label: 'Viewed 12 Oak St 4×', count: 4, points: 12 },
      { key: 'repeat_listing:oak-12', label: 'Repeat views of 12 Oak St', count: 1, points: 10 },
      { key: 'mortgage_tool', label: 'Mortgage calculator', count: 1, points: 8 },
      { key: 'page_view', label: 'Page views', count: 2, points: 2 },
    ]);
  });

  const mixed: [string, Lead][] = [
    ['a realistic lead', realistic],
    [
      'a lead with decayed, capped and repeated activity',
      {
        activities: [
          ...times(14, (i) => pageView(daysAgo(9 + i / 100))),
          ...times(5, (i) => pageView(daysAgo(i * 6.3), 'elm-3')),
          tool('affordability_calculator', daysAgo(17.2)),
          event('virtual_tour', daysAgo(33)),
          event('identify', daysAgo(2.5)),
          tool('showing_request', daysAgo(0.3)),
        ],
        inquiries: [inquiry(daysAgo(2.5)), inquiry(daysAgo(50))],
      },
    ],
    ['a lead above the cap', { activities: times(40, (i) => pageView(daysAgo(i / 10), `l${i % 7}`)), inquiries: times(3, (i) => inquiry(daysAgo(i))) }],
    ['a lead with only old activity', { activities: [pageView(daysAgo(200)), tool('save_listing', daysAgo(90))] }],
  ];

  it.each(mixed)('%s: the unrounded signal points sum to the points, and the map of the points, rounded, is the score', (_name, lead) => {
    const { signals, rawTotal } = computeSignals(input(lead));
    const result = score(lead);
    expect(signals.reduce((sum, s) => sum + s.points, 0)).toBeCloseTo(rawTotal, 9);
    expect(result.points).toBe(Math.round(rawTotal * 10) / 10);
    expect(result.score).toBe(Math.min(100, Math.round(scoreForPoints(rawTotal))));
    // Each shown signal is its exact points rounded down or up, nothing hidden, nothing with a zero count.
    const exact = new Map(signals.map((s) => [s.key, s.points]));
    expect(result.breakdown.signals).toHaveLength(signals.length);
    for (const s of result.breakdown.signals) {
      expect(s.count).toBeGreaterThan(0);
      expect([Math.floor(exact.get(s.key) ?? Number.NaN), Math.ceil(exact.get(s.key) ?? Number.NaN)]).toContain(s.points);
    }
    // Sorted by points, highest first.
    const shown = result.breakdown.signals.map((s) => s.points);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    // The displayed points add up to the points rounded; up to the knee (50) that is the score.
    expect(shown.reduce((a, b) => a + b, 0)).toBe(Math.round(rawTotal));
    if (rawTotal <= 50) expect(shown.reduce((a, b) => a + b, 0)).toBe(result.score);
  });

  it('the breakdown fits the lead entity’s ScoreBreakdown column', () => {
    const breakdown: ScoreBreakdown = score(realistic).breakdown;
    expect(JSON.parse(JSON.stringify(breakdown))).toEqual(breakdown);
  });
});

describe('the shown points add up to the score', () => {
  const sumShown = (lead: Lead) => score(lead).breakdown.signals.reduce((sum, s) => sum + s.points, 0);
  // Ten listings each viewed once 40 days ago: 3 × 0.5^(40/14) ≈ 0.41 points each, 4.1 in all.
  const oldBrowser: Lead = { activities: times(10, (i) => pageView(daysAgo(40), `l${i}`)) };
  // Seven listings each viewed once 35 days ago: ≈ 0.53 points each, 3.7 in all.
  const mixed: Lead = { activities: times(7, (i) => pageView(daysAgo(35), `l${i}`)) };

  it('ten signals of 0.4 points: a score of 4 shows four of them at +1, not ten at 0', () => {
    const result = score(oldBrowser);
    expect(result.score).toBe(4);
    expect(result.points).toBe(4.1);
    const shown = result.breakdown.signals.map((s) => s.points);
    expect(shown).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    // Equal fractions: the units go by key.
    expect(result.breakdown.signals.slice(0, 4).map((s) => s.key)).toEqual(['listing_view:l0', 'listing_view:l1', 'listing_view:l2', 'listing_view:l3']);
  });

  it('seven signals of 0.53 points: a score of 4 shows four of them at +1, not seven', () => {
    const result = score(mixed);
    expect(result.score).toBe(4);
    expect(result.breakdown.signals.map((s) => s.points)).toEqual([1, 1, 1, 1, 0, 0, 0]);
  });

  it('the larger fraction gets the missing point first, whatever the order of the signals', () => {
    const signals = [
      { key: 'a', points: 2.3 },
      { key: 'b', points: 1.45 },
      { key: 'c', points: 0.8 },
    ];
    // 4.55 rounds to 5; floors make 3; the two largest fractions (0.8, 0.45) get one each.
    expect(displayPoints(signals, 4.55)).toEqual([2, 2, 1]);
    expect(displayPoints([...signals].reverse(), 4.55)).toEqual([1, 2, 2]);
  });

  it('ties in the fraction go to the larger exact points, then to the key', () => {
    expect(displayPoints([{ key: 'a', points: 0.5 }, { key: 'b', points: 3.5 }], 4)).toEqual([0, 4]);
    expect(displayPoints([{ key: 'b', points: 0.5 }, { key: 'a', points: 0.5 }], 1)).toEqual([0, 1]);
    // 0.5 + 0.5 + 0.5 = 1.5 rounds to 2: two of the three get a point.
    expect(displayPoints([{ key: 'c', points: 0.5 }, { key: 'a', points: 0.5 }, { key: 'b', points: 0.5 }], 1.5)).toEqual([0, 1, 1]);
  });

  it('whole points stay as they are, and a signal worth nothing never gets a point', () => {
    expect(displayPoints([{ key: 'a', points: 40 }, { key: 'b', points: 9 }, { key: 'c', points: 0 }], 49)).toEqual([40, 9, 0]);
    expect(displayPoints([{ key: 'a', points: 0.6 }, { key: 'b', points: 0 }], 0.6)).toEqual([1, 0]);
    expect(displayPoints([], 0)).toEqual([]);
  });

  it('negative points (no rule makes them; a hand-made input) are apportioned the same way', () => {
    // −0.3 floors to −1 (fraction 0.7), 2.6 to 2 (0.6): 2.3 rounds to 2, so one point goes back, to −0.3.
    expect(displayPoints([{ key: 'a', points: -0.3 }, { key: 'b', points: 2.6 }], 2.3)).toEqual([0, 2]);
  });

  it.each([
    ['the old browser', oldBrowser],
    ['seven listings', mixed],
    ['one decayed showing request', { activities: [tool('showing_request', daysAgo(14))] }],
    ['many small decayed signals', { activities: times(30, (i) => event(`custom_${i}`, daysAgo(i * 3.1))), inquiries: [inquiry(daysAgo(41))] }],
  ] as [string, Lead][])('%s: the shown points add up to the score (below 50 points)', (_name, lead) => {
    expect(sumShown(lead)).toBe(score(lead).score);
  });

  it('above 50 points they add up to the points rounded, which the score map compresses', () => {
    const busy: Lead = { activities: [...times(5, () => pageView(daysAgo(1.3), 'oak-12')), tool('showing_request', daysAgo(2.2))], inquiries: [inquiry(daysAgo(0.7)), inquiry(daysAgo(9))] };
    const result = score(busy);
    expect(result.points).toBeGreaterThan(50);
    expect(sumShown(busy)).toBe(Math.round(computeSignals(input(busy)).rawTotal));
    expect(result.score).toBeLessThan(sumShown(busy));
  });
});

describe('large histories', () => {
  it('scores a lead with 10,000 activities', () => {
    const types = ['page_view', 'page_view', 'page_view', 'tool_interaction', 'identify', 'virtual_tour'];
    const tools = ['mortgage_calculator', 'save_listing', 'showing_request', 'school_finder'];
    const activities: ScoringActivity[] = times(10_000, (i) => {
      const type = types[i % types.length];
      return {
        kind: 'event',
        type,
        value: type === 'tool_interaction' ? tools[i % tools.length] : null,
        listingRef: type === 'page_view' && i % 2 === 0 ? `listing-${i % 50}` : null,
        at: daysAgo((i * 37) % 365),
      };
    });
    const lead: Lead = { activities, inquiries: times(20, (i) => inquiry(daysAgo(i * 17))) };
    const result = score(lead);
    const { signals } = computeSignals(input(lead));
    const counted = signals.filter((s) => !s.key.startsWith('repeat_listing:') && s.key !== 'return_visit' && s.key !== 'inquiry').reduce((n, s) => n + s.count, 0);
    const identifies = activities.filter((a) => a.type === 'identify').length;
    expect(counted).toBe(10_000 - identifies);
    expect(signals.find((s) => s.key === 'inquiry')?.count).toBe(20);
    expect(Number.isInteger(result.score)).toBe(true);
    expect(result.points).toBeGreaterThan(300);
    expect(result.score).toBe(100);
  });
});
