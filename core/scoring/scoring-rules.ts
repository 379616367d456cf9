import { z } from 'zod';
import { DEFAULT_SCORING_RULES, MAX_SCORE, type RuleBounds, SCORING_AMOUNT_STEP, SCORING_LIMITS } from '../shared/scoring-defaults.ts';

// The defaults and bounds live in core/shared (the admin's editor uses them too); re-exported
// here for the server code that has always imported them from this module.
export { DEFAULT_SCORING_RULES, MAX_SCORE } from '../shared/scoring-defaults.ts';

const D = DEFAULT_SCORING_RULES;

/** A number within `bounds`: whole, or with at most two decimals (0.01 steps) so the editor and JSON agree. */
function bounded({ min, max, integer }: RuleBounds) {
  return integer ? z.int().min(min).max(max) : z.number().min(min).max(max).multipleOf(SCORING_AMOUNT_STEP, 'Use at most two decimals');
}
const points = () => bounded(SCORING_LIMITS.points);
const days = () => bounded(SCORING_LIMITS.days);

const ZWeights = z
  .object({
    /** Points per page view without a listing. Default 1. */
    pageView: points().default(D.weights.pageView),
    /** Points per page view of a listing (replaces the page-view point). Default 3. */
    listingView: points().default(D.weights.listingView),
    /** Once per listing viewed at least `repeatListingMinViews` times. Default 10. */
    repeatListingBonus: points().default(D.weights.repeatListingBonus),
    /** Views of one listing that earn the repeat bonus. Default 3. */
    repeatListingMinViews: bounded(SCORING_LIMITS.repeatListingMinViews).default(D.weights.repeatListingMinViews),
    /** Mortgage or affordability calculator use. Default 8. */
    mortgageTool: points().default(D.weights.mortgageTool),
    /** Saved / favourited listing. Default 10. */
    savedListing: points().default(D.weights.savedListing),
    /** Showing request. Default 15. */
    showingRequest: points().default(D.weights.showingRequest),
    /** The lead's first inquiry. Default 40. */
    firstInquiry: points().default(D.weights.firstInquiry),
    /** Each further inquiry. Default 25. */
    laterInquiry: points().default(D.weights.laterInquiry),
    /** Each return after `returnGapDays` or more. Default 10. */
    returnVisit: points().default(D.weights.returnVisit),
    /** Any other (custom) event type; `identify` always scores 0. Default 1. */
    otherEvent: points().default(D.weights.otherEvent),
  })
  .strict();

const ZBands = z
  .object({
    /** A score at or above this is hot. Default 60. */
    hot: bounded(SCORING_LIMITS.band).default(D.bands.hot),
    /** A score at or above this (and below hot) is warm. Default 20. */
    warm: bounded(SCORING_LIMITS.band).default(D.bands.warm),
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
    halfLifeDays: days().default(D.halfLifeDays),
    weights: ZWeights.prefault({}),
    /** Most page-view points per UTC calendar day (before decay). Default 10. */
    pageViewDailyCap: points().default(D.pageViewDailyCap),
    /** Days without activity after which activity counts as a return. Default 14. */
    returnGapDays: days().default(D.returnGapDays),
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
