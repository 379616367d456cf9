import { describe, expect, it } from 'vitest';
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
});
