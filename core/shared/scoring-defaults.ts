// The scoring model's real-estate defaults (DESIGN.md → Scoring) and the bounds of every editable
// number. core/scoring/scoring-rules.ts builds its zod schema from these; the admin's rules
// editor shows the same defaults and refuses the same values before sending.

/** Default half-life of every signal's points. */
export const SCORE_HALF_LIFE_DAYS = 14;
/** Scores are capped here; the `leads.score` column and the dashboard assume 0..100. */
export const MAX_SCORE = 100;

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
  bands: Object.freeze({ hot: 60, warm: 25 }),
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
