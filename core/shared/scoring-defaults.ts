// The scoring model's real-estate defaults (DESIGN.md → Scoring) and the bounds of every editable
// number. core/scoring/scoring-rules.ts builds its zod schema from these; the admin's rules
// editor shows the same defaults and refuses the same values before sending.

/** Default half-life of every signal's points. */
export const SCORE_HALF_LIFE_DAYS = 14;
/** Scores are capped here; the `leads.score` column and the dashboard assume 0..100. */
export const MAX_SCORE = 100;

/**
 * Points up to the knee are the score itself; above it the score saturates smoothly toward 100
 * (same slope at the knee, never reaching 100 for finite points). A hard cap made the top of a
 * busy list a tie (53 of a few hundred leads at exactly 100); with the map, 150 points score 93
 * and 200 score 98, so more activity still ranks higher. Rounded, the score reaches 100 only
 * above about 280 points.
 */
export const SCORE_MAP_KNEE = 50;

/** The score (unrounded, 0 ≤ score < 100) for a total of `points`: the identity up to the knee, then saturating. */
export function scoreForPoints(points: number): number {
  if (!(points > 0)) return 0;
  if (points <= SCORE_MAP_KNEE) return points;
  const room = MAX_SCORE - SCORE_MAP_KNEE;
  return SCORE_MAP_KNEE + room * -Math.expm1(-(points - SCORE_MAP_KNEE) / room);
}

/**
 * The defaults. Stored rule versions hold only what the realtor changed (or an older, smaller
 * shape); `parseScoringRules` fills the rest from here.
 */
export const DEFAULT_SCORING_RULES = Object.freeze({
  halfLifeDays: SCORE_HALF_LIFE_DAYS,
  weights: Object.freeze({
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
  }),
  pageViewDailyCap: 10,
  returnGapDays: 14,
  // Calibrated on the simulated lead mix (core/scoring/simulated-leads.ts): Hot ≈ the top 15 %, Warm the next ≈ 28 %.
  bands: Object.freeze({ hot: 60, warm: 20 }),
  maxScore: MAX_SCORE,
} as const);

/** Inclusive bounds of an editable number; `integer`: whole numbers only. */
export interface RuleBounds {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
}

/** Bounds of the editable numbers; every amount that is not an integer has at most two decimals. */
export const SCORING_LIMITS = Object.freeze({
  /** Points of one signal, and the page-view points one day can add. */
  points: { min: 0, max: 100 },
  /** Half-life and the absence before a return. */
  days: { min: 1, max: 365 },
  repeatListingMinViews: { min: 2, max: 100, integer: true },
  band: { min: 1, max: MAX_SCORE, integer: true },
} satisfies Record<string, RuleBounds>);

/** Amounts are multiples of this (two decimals), so the editor and stored JSON agree. */
export const SCORING_AMOUNT_STEP = 0.01;
