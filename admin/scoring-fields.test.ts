// The editor's fields must cover the server's rules and refuse exactly what its schema refuses
// (both take their bounds from core/shared/scoring-defaults.ts; this catches a field wired wrong).
import { describe, expect, it } from 'vitest';
import { bandForScore, computeScore } from '../core/scoring/compute-score.ts';
import { parseScoringRules } from '../core/scoring/scoring-rules.ts';
import { DEFAULT_SCORING_RULES, scoreForPoints } from '../core/shared/scoring-defaults.ts';
import { parseRuleValues, RULE_FIELDS, ruleValues, setRule } from './scoring-fields.ts';

const field = (path: string) => RULE_FIELDS.find((f) => f.path === path);

describe('scoring rules editor fields', () => {
  it('covers every editable number of the rules', () => {
    const paths = RULE_FIELDS.map((f) => f.path).sort();
    const expected = [
      'halfLifeDays', 'pageViewDailyCap', 'returnGapDays',
      ...Object.keys(DEFAULT_SCORING_RULES.weights).map((k) => `weights.${k}`),
      ...Object.keys(DEFAULT_SCORING_RULES.bands).map((k) => `bands.${k}`),
    ].sort();
    expect(paths).toEqual(expected);
  });

  it.each(RULE_FIELDS.map((f) => [f.path, f] as const))('%s: the editor accepts its bounds exactly when the server does', (path, field) => {
    for (const value of [field.min, field.max, field.min - 1, field.max + 1]) {
      let rules = setRule(DEFAULT_SCORING_RULES, path, value);
      // Keep the bands ordered so only the bound itself is tested.
      if (path === 'bands.hot') rules = setRule(rules, 'bands.warm', Math.max(1, Math.min(value - 1, 25)));
      if (path === 'bands.warm') rules = setRule(rules, 'bands.hot', Math.min(100, Math.max(value + 1, 60)));
      const client = parseRuleValues(ruleValues(rules), DEFAULT_SCORING_RULES);
      const server = (() => {
        try {
          parseScoringRules(rules);
          return true;
        } catch {
          return false;
        }
      })();
      expect(Object.keys(client.errors).length === 0, `${path}=${value}`).toBe(server);
    }
  });

  it('refuses hot at or below warm, blank and non-numeric values', () => {
    const values = ruleValues(DEFAULT_SCORING_RULES);
    expect(parseRuleValues({ ...values, 'bands.hot': '20' }, DEFAULT_SCORING_RULES).errors['bands.hot']).toMatch(/above the warm/);
    expect(parseRuleValues({ ...values, halfLifeDays: '' }, DEFAULT_SCORING_RULES).errors.halfLifeDays).toMatch(/Enter a number/);
    expect(parseRuleValues({ ...values, 'weights.pageView': '1.234' }, DEFAULT_SCORING_RULES).errors['weights.pageView']).toMatch(/two decimals/);
    expect(parseRuleValues({ ...values, 'weights.repeatListingMinViews': '2.5' }, DEFAULT_SCORING_RULES).errors['weights.repeatListingMinViews']).toMatch(/whole/);
  });

  it('round-trips values into rules', () => {
    const values = { ...ruleValues(DEFAULT_SCORING_RULES), 'bands.hot': '70', halfLifeDays: '7.5' };
    const { rules, errors } = parseRuleValues(values, DEFAULT_SCORING_RULES);
    expect(errors).toEqual({});
    expect(rules.bands.hot).toBe(70);
    expect(rules.halfLifeDays).toBe(7.5);
    expect(parseScoringRules(rules)).toEqual(rules);
  });

  it('labels the band thresholds in score, not points: they apply to the 0–100 score', () => {
    expect(field('bands.hot')?.unit).toBe('score');
    expect(field('bands.warm')?.unit).toBe('score');
    // "Hot from 80": a lead with 90 points scores 78 (the score map compresses above 50) and is warm.
    const rules = parseScoringRules({ bands: { hot: 80, warm: 20 } });
    expect(Math.round(scoreForPoints(90))).toBe(78);
    expect(bandForScore(Math.round(scoreForPoints(90)), rules)).toBe('warm');
  });

  it('says which inquiry earns the first-inquiry weight, as the model hands it out', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    const twoInquiries = (weights: { firstInquiry: number; laterInquiry: number }) =>
      computeScore({ activities: [], inquiries: [{ kind: 'inquiry', at: now }, { kind: 'inquiry', at: new Date(now.getTime() - 28 * 86_400_000) }], rules: parseScoringRules({ weights: { ...weights, returnVisit: 0 } }), rulesVersion: 1, now }).points;
    // Defaults: the most recent earns the first-inquiry weight (40 + 25 × ¼).
    expect(twoInquiries({ firstInquiry: 40, laterInquiry: 25 })).toBe(46.3);
    // Each further inquiry set higher: the oldest earns the first-inquiry weight (35 + 30 × ¼).
    expect(twoInquiries({ firstInquiry: 30, laterInquiry: 35 })).toBe(42.5);
    expect(field('weights.firstInquiry')?.hint).toBe('One inquiry earns this. With more, the most recent earns it — or the oldest, if each further inquiry is set higher.');
  });
});
