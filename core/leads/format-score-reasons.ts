import type { ScoreSignal } from './lead.entity.ts';

/**
 * A score breakdown as reason lines, largest contribution first: "Inquiry +40", "Viewed oak-12 3× +9".
 * One wording for every place that lists them (the CSV export's `scoreReasons` cell, the hot-lead
 * email's "Why"). Signals that round to no points explain nothing and are left out. computeScore
 * stores the signals sorted already; the stable sort here keeps that order for ties and puts an
 * older or hand-written breakdown in order too. Labels are lead-supplied text (listing refs):
 * whoever renders the lines escapes them.
 * `limit`: at most this many lines (default: all).
 */
export function formatScoreReasons(breakdown: { signals: readonly Pick<ScoreSignal, 'label' | 'points'>[] } | null | undefined, limit = Number.POSITIVE_INFINITY): string[] {
  return (breakdown?.signals ?? [])
    .filter((s) => s.points > 0)
    .toSorted((a, b) => b.points - a.points)
    .slice(0, limit)
    .map((s) => `${s.label} +${s.points}`);
}
