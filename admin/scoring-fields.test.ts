// The editor's fields must cover the server's rules and refuse exactly what its schema refuses
// (both take their bounds from core/shared/scoring-defaults.ts; this catches a field wired wrong).
import { describe, expect, it } from 'vitest';
import { parseScoringRules } from '../core/scoring/scoring-rules.ts';
import { DEFAULT_SCORING_RULES } from '../core/shared/scoring-defaults.ts';
import { parseRuleValues, RULE_FIELDS, ruleValues, setRule } from './scoring-fields.ts';

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
});
