// Properties of the scoring model that must hold for every history and every valid rule set.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandForScore, computeScore, computeSignals, type ComputeScoreInput, type ScoringActivity, type ScoringInquiry } from './compute-score.ts';
import { DAY_MS, NOW } from './scoring-fixtures.ts';
import { DEFAULT_SCORING_RULES, parseScoringRules, type ScoringRulesConfig } from './scoring-rules.ts';
import { scoreForPoints } from '../shared/scoring-defaults.ts';
import { HOUR_MS } from '#core/shared/time.ts';

type Item = ScoringActivity | ScoringInquiry;
interface History {
  activities: ScoringActivity[];
  inquiries: ScoringInquiry[];
}

const NOW_MS = NOW.getTime();

/** Relative tolerance for comparing unrounded totals summed in different orders. */
const EPS = 1e-9;
const tol = (x: number) => EPS * Math.max(1, Math.abs(x));

// ── arbitraries ─────────────────────────────────────────────────────────────

/**
 * Times from `minDays` before now to `maxDays` after it: arbitrary milliseconds, whole hours
 * (many land in the same UTC day) and whole days (exact ties and exact half-lives).
 */
function arbTime(minDays: number, maxDays: number): fc.Arbitrary<Date> {
  return fc
    .oneof(
      fc.integer({ min: minDays * -DAY_MS, max: maxDays * DAY_MS }),
      fc.integer({ min: minDays * -24, max: maxDays * 24 }).map((h) => h * HOUR_MS),
      fc.integer({ min: -minDays, max: maxDays }).map((d) => d * DAY_MS),
    )
    .map((offset) => new Date(NOW_MS + offset));
}

const TYPES = ['page_view', 'page_view', 'page_view', 'page_view', 'tool_interaction', 'save_listing', 'showing_request', 'identify', 'virtual_tour', 'favourite_listing'];
const VALUES = [null, 'mortgage_calculator', 'affordability_calculator', 'save_listing', 'showing_request', 'school_finder', 'Mortgage Calculator'];
const LISTINGS = [null, null, null, 'oak-12', 'elm-3', 'pine-7', ''];

function arbActivity(time: fc.Arbitrary<Date>): fc.Arbitrary<ScoringActivity> {
  return fc.record({
    kind: fc.constant('event' as const),
    type: fc.constantFrom(...TYPES),
    value: fc.constantFrom(...VALUES),
    listingRef: fc.constantFrom(...LISTINGS),
    at: time,
  });
}
function arbInquiry(time: fc.Arbitrary<Date>): fc.Arbitrary<ScoringInquiry> {
  return fc.record({ kind: fc.constant('inquiry' as const), at: time });
}
function arbItem(time: fc.Arbitrary<Date>): fc.Arbitrary<Item> {
  return fc.oneof({ arbitrary: arbActivity(time), weight: 4 }, { arbitrary: arbInquiry(time), weight: 1 });
}

/** Spread over four months (returns, decay), or crammed into three days (daily caps, ties). */
function arbHistory(opts: { future?: boolean } = {}): fc.Arbitrary<History> {
  const ahead = opts.future === false ? 0 : 2;
  const spread = arbTime(120, ahead);
  const dense = arbTime(3, ahead === 0 ? 0 : 1);
  return fc.oneof(
    fc.record({ activities: fc.array(arbActivity(spread), { maxLength: 40 }), inquiries: fc.array(arbInquiry(spread), { maxLength: 4 }) }),
    fc.record({ activities: fc.array(arbActivity(dense), { maxLength: 60 }), inquiries: fc.array(arbInquiry(dense), { maxLength: 3 }) }),
  );
}

const cents = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((c) => c / 100);
const weight = fc.oneof(fc.integer({ min: 0, max: 100 }), cents(100));

/** Any valid rule set, from the parser (so the parser must accept what the editor could send). */
const arbRules: fc.Arbitrary<ScoringRulesConfig> = fc.oneof(
  fc.constant(parseScoringRules({})),
  fc
    .record({
      halfLifeDays: fc.oneof(fc.integer({ min: 1, max: 365 }), cents(60).filter((d) => d >= 1)),
      weights: fc.record({
        pageView: weight,
        listingView: weight,
        repeatListingBonus: weight,
        repeatListingMinViews: fc.integer({ min: 2, max: 6 }),
        mortgageTool: weight,
        savedListing: weight,
        showingRequest: weight,
        firstInquiry: weight,
        laterInquiry: weight,
        returnVisit: weight,
        otherEvent: weight,
      }),
      pageViewDailyCap: fc.oneof(fc.integer({ min: 0, max: 100 }), cents(10)),
      returnGapDays: fc.oneof(fc.integer({ min: 1, max: 60 }), cents(30).filter((d) => d >= 1)),
      bands: fc.integer({ min: 1, max: 99 }).chain((warm) => fc.record({ warm: fc.constant(warm), hot: fc.integer({ min: warm + 1, max: 100 }) })),
    })
    .map((rules) => parseScoringRules(rules)),
);

// ── helpers ────────────────────────────────────────────────────────────────

function input(history: History, rules: ScoringRulesConfig, now: Date = NOW): ComputeScoreInput {
  return { activities: history.activities, inquiries: history.inquiries, rules, rulesVersion: 1, now };
}
const scoreOf = (h: History, rules: ScoringRulesConfig, now?: Date) => computeScore(input(h, rules, now)).score;
const rawOf = (h: History, rules: ScoringRulesConfig, now?: Date) => computeSignals(input(h, rules, now)).rawTotal;

function withItem(history: History, item: Item, position: number): History {
  if (item.kind === 'inquiry') return { activities: history.activities, inquiries: insertAt(history.inquiries, item, position) };
  return { activities: insertAt(history.activities, item, position), inquiries: history.inquiries };
}
/** Monotonicity: `history` with `item` added scores at least as much (the score, and the raw points within float tolerance). */
function expectAddingNeverLowers(history: History, item: Item, position: number, rules: ScoringRulesConfig): void {
  const more = withItem(history, item, position);
  expect(scoreOf(more, rules)).toBeGreaterThanOrEqual(scoreOf(history, rules));
  const before = rawOf(history, rules);
  expect(rawOf(more, rules)).toBeGreaterThanOrEqual(before - tol(before));
}
function insertAt<T>(list: readonly T[], item: T, position: number): T[] {
  const i = position % (list.length + 1);
  return [...list.slice(0, i), item, ...list.slice(i)];
}
function at<T extends Item>(item: T, date: Date): T {
  return { ...item, at: date };
}
function shift(history: History, ms: number): History {
  return { activities: history.activities.map((a) => at(a, new Date(a.at.getTime() + ms))), inquiries: history.inquiries.map((q) => at(q, new Date(q.at.getTime() + ms))) };
}
/** Deterministic Fisher–Yates from a seed, so a failing case shrinks and replays. */
function shuffle<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ── properties ─────────────────────────────────────────────────────────────

describe('scoring properties', () => {
  it('the score is an integer in 0..maxScore, its band follows the thresholds, and the breakdown accounts for it', () => {
    fc.assert(
      fc.property(arbHistory(), arbRules, (history, rules) => {
        const result = computeScore(input(history, rules));
        const { rawTotal, signals } = computeSignals(input(history, rules));
        expect(Number.isInteger(result.score)).toBe(true);
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(rules.maxScore);
        expect(result.score).toBe(Math.min(rules.maxScore, Math.round(scoreForPoints(rawTotal))));
        expect(result.breakdown.points).toBe(Math.round(Math.max(0, rawTotal) * 10) / 10);
        expect(result.band).toBe(bandForScore(result.score, rules));
        // Shown points: each its exact points rounded down or up, together the total rounded.
        const exact = new Map(signals.map((s) => [s.key, s.points]));
        expect(result.breakdown.signals).toHaveLength(signals.length);
        expect(result.breakdown.signals.reduce((sum, s) => sum + s.points, 0)).toBe(Math.round(rawTotal));
        for (const s of result.breakdown.signals) {
          expect(Number.isInteger(s.points)).toBe(true);
          expect(s.count).toBeGreaterThan(0);
          const p = exact.get(s.key) ?? Number.NaN;
          expect(s.points === Math.floor(p) || s.points === Math.ceil(p)).toBe(true);
        }
        // Highest first, and a larger exact figure never shows below a smaller one.
        const shown = result.breakdown.signals;
        for (let i = 1; i < shown.length; i++) {
          expect(shown[i].points).toBeLessThanOrEqual(shown[i - 1].points);
          expect(exact.get(shown[i].key) ?? Number.NaN).toBeLessThanOrEqual((exact.get(shown[i - 1].key) ?? Number.NaN) + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the score map is order-preserving and smooth: increasing in the points, the identity up to 50, continuous with slope 1 at the knee, below 100 for any finite points', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        expect(scoreForPoints(hi)).toBeGreaterThanOrEqual(scoreForPoints(lo));
        // Strictly increasing wherever float precision can tell the two apart (below ~1,800 points).
        if (hi > lo && hi < 1_000) expect(scoreForPoints(hi)).toBeGreaterThan(scoreForPoints(lo));
        expect(scoreForPoints(hi)).toBeLessThanOrEqual(100);
        if (hi < 1_000) expect(scoreForPoints(hi)).toBeLessThan(100);
        if (lo <= 50) expect(scoreForPoints(lo)).toBe(lo);
      }),
      { numRuns: 1000 },
    );
    const h = 1e-6;
    expect((scoreForPoints(50 + h) - scoreForPoints(50)) / h).toBeCloseTo(1, 4);
    expect(scoreForPoints(-5)).toBe(0);
  });

  it('different activity does not tie at the top: every points total up to 250 scores below 100, and 10 more points raise the score up to 160', () => {
    // 10 more points raise the unrounded score by at least 10·e^(−(p + 10 − 50)/50) ≥ 1 while p ≤ 155,
    // so the rounded score rises too; further up the map flattens (150 points score 93, 200 score 98).
    fc.assert(
      fc.property(fc.double({ min: 0, max: 150, noNaN: true }), (points) => {
        expect(Math.round(scoreForPoints(points + 10))).toBeGreaterThan(Math.round(scoreForPoints(points)));
      }),
      { numRuns: 500 },
    );
    expect(Math.round(scoreForPoints(250))).toBeLessThan(100);
  });

  it('adding an activity or inquiry never lowers the score at the same instant', () => {
    fc.assert(
      fc.property(arbHistory(), arbItem(arbTime(120, 2)), fc.nat(), arbRules, expectAddingNeverLowers),
      { numRuns: 500 },
    );
  });

  it('adding an activity on a busy day (daily cap, repeat views, returns) never lowers the score', () => {
    // Same property, aimed at the rules that would break it if read literally: a burst of views on
    // one UTC day with a small cap, and items landing inside gaps.
    const day = arbTime(1, 0);
    const burst = fc.record({ activities: fc.array(arbActivity(day), { minLength: 5, maxLength: 60 }), inquiries: fc.array(arbInquiry(arbTime(40, 0)), { maxLength: 3 }) });
    const smallCap = arbRules.map((r) => ({ ...r, pageViewDailyCap: Math.min(r.pageViewDailyCap, 3) }));
    fc.assert(
      fc.property(burst, arbItem(arbTime(40, 0)), fc.nat(), smallCap, expectAddingNeverLowers),
      { numRuns: 500 },
    );
  });

  it('adding a late-arriving listing view or inquiry (repeat-view bonus, first inquiry) never lowers the score', () => {
    // Views of two listings and inquiries spread over two months, so "the 3rd view" and "the
    // first inquiry" move when an older one arrives: the bonus and the larger inquiry weight must
    // not age because of it.
    const time = arbTime(60, 0);
    const listingView = fc.record({
      kind: fc.constant('event' as const),
      type: fc.constant('page_view'),
      value: fc.constant(null),
      listingRef: fc.constantFrom('oak-12', 'elm-3'),
      at: time,
    });
    const history = fc.record({ activities: fc.array(listingView, { minLength: 2, maxLength: 12 }), inquiries: fc.array(arbInquiry(time), { maxLength: 4 }) });
    const added = fc.oneof(listingView, arbInquiry(time));
    const quietRules = arbRules.map((r) => ({ ...r, weights: { ...r.weights, returnVisit: 0, listingView: Math.min(r.weights.listingView, 1) } }));
    fc.assert(
      fc.property(history, added, fc.nat(), fc.oneof(arbRules, quietRules), expectAddingNeverLowers),
      { numRuns: 500 },
    );
  });

  it('on its own, an older copy of an activity or inquiry never counts more than a newer one', () => {
    fc.assert(
      fc.property(arbItem(arbTime(120, 2)), arbTime(120, 2), arbTime(120, 2), arbRules, (item, a, b, rules) => {
        const [older, newer] = a <= b ? [a, b] : [b, a];
        const alone = (date: Date) => withItem({ activities: [], inquiries: [] }, at(item, date), 0);
        expect(rawOf(alone(older), rules)).toBeLessThanOrEqual(rawOf(alone(newer), rules));
        expect(scoreOf(alone(older), rules)).toBeLessThanOrEqual(scoreOf(alone(newer), rules));
      }),
      { numRuns: 300 },
    );
  });

  it('among other activity, an older copy never adds more than a newer one — when neither the daily cap nor the return signal applies', () => {
    // The two exceptions are by design (see compute-score.ts): an old view on a quiet day beats a
    // new one on a day already at its cap, and an event half-way through a long absence makes two
    // returns. With returns off and a cap no day can reach (≤ 61 views × 1.5 < 100), all other
    // signals must favour the newer copy.
    const rulesNoCalendar = arbRules.map((r) => ({
      ...r,
      pageViewDailyCap: 100,
      weights: { ...r.weights, pageView: Math.min(r.weights.pageView, 1.5), returnVisit: 0 },
    }));
    fc.assert(
      fc.property(arbHistory(), arbItem(arbTime(120, 2)), arbTime(120, 2), arbTime(120, 2), fc.nat(), rulesNoCalendar, (history, item, a, b, position, rules) => {
        const [older, newer] = a <= b ? [a, b] : [b, a];
        const withOlder = rawOf(withItem(history, at(item, older), position), rules);
        const withNewer = rawOf(withItem(history, at(item, newer), position), rules);
        expect(withOlder).toBeLessThanOrEqual(withNewer + tol(withNewer));
      }),
      { numRuns: 500 },
    );
  });

  it('the same history moved whole days into the past never scores more', () => {
    // Whole days, so each occurrence keeps its UTC calendar day relative to the others (the daily
    // cap buckets by calendar day; a shift of a few hours can split a capped day in two).
    fc.assert(
      fc.property(arbHistory(), fc.integer({ min: 0, max: 90 }), arbRules, (history, days, rules) => {
        const older = shift(history, -days * DAY_MS);
        expect(scoreOf(older, rules)).toBeLessThanOrEqual(scoreOf(history, rules));
        const now = rawOf(history, rules);
        expect(rawOf(older, rules)).toBeLessThanOrEqual(now + tol(now));
      }),
      { numRuns: 300 },
    );
  });

  it('with no activity after now, advancing the clock by Δ multiplies the unrounded, uncapped total by 0.5^(Δ/halfLife)', () => {
    fc.assert(
      fc.property(arbHistory({ future: false }), fc.integer({ min: 0, max: 200 * DAY_MS }), arbRules, (history, elapsed, rules) => {
        const later = new Date(NOW_MS + elapsed);
        const expected = rawOf(history, rules) * 0.5 ** (elapsed / DAY_MS / rules.halfLifeDays);
        const actual = rawOf(history, rules, later);
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('decay never reorders two leads without new activity: unrounded totals keep their order, and a lead scored strictly above another is never scored strictly below it later', () => {
    // The precise statement, cap and rounding included: for histories with nothing after `now`
    // and any Δ ≥ 0,
    //   raw_A(now) ≥ raw_B(now)      ⇒ raw_A(now+Δ) ≥ raw_B(now+Δ)    (up to float summation error)
    //   score_A(now) > score_B(now)  ⇒ score_A(now+Δ) ≥ score_B(now+Δ)
    // Strict order can become a tie (rounding) but never flips.
    fc.assert(
      fc.property(arbHistory({ future: false }), arbHistory({ future: false }), fc.integer({ min: 0, max: 200 * DAY_MS }), arbRules, (a, b, elapsed, rules) => {
        const later = new Date(NOW_MS + elapsed);
        const [rawA, rawB] = [rawOf(a, rules), rawOf(b, rules)];
        const [rawA2, rawB2] = [rawOf(a, rules, later), rawOf(b, rules, later)];
        if (rawA >= rawB) expect(rawA2).toBeGreaterThanOrEqual(rawB2 - tol(rawB2));
        if (rawB >= rawA) expect(rawB2).toBeGreaterThanOrEqual(rawA2 - tol(rawA2));
        const [scoreA, scoreB] = [scoreOf(a, rules), scoreOf(b, rules)];
        const [scoreA2, scoreB2] = [scoreOf(a, rules, later), scoreOf(b, rules, later)];
        if (scoreA > scoreB) expect(scoreA2).toBeGreaterThanOrEqual(scoreB2);
        if (scoreB > scoreA) expect(scoreB2).toBeGreaterThanOrEqual(scoreA2);
      }),
      { numRuns: 300 },
    );
  });

  it('the order of the input arrays never changes the result', () => {
    fc.assert(
      fc.property(arbHistory(), fc.integer(), arbRules, (history, seed, rules) => {
        const shuffled = { activities: shuffle(history.activities, seed), inquiries: shuffle(history.inquiries, seed ^ 0x5bd1e995) };
        expect(computeScore(input(shuffled, rules))).toEqual(computeScore(input(history, rules)));
      }),
      { numRuns: 200 },
    );
  });

  it('scoring the default rules object directly equals scoring the parsed defaults', () => {
    fc.assert(
      fc.property(arbHistory(), (history) => {
        expect(computeScore(input(history, DEFAULT_SCORING_RULES))).toEqual(computeScore(input(history, parseScoringRules({}))));
      }),
      { numRuns: 50 },
    );
  });
});
