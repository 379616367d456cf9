// The scoring rules editor's fields: labels, hints and units, with the bounds the server's schema
// uses (core/shared/scoring-defaults.ts), so the editor refuses exactly what the API would.
import { type RuleBounds, SCORING_LIMITS } from '#core/shared/scoring-defaults.ts';
import type { ScoringRulesConfig } from './api-client.ts';

/** Dotted path of an editable number in the rules ("weights.pageView"). */
export type RulePath =
  | 'halfLifeDays'
  | 'pageViewDailyCap'
  | 'returnGapDays'
  | `weights.${keyof ScoringRulesConfig['weights']}`
  | `bands.${keyof ScoringRulesConfig['bands']}`;

export interface RuleField extends RuleBounds {
  path: RulePath;
  label: string;
  hint: string;
  /** Unit shown after the input ("points", "days", "score"). */
  unit: string;
}

export interface RuleGroup {
  id: string;
  title: string;
  description: string;
  fields: RuleField[];
}

const points = (path: RulePath, label: string, hint: string): RuleField => ({ path, label, hint, unit: 'points', ...SCORING_LIMITS.points });
const days = (path: RulePath, label: string, hint: string): RuleField => ({ path, label, hint, unit: 'days', ...SCORING_LIMITS.days });

export const RULE_GROUPS: RuleGroup[] = [
  {
    id: 'decay',
    title: 'Decay',
    description: 'Activity counts less as it ages, so leads who went quiet drift down the list.',
    fields: [days('halfLifeDays', 'Half-life', 'Every signal’s points halve after this many days.')],
  },
  {
    id: 'browsing',
    title: 'Browsing',
    description: 'Visits to the website and the listings they look at.',
    fields: [
      points('weights.pageView', 'Page view', 'Per page viewed that is not a listing.'),
      points('pageViewDailyCap', 'Page-view cap per day', 'Most page-view points one day can add.'),
      points('weights.listingView', 'Listing view', 'Per view of a listing page.'),
      points('weights.repeatListingBonus', 'Repeat-view bonus', 'Once per listing viewed again and again.'),
      { path: 'weights.repeatListingMinViews', label: 'Views for the bonus', hint: 'Views of one listing that earn the repeat bonus.', unit: 'views', ...SCORING_LIMITS.repeatListingMinViews },
      points('weights.returnVisit', 'Return visit', 'When they come back after a long absence.'),
      days('returnGapDays', 'Absence before a return', 'Days away after which a visit counts as a return.'),
    ],
  },
  {
    id: 'intent',
    title: 'Buying intent',
    description: 'Tools and actions on the website that show they are serious.',
    fields: [
      points('weights.mortgageTool', 'Mortgage or affordability calculator', 'Each use of a calculator.'),
      points('weights.savedListing', 'Saved listing', 'Each listing saved or favourited.'),
      points('weights.showingRequest', 'Showing request', 'Each request to see a home.'),
      points('weights.otherEvent', 'Other events', 'Any other tracked action on your site.'),
    ],
  },
  {
    id: 'inquiries',
    title: 'Inquiries',
    description: 'Messages from the website form, or added by you.',
    fields: [
      // core/scoring/compute-score.ts: of the two weights, the larger goes with the most recent inquiry.
      points('weights.firstInquiry', 'First inquiry', 'One inquiry earns this. With more, the most recent earns it — or the oldest, if each further inquiry is set higher.'),
      points('weights.laterInquiry', 'Each further inquiry', 'Every other inquiry earns this.'),
    ],
  },
  {
    id: 'bands',
    title: 'Bands',
    description: 'Where hot, warm and cold begin, on the 0–100 score.',
    fields: [
      // On the 0–100 score, not on the points: above 50 points the score map compresses (90 points score 78).
      { path: 'bands.hot', label: 'Hot from', hint: 'Crossing it creates a follow-up reminder and a lead.hot webhook.', unit: 'score', ...SCORING_LIMITS.band },
      { path: 'bands.warm', label: 'Warm from', hint: 'Below this a lead is cold.', unit: 'score', ...SCORING_LIMITS.band },
    ],
  },
];

export const RULE_FIELDS: RuleField[] = RULE_GROUPS.flatMap((g) => g.fields);

/** The value at a dotted path. */
export function getRule(rules: ScoringRulesConfig, path: RulePath): number {
  const [head, tail] = path.split('.');
  const value = tail ? (rules as unknown as Record<string, Record<string, number>>)[head][tail] : (rules as unknown as Record<string, number>)[head];
  return value;
}

/** A copy of `rules` with the value at `path` replaced. */
export function setRule(rules: ScoringRulesConfig, path: RulePath, value: number): ScoringRulesConfig {
  const [head, tail] = path.split('.');
  if (!tail) return { ...rules, [head]: value };
  const group = (rules as unknown as Record<string, Record<string, number>>)[head];
  return { ...rules, [head]: { ...group, [tail]: value } };
}

/** Form values (strings as typed) → rules, or a message per invalid field. */
export function parseRuleValues(values: Record<RulePath, string>, base: ScoringRulesConfig): { rules: ScoringRulesConfig; errors: Partial<Record<RulePath, string>> } {
  const errors: Partial<Record<RulePath, string>> = {};
  let rules = base;
  for (const field of RULE_FIELDS) {
    const raw = (values[field.path] ?? '').trim();
    const n = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(n)) errors[field.path] = `Enter a number for “${field.label}”`;
    else if (n < field.min || n > field.max) errors[field.path] = `Use a number from ${field.min} to ${field.max}`;
    else if (field.integer && !Number.isInteger(n)) errors[field.path] = 'Use a whole number';
    else if (Math.abs(Math.round(n * 100) - n * 100) > 1e-6) errors[field.path] = 'Use at most two decimals';
    else rules = setRule(rules, field.path, n);
  }
  if (!errors['bands.hot'] && !errors['bands.warm'] && rules.bands.hot <= rules.bands.warm) {
    errors['bands.hot'] = 'The hot threshold must be above the warm threshold';
  }
  return { rules, errors };
}

/** Rules → form values. */
export function ruleValues(rules: ScoringRulesConfig): Record<RulePath, string> {
  const values = {} as Record<RulePath, string>;
  for (const field of RULE_FIELDS) values[field.path] = String(getRule(rules, field.path));
  return values;
}

/** The input id of a field ("rule-weights-pageView"), for error summaries. */
export function ruleFieldId(path: string): string {
  return `rule-${path.replace(/\./g, '-')}`;
}
