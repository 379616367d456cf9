import { z } from 'zod';

/** Default half-life of every signal's points. */
export const SCORE_HALF_LIFE_DAYS = 14;
/** Scores are capped here; the `leads.score` column and the dashboard assume 0..100. */
export const MAX_SCORE = 100;

/**
 * The real-estate defaults from DESIGN.md. Stored rule versions hold only what the realtor
 * changed (or an older, smaller shape); `parseScoringRules` fills the rest from here.
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

const D = DEFAULT_SCORING_RULES;

/** A non-negative amount with at most two decimals (0.01 steps), so the editor and JSON agree. */
function amount(max: number) {
  return z.number().min(0).max(max).multipleOf(0.01, 'Use at most two decimals');
}

const ZWeights = z
  .object({
    /** Points per page view without a listing. Default 1. */
    pageView: amount(100).default(D.weights.pageView),
    /** Points per page view of a listing (replaces the page-view point). Default 3. */
    listingView: amount(100).default(D.weights.listingView),
    /** Once per listing viewed at least `repeatListingMinViews` times. Default 10. */
    repeatListingBonus: amount(100).default(D.weights.repeatListingBonus),
    /** Views of one listing that earn the repeat bonus. Default 3. */
    repeatListingMinViews: z.int().min(2).max(100).default(D.weights.repeatListingMinViews),
    /** Mortgage or affordability calculator use. Default 8. */
    mortgageTool: amount(100).default(D.weights.mortgageTool),
    /** Saved / favourited listing. Default 10. */
    savedListing: amount(100).default(D.weights.savedListing),
    /** Showing request. Default 15. */
    showingRequest: amount(100).default(D.weights.showingRequest),
    /** The lead's first inquiry. Default 40. */
    firstInquiry: amount(100).default(D.weights.firstInquiry),
    /** Each further inquiry. Default 25. */
    laterInquiry: amount(100).default(D.weights.laterInquiry),
    /** Each return after `returnGapDays` or more. Default 10. */
    returnVisit: amount(100).default(D.weights.returnVisit),
    /** Any other (custom) event type; `identify` always scores 0. Default 1. */
    otherEvent: amount(100).default(D.weights.otherEvent),
  })
  .strict();

const ZBands = z
  .object({
    /** A score at or above this is hot. Default 60. */
    hot: z.int().min(1).max(MAX_SCORE).default(D.bands.hot),
    /** A score at or above this (and below hot) is warm. Default 25. */
    warm: z.int().min(1).max(MAX_SCORE).default(D.bands.warm),
  })
  .strict()
  .refine((bands) => bands.hot > bands.warm, { path: ['hot'], message: 'The hot threshold must be above the warm threshold' });

/**
 * One version of a user's scoring rules. Every key is optional on input and filled from
 * `DEFAULT_SCORING_RULES`; unknown keys are refused (`.strict()`), so a typo is an error rather
 * than a silently ignored setting.
 */
export const ZScoringRules = z
  .object({
    /** Points halve every this many days. Default 14. */
    halfLifeDays: z.number().min(1).max(365).multipleOf(0.01, 'Use at most two decimals').default(D.halfLifeDays),
    weights: ZWeights.prefault({}),
    /** Most page-view points per UTC calendar day (before decay). Default 10. */
    pageViewDailyCap: amount(100).default(D.pageViewDailyCap),
    /** Days without activity after which activity counts as a return. Default 14. */
    returnGapDays: z.number().min(1).max(365).multipleOf(0.01, 'Use at most two decimals').default(D.returnGapDays),
    bands: ZBands.prefault({}),
    /** Fixed at 100: the score column and the dashboard assume 0..100. */
    maxScore: z.literal(MAX_SCORE).default(MAX_SCORE),
  })
  .strict();

/** Rules after defaults are filled in: every key present. */
export type ScoringRulesConfig = z.output<typeof ZScoringRules>;
/** Rules as stored or sent by the editor: any key may be missing. */
export type ScoringRulesInput = z.input<typeof ZScoringRules>;

/**
 * Parse a stored or submitted rules document: missing keys (at any depth) take the defaults, so
 * versions saved before a key existed keep working; invalid values, unknown keys and
 * hot ≤ warm throw a `ZodError` whose issue paths name the offending key.
 */
export function parseScoringRules(json: unknown): ScoringRulesConfig {
  return ZScoringRules.parse(json);
}
