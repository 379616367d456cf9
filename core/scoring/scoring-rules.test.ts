import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { DEFAULT_SCORING_RULES, parseScoringRules, ZScoringRules } from './scoring-rules.ts';

const WEIGHT_KEYS = Object.keys(DEFAULT_SCORING_RULES.weights) as (keyof typeof DEFAULT_SCORING_RULES.weights)[];
const TOP_KEYS = Object.keys(DEFAULT_SCORING_RULES);

/** The issue paths of the ZodError that `parseScoringRules` throws, or a failure if it does not. */
function issuePaths(json: unknown): string[] {
  try {
    parseScoringRules(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ZodError);
    return (err as ZodError).issues.map((i) => i.path.join('.'));
  }
  throw new Error(`expected ${JSON.stringify(json)} to be refused`);
}

describe('scoring rules', () => {
  it('the defaults are the real-estate weights from DESIGN.md', () => {
    expect(parseScoringRules({})).toEqual({
      halfLifeDays: 14,
      weights: {
        pageView: 1,
        listingView: 3,
        repeatListingBonus: 10,
        repeatListingMinViews: 3,
        mortgageTool: 8,
        savedListing: 10,
        showingRequest: 15,
        firstInquiry: 40,
        laterInquiry: 25,
        returnVisit: 10,
        otherEvent: 1,
      },
      pageViewDailyCap: 10,
      returnGapDays: 14,
      bands: { hot: 60, warm: 20 },
      maxScore: 100,
    });
    expect(parseScoringRules({})).toEqual(DEFAULT_SCORING_RULES);
  });

  it('an older stored version missing newer keys keeps working, with the defaults filled in', () => {
    const stored = { halfLifeDays: 21, weights: { pageView: 2, showingRequest: 20 } };
    expect(parseScoringRules(stored)).toEqual({
      ...DEFAULT_SCORING_RULES,
      halfLifeDays: 21,
      weights: { ...DEFAULT_SCORING_RULES.weights, pageView: 2, showingRequest: 20 },
    });
  });

  it('does not change the defaults object when filling in', () => {
    const parsed = parseScoringRules({});
    parsed.weights.pageView = 99;
    expect(DEFAULT_SCORING_RULES.weights.pageView).toBe(1);
    expect(parseScoringRules({}).weights.pageView).toBe(1);
  });

  it.each([
    ['two-decimal weights', { weights: { pageView: 0.25, otherEvent: 33.33 } }],
    ['zero weights', { weights: { pageView: 0, returnVisit: 0 } }],
    ['the largest values', { halfLifeDays: 365, returnGapDays: 365, pageViewDailyCap: 100, weights: { firstInquiry: 100 }, bands: { hot: 100, warm: 99 } }],
    ['the smallest values', { halfLifeDays: 1, returnGapDays: 1, pageViewDailyCap: 0, weights: { repeatListingMinViews: 2 }, bands: { hot: 2, warm: 1 } }],
    ['a fractional half-life', { halfLifeDays: 10.5 }],
  ])('accepts %s', (_name, json) => {
    expect(() => parseScoringRules(json)).not.toThrow();
  });

  it.each([
    ['a negative weight', { weights: { pageView: -1 } }, 'weights.pageView'],
    ['a weight above 100', { weights: { showingRequest: 101 } }, 'weights.showingRequest'],
    ['a weight with three decimals', { weights: { mortgageTool: 1.234 } }, 'weights.mortgageTool'],
    ['a weight that is a string', { weights: { savedListing: '10' } }, 'weights.savedListing'],
    ['a weight that is not finite', { weights: { savedListing: Number.POSITIVE_INFINITY } }, 'weights.savedListing'],
    ['NaN', { halfLifeDays: Number.NaN }, 'halfLifeDays'],
    ['a half-life of 0 days', { halfLifeDays: 0 }, 'halfLifeDays'],
    ['a half-life over a year', { halfLifeDays: 366 }, 'halfLifeDays'],
    ['a negative daily cap', { pageViewDailyCap: -1 }, 'pageViewDailyCap'],
    ['a daily cap over 100', { pageViewDailyCap: 101 }, 'pageViewDailyCap'],
    ['a return gap of 0 days', { returnGapDays: 0 }, 'returnGapDays'],
    ['a repeat threshold of 1 view', { weights: { repeatListingMinViews: 1 } }, 'weights.repeatListingMinViews'],
    ['a fractional repeat threshold', { weights: { repeatListingMinViews: 2.5 } }, 'weights.repeatListingMinViews'],
    ['hot equal to warm', { bands: { hot: 40, warm: 40 } }, 'bands.hot'],
    ['hot below warm', { bands: { hot: 20, warm: 40 } }, 'bands.hot'],
    ['a warm threshold above the default hot one', { bands: { warm: 70 } }, 'bands.hot'],
    ['a fractional threshold', { bands: { hot: 60.5 } }, 'bands.hot'],
    ['a threshold of 0', { bands: { warm: 0 } }, 'bands.warm'],
    ['a threshold above 100', { bands: { hot: 101 } }, 'bands.hot'],
    ['a different maximum score', { maxScore: 90 }, 'maxScore'],
    ['an unknown top-level key', { halfLife: 14 }, ''],
    ['an unknown weight', { weights: { pageview: 2 } }, 'weights'],
    ['an unknown band', { bands: { lukewarm: 40 } }, 'bands'],
    ['weights that are not an object', { weights: [1, 2] }, 'weights'],
    ['null', null, ''],
    ['an array', [], ''],
  ])('refuses %s, naming the key', (_name, json, path) => {
    expect(issuePaths(json)).toContain(path);
  });

  it('any subset of valid keys parses to the defaults overlaid with exactly those keys', () => {
    const partial = fc.record(
      {
        halfLifeDays: fc.integer({ min: 1, max: 365 }),
        weights: fc.record(Object.fromEntries(WEIGHT_KEYS.map((k) => [k, k === 'repeatListingMinViews' ? fc.integer({ min: 2, max: 100 }) : fc.integer({ min: 0, max: 10_000 }).map((c) => c / 100)])), {
          requiredKeys: [],
        }),
        pageViewDailyCap: fc.integer({ min: 0, max: 100 }),
        returnGapDays: fc.integer({ min: 1, max: 365 }),
        bands: fc.integer({ min: 1, max: 99 }).chain((warm) => fc.record({ warm: fc.constant(warm), hot: fc.integer({ min: warm + 1, max: 100 }) })),
        maxScore: fc.constant(100),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(partial, (json) => {
        const parsed = parseScoringRules(json);
        expect(parsed).toEqual({
          ...DEFAULT_SCORING_RULES,
          ...json,
          weights: { ...DEFAULT_SCORING_RULES.weights, ...json.weights },
          bands: { ...DEFAULT_SCORING_RULES.bands, ...json.bands },
        });
        // Parsing is idempotent: what we store re-reads as itself.
        expect(parseScoringRules(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });

  it('any negative weight is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WEIGHT_KEYS), fc.double({ max: -Number.MIN_VALUE, noNaN: true }), (key, value) => {
        expect(issuePaths({ weights: { [key]: value } })).toContain(`weights.${key}`);
      }),
    );
  });

  it('any hot threshold at or below the warm one is refused', () => {
    const bands = fc.integer({ min: 1, max: 100 }).chain((warm) => fc.record({ warm: fc.constant(warm), hot: fc.integer({ min: 1, max: warm }) }));
    fc.assert(
      fc.property(bands, (b) => {
        expect(issuePaths({ bands: b })).toContain('bands.hot');
      }),
    );
  });

  it('any unknown key, at any level, is refused', () => {
    const where = fc.constantFrom('top', 'weights', 'bands');
    const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !TOP_KEYS.includes(k) && !(WEIGHT_KEYS as string[]).includes(k) && k !== 'hot' && k !== 'warm' && k !== '__proto__');
    fc.assert(
      fc.property(where, unknownKey, (level, key) => {
        const json = level === 'top' ? { [key]: 1 } : { [level]: { [key]: 1 } };
        const issues = (ZScoringRules.safeParse(json).error?.issues ?? []).filter((i) => i.code === 'unrecognized_keys');
        expect(issues.map((i) => i.path.join('.'))).toEqual([level === 'top' ? '' : level]);
      }),
    );
  });
});
