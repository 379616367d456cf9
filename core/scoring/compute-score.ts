/**
 * Lead scoring: a pure, explainable, decaying function of a lead's analytics events and
 * inquiries. No I/O, no clock (the caller passes `now`), no module state.
 *
 * ## The model
 *
 * A score is a sum of *signals*. Each occurrence of a signal earns its weight (from the rules),
 * multiplied by its decay `0.5 ** (ageDays / halfLifeDays)`; an occurrence dated after `now`
 * has age 0. The sum (the lead's *points*) goes through the score map (`scoreForPoints` in
 * core/shared/scoring-defaults.ts: the identity up to 50 points, then saturating smoothly toward
 * 100 without reaching it), and is rounded. The breakdown lists every signal that occurred
 * (count > 0) with its current points as whole numbers that add up to the total rounded
 * (`displayPoints`), highest first, and the total points.
 *
 * | signal (key)                   | default | rule                                                        |
 * |--------------------------------|--------:|-------------------------------------------------------------|
 * | `page_view`                    |       1 | page view without a listing; at most `pageViewDailyCap` (10) points per UTC calendar day, the day's newest views counting first |
 * | `listing_view:<ref>`           |       3 | page view with a listing ref, *instead of* the page-view point; not subject to the page-view cap |
 * | `repeat_listing:<ref>`         |     +10 | once per listing viewed ≥ `repeatListingMinViews` (3) times, decayed from the 3rd *most recent* view |
 * | `mortgage_tool`                |       8 | mortgage or affordability calculator                        |
 * | `saved_listing`                |      10 | saved / favourited listing                                  |
 * | `showing_request`              |      15 | showing request                                             |
 * | `inquiry`                      | 40 / 25 | the first inquiry 40, each further one 25 (see below)       |
 * | `return_visit`                 |     +10 | per return ≥ `returnGapDays` (14) after an earlier visit (see below) |
 * | `event:<kind>`                 |       1 | any other event kind (`otherEvent`); `identify` scores 0    |
 *
 * An event's kind: for `tool_interaction` its value names the tool (`mortgage_calculator`,
 * `affordability_calculator`, `save_listing`, `favorite_listing`/`favourite_listing`,
 * `showing_request`, or any other tool → `event:<tool>`; "Mortgage Calculator" is read as
 * `mortgage_calculator`, a value that is no plain name as `tool_interaction`); otherwise the
 * event type itself, so `save_listing` sent as a type counts the same as the tool.
 *
 * ## Guarantees, and the choices that make them hold
 *
 * 1. **More activity never lowers a score** (same `now`, same rules). Four rules would break
 *    this if read literally, so they are shaped as follows:
 *    - *Daily page-view cap*: the cap keeps the day's **newest** views (the ones worth most). Keeping
 *      the first ones would let a late-arriving early-morning view push out a fresher one.
 *    - *Repeat-view bonus*: it decays from the `repeatListingMinViews`-th **most recent** view of
 *      the listing (with exactly 3 views, the 3rd view). Decaying from the chronological 3rd view
 *      would let an older view, arriving late, age the bonus.
 *    - *Inquiries*: n inquiries earn `firstInquiry + (n − 1) × laterInquiry` before decay, and the
 *      larger weight goes with the **most recent** inquiry (the assignment that maximises the
 *      sum). Giving 40 to the oldest would make a backfilled old inquiry (entered by hand)
 *      *lower* the score: 40 × fresh becomes 25 × fresh + 40 × stale.
 *    - *Returns*: "away ≥ 14 days" is about absence, and any added event inside a gap removes the
 *      absence — no literal version can be monotone. So a return is an occasion of activity (any
 *      event, `identify` included, or inquiry) at least `returnGapDays` after an earlier
 *      *counted* occasion, and the signal takes the best chain of such occasions (the one with
 *      the highest decayed sum). A lead who goes quiet for two weeks and comes back earns the
 *      return a literal reading gives (decayed from the freshest qualifying visit); a lead active
 *      every day also earns one per 14 days spanned. Hence the label "Returned after 14+ days",
 *      not "… days away".
 * 2. **Decay keeps the order of two leads while neither has new activity.** When every
 *    occurrence is at or before `now`, advancing the clock by Δ multiplies every term — and so
 *    the unrounded, uncapped total — by the same factor `0.5 ** (Δ / halfLifeDays)`: which
 *    views, listings, inquiry and return chain count does not depend on `now`. The score map and
 *    rounding are non-decreasing, so a lead scored strictly above another never drops strictly
 *    below it (they may tie after rounding). Occurrences dated after `now`
 *    do not decay until `now` reaches them, so this holds only for histories in the past.
 * 3. **An older copy of an activity never counts more than a newer one** on its own. With other
 *    activity present this holds for every signal except where it is meant to depend on the
 *    calendar or on spacing: an old view on a quiet day can beat a new view on a day already
 *    at its cap, and an event half-way through a long absence can make two returns.
 *
 * Cost: one sort of all occurrences, then linear passes — fine for leads with 10k+ events.
 */
import type { ScoreBand, ScoreBreakdown, ScoreSignal } from '../leads/lead.entity.ts';
import { EVENT_TYPE_PATTERN } from '../shared/event-limits.ts';
import { scoreForPoints } from '../shared/scoring-defaults.ts';
import { DAY_MS } from '../shared/time.ts';
import type { ScoringRulesConfig } from './scoring-rules.ts';

/** One `lead_analytics` row, as scoring sees it. */
export interface ScoringActivity {
  kind: 'event';
  /** `event_type`: `page_view`, `tool_interaction`, `save_listing`, `identify` or any custom type. */
  type: string;
  /** `event_value`; for `tool_interaction` it names the tool. */
  value: string | null;
  listingRef: string | null;
  /** `event_date`. */
  at: Date;
}

/** One `inquiries` row, as scoring sees it. */
export interface ScoringInquiry {
  kind: 'inquiry';
  at: Date;
}

export interface ComputeScoreInput {
  activities: readonly ScoringActivity[];
  inquiries: readonly ScoringInquiry[];
  /** Rules from `parseScoringRules` (every key present). */
  rules: ScoringRulesConfig;
  /** The version the rules came from; carried into the breakdown. */
  rulesVersion: number;
  now: Date;
  /** Human names of listings by ref ("12 Oak St"); the ref itself is shown otherwise. */
  listingLabels?: Readonly<Record<string, string>>;
}

export interface ComputedScore {
  /** Integer 0..maxScore: the points through the score map, rounded. */
  score: number;
  /** The signals' total before the map, rounded to 0.1 (also in the breakdown). */
  points: number;
  band: ScoreBand;
  breakdown: ScoreBreakdown;
}

/** A signal with its exact (unrounded) points. */
export type RawSignal = ScoreSignal;

export interface ComputedSignals {
  /** Every signal that occurred (count > 0), by key, points unrounded. */
  signals: RawSignal[];
  /** Sum of the signals' unrounded points, before the cap. */
  rawTotal: number;
}

const MORTGAGE_TOOLS = new Set(['mortgage_calculator', 'affordability_calculator']);
const SAVED_LISTING = new Set(['save_listing', 'favorite_listing', 'favourite_listing']);
const SHOWING_REQUEST = new Set(['showing_request']);
const TOOL_INTERACTION = 'tool_interaction';
const PAGE_VIEW = 'page_view';
const IDENTIFY = 'identify';

interface Occurrence {
  t: number;
  /** null for inquiries. */
  activity: ScoringActivity | null;
}

/** The band a (rounded) score falls in. */
export function bandForScore(score: number, rules: Pick<ScoringRulesConfig, 'bands'>): ScoreBand {
  if (score >= rules.bands.hot) return 'hot';
  if (score >= rules.bands.warm) return 'warm';
  return 'cold';
}

/** Score a lead and explain it. Pure: same input, same output. */
export function computeScore(input: ComputeScoreInput): ComputedScore {
  const { signals, rawTotal } = computeSignals(input);
  const score = scoreOf(rawTotal, input.rules);
  const points = Math.round(Math.max(0, rawTotal) * 10) / 10;
  const whole = displayPoints(signals, rawTotal);
  const shown = signals
    .map((s, i) => ({ raw: s.points, signal: { key: s.key, label: s.label, count: s.count, points: whole[i] } }))
    .sort((a, b) => b.signal.points - a.signal.points || b.raw - a.raw || (a.signal.key < b.signal.key ? -1 : a.signal.key > b.signal.key ? 1 : 0))
    .map((s) => s.signal);
  return {
    score,
    points,
    band: bandForScore(score, input.rules),
    breakdown: { signals: shown, points, rulesVersion: input.rulesVersion, computedAt: input.now.toISOString() },
  };
}

/**
 * Whole points to show for each signal (aligned with `signals`), adding up to `total` rounded to a
 * whole number — so the reasons a realtor reads add up: up to the score map's knee (50) to the
 * score itself, above it to the points the map turns into the score. Rounding each signal on its
 * own did not: ten signals of 0.4 showed ten zeros for a score of 4, seven of 0.57 showed "+1"
 * seven times for a score of 4. Largest-remainder rounding: each signal is rounded down, and the
 * points still missing go one each to the signals with the largest fractions (ties: the larger
 * exact points, then the key). Each shown figure is its exact points rounded down or up, never
 * further off than that; a larger exact figure never shows smaller than a smaller one.
 * `total` is the signals' exact sum (`computeSignals`' rawTotal).
 */
export function displayPoints(signals: readonly Pick<RawSignal, 'key' | 'points'>[], total: number): number[] {
  const whole = signals.map((s) => Math.floor(s.points));
  let missing = Math.round(total) - whole.reduce((a, b) => a + b, 0);
  // Float sums keep 0 ≤ missing ≤ signals.length; the bounds are a guard, not a case.
  missing = Math.max(0, Math.min(signals.length, missing));
  const byFraction = signals
    .map((s, i) => ({ i, fraction: s.points - whole[i], points: s.points, key: s.key }))
    .sort((a, b) => b.fraction - a.fraction || b.points - a.points || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let k = 0; k < missing; k++) whole[byFraction[k].i] += 1;
  return whole;
}

/** The score for a total of points: mapped, rounded, within 0..maxScore. */
export function scoreOf(rawTotal: number, rules: Pick<ScoringRulesConfig, 'maxScore'>): number {
  return Math.min(rules.maxScore, Math.round(scoreForPoints(rawTotal)));
}

/** The signals behind a score with exact points; `computeScore` rounds, caps and sorts them. */
export function computeSignals(input: ComputeScoreInput): ComputedSignals {
  const { rules } = input;
  const w = rules.weights;
  const nowMs = timeOf(input.now, 'now');
  const halfLifeMs = rules.halfLifeDays * DAY_MS;
  const decay = (t: number): number => (t >= nowMs ? 1 : 0.5 ** ((nowMs - t) / halfLifeMs));

  const occurrences: Occurrence[] = [];
  for (const [i, activity] of input.activities.entries()) occurrences.push({ t: timeOf(activity.at, `activities[${i}].at`), activity });
  for (const [i, inquiry] of input.inquiries.entries()) occurrences.push({ t: timeOf(inquiry.at, `inquiries[${i}].at`), activity: null });
  occurrences.sort((a, b) => a.t - b.t);

  const signals = new Map<string, RawSignal>();
  const add = (key: string, label: string, points: number): void => {
    const signal = signals.get(key);
    if (signal) {
      signal.count += 1;
      signal.points += points;
    } else {
      signals.set(key, { key, label, count: 1, points });
    }
  };

  const pageViewTimes: number[] = [];
  const listingViews = new Map<string, number[]>();
  const inquiryDecays: number[] = [];

  for (const { t, activity } of occurrences) {
    if (!activity) {
      inquiryDecays.push(decay(t));
      continue;
    }
    const ref = activity.listingRef || null;
    if (activity.type === PAGE_VIEW) {
      if (ref === null) pageViewTimes.push(t);
      else {
        const times = listingViews.get(ref);
        if (times) times.push(t);
        else listingViews.set(ref, [t]);
      }
      continue;
    }
    const kind = eventKind(activity);
    if (kind === IDENTIFY) continue;
    if (MORTGAGE_TOOLS.has(kind)) add('mortgage_tool', 'Mortgage calculator', w.mortgageTool * decay(t));
    else if (SAVED_LISTING.has(kind)) add('saved_listing', 'Saved listing', w.savedListing * decay(t));
    else if (SHOWING_REQUEST.has(kind)) add('showing_request', 'Showing request', w.showingRequest * decay(t));
    else add(`event:${kind}`, humanize(kind), w.otherEvent * decay(t));
  }

  // Page views: walk each UTC day newest-first and spend that day's cap on the freshest views.
  // Cap bookkeeping in hundredths (rules allow two decimals) so 0.1-point views fill a cap exactly.
  if (pageViewTimes.length > 0) {
    const viewCents = Math.round(w.pageView * 100);
    const capCents = Math.round(rules.pageViewDailyCap * 100);
    let points = 0;
    let day = Number.NaN;
    let capLeft = 0;
    for (let i = pageViewTimes.length - 1; i >= 0; i--) {
      const t = pageViewTimes[i];
      const d = Math.floor(t / DAY_MS);
      if (d !== day) {
        day = d;
        capLeft = capCents;
      }
      const counted = Math.min(viewCents, capLeft);
      capLeft -= counted;
      if (counted > 0) points += (counted / 100) * decay(t);
    }
    signals.set('page_view', { key: 'page_view', label: 'Page views', count: pageViewTimes.length, points });
  }

  for (const [ref, times] of listingViews) {
    const name = listingName(ref, input.listingLabels);
    let points = 0;
    for (const t of times) points += w.listingView * decay(t);
    signals.set(`listing_view:${ref}`, {
      key: `listing_view:${ref}`,
      label: times.length > 1 ? `Viewed ${name} ${times.length}×` : `Viewed ${name}`,
      count: times.length,
      points,
    });
    if (times.length >= w.repeatListingMinViews) {
      const nthNewest = times[times.length - w.repeatListingMinViews];
      signals.set(`repeat_listing:${ref}`, {
        key: `repeat_listing:${ref}`,
        label: `Repeat views of ${name}`,
        count: 1,
        points: w.repeatListingBonus * decay(nthNewest),
      });
    }
  }

  if (inquiryDecays.length > 0) {
    // Sorted oldest first, so decays ascend: the newest is last. The larger of the two weights
    // goes with the freshest inquiry if first ≥ later, else with the oldest — the assignment
    // with the largest sum, which is what makes an added inquiry never lower the total.
    let sum = 0;
    for (const d of inquiryDecays) sum += d;
    const pivot = w.firstInquiry >= w.laterInquiry ? inquiryDecays[inquiryDecays.length - 1] : inquiryDecays[0];
    const n = inquiryDecays.length;
    signals.set('inquiry', {
      key: 'inquiry',
      label: n > 1 ? 'Inquiries' : 'Inquiry',
      count: n,
      points: w.laterInquiry * (sum - pivot) + w.firstInquiry * pivot,
    });
  }

  const returns = bestReturnChain(occurrences, rules.returnGapDays * DAY_MS, decay);
  if (returns.count > 0) {
    signals.set('return_visit', {
      key: 'return_visit',
      label: `Returned after ${rules.returnGapDays}+ days`,
      count: returns.count,
      points: w.returnVisit * returns.decaySum,
    });
  }

  // Summed in key order so the total does not depend on the order of the input arrays.
  const list = [...signals.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let rawTotal = 0;
  for (const signal of list) rawTotal += signal.points;
  return { signals: list, rawTotal };
}

/**
 * The chain of occurrences t₀ < t₁ < … < tₖ, each at least `gapMs` after the previous, that
 * maximises the decayed sum of t₁…tₖ (the returns; t₀ is the visit they return from).
 * Dynamic programming over the sorted occurrences with a trailing pointer: linear.
 */
function bestReturnChain(sorted: readonly Occurrence[], gapMs: number, decay: (t: number) => number): { count: number; decaySum: number } {
  const bestSum = new Float64Array(sorted.length);
  const bestCount = new Uint32Array(sorted.length);
  let reach = 0; // occurrences [0, reach) are at least gapMs before the current one
  let prefixSum = 0;
  let prefixCount = 0;
  let topSum = 0;
  let topCount = 0;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i].t;
    while (reach < i && sorted[reach].t <= t - gapMs) {
      if (bestSum[reach] > prefixSum) {
        prefixSum = bestSum[reach];
        prefixCount = bestCount[reach];
      }
      reach++;
    }
    if (reach === 0) continue; // nothing to return from: can only start a chain (worth 0)
    bestSum[i] = prefixSum + decay(t);
    bestCount[i] = prefixCount + 1;
    if (bestSum[i] > topSum) {
      topSum = bestSum[i];
      topCount = bestCount[i];
    }
  }
  return { count: topCount, decaySum: topSum };
}

function eventKind(activity: ScoringActivity): string {
  if (activity.type !== TOOL_INTERACTION || activity.value === null) return activity.type;
  // Tool names come from site markup: tolerate "Mortgage Calculator" or "mortgage-calculator".
  const tool = activity.value.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return EVENT_TYPE_PATTERN.test(tool) && tool !== IDENTIFY && tool !== PAGE_VIEW ? tool : TOOL_INTERACTION;
}

function humanize(kind: string): string {
  const words = kind.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function listingName(ref: string, labels: Readonly<Record<string, string>> | undefined): string {
  return labels && Object.hasOwn(labels, ref) ? labels[ref] : ref;
}

function timeOf(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new RangeError(`computeScore: ${what} is not a valid date`);
  return t;
}
