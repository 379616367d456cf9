import { describe, expect, it } from 'vitest';
import { computeScore } from '../scoring/compute-score.ts';
import { daysAgo, NOW, pageView, times } from '../scoring/scoring-fixtures.ts';
import { parseScoringRules } from '../scoring/scoring-rules.ts';
import { formatScoreReasons } from './format-score-reasons.ts';

const signal = (label: string, points: number) => ({ label, points });

describe('formatScoreReasons', () => {
  it('lists the signals as "label +points", largest first', () => {
    const breakdown = { signals: [signal('Viewed oak-12 3×', 9), signal('Inquiry', 40), signal('Saved listing', 10)] };
    expect(formatScoreReasons(breakdown)).toEqual(['Inquiry +40', 'Saved listing +10', 'Viewed oak-12 3× +9']);
  });

  it('leaves out signals worth no points (and any below zero)', () => {
    expect(formatScoreReasons({ signals: [signal('Inquiry', 40), signal('Viewed a page', 0), signal('Odd', -3)] })).toEqual(['Inquiry +40']);
  });

  it('keeps the stored order of ties', () => {
    expect(formatScoreReasons({ signals: [signal('Saved b', 10), signal('Saved a', 10), signal('Inquiry', 40)] })).toEqual(['Inquiry +40', 'Saved b +10', 'Saved a +10']);
  });

  it('stops at the limit, after sorting', () => {
    const signals = [1, 2, 3, 4, 5, 6, 7].map((n) => signal(`s${n}`, n));
    expect(formatScoreReasons({ signals }, 5)).toEqual(['s7 +7', 's6 +6', 's5 +5', 's4 +4', 's3 +3']);
  });

  it('answers nothing for a lead never scored', () => {
    expect(formatScoreReasons(null)).toEqual([]);
    expect(formatScoreReasons(undefined)).toEqual([]);
    expect(formatScoreReasons({ signals: [] })).toEqual([]);
  });

  it('keeps lead-supplied text as it is (escaping is the renderer\'s job)', () => {
    expect(formatScoreReasons({ signals: [signal('Viewed <b>x</b>', 3)] })).toEqual(['Viewed <b>x</b> +3']);
  });

  describe('over computed breakdowns (the CSV cell joins these with "; ", the hot-lead email shows the first 5)', () => {
    const scored = (activities: ReturnType<typeof pageView>[]) =>
      computeScore({ activities, inquiries: [], rules: parseScoringRules({}), rulesVersion: 0, now: NOW, listingLabels: { l0: '12 Oak St' } });
    const pointsOf = (line: string) => Number(line.slice(line.lastIndexOf('+') + 1));

    it('a score of 4 from ten listings viewed once 40 days ago has reasons, and they add up to 4', () => {
      const lead = scored(times(10, (i) => pageView(daysAgo(40), `l${i}`)));
      expect(lead.score).toBe(4);
      const reasons = formatScoreReasons(lead.breakdown);
      expect(reasons.join('; ')).toBe('Viewed 12 Oak St +1; Viewed l1 +1; Viewed l2 +1; Viewed l3 +1');
    });

    it('a score of 4 from seven listings of about half a point each lists 4 points, not 7', () => {
      const lead = scored(times(7, (i) => pageView(daysAgo(35), `l${i}`)));
      expect(lead.score).toBe(4);
      const reasons = formatScoreReasons(lead.breakdown);
      expect(reasons).toHaveLength(4);
      expect(reasons.map(pointsOf).reduce((a, b) => a + b, 0)).toBe(4);
    });

    it('the first 5 reasons are the largest, with the same figures as the full list', () => {
      const lead = scored([...times(3, () => pageView(daysAgo(1), 'l0')), ...times(9, (i) => pageView(daysAgo(20 + i), `m${i}`))]);
      const all = formatScoreReasons(lead.breakdown);
      expect(formatScoreReasons(lead.breakdown, 5)).toEqual(all.slice(0, 5));
      expect(all.map(pointsOf).reduce((a, b) => a + b, 0)).toBe(lead.score);
    });
  });
});
