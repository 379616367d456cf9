// Whether the scoring page's background rescore looks stalled. The progress answer
// (GET /v1/scoring-rules/rescore, and `rescore` of GET/PUT /v1/scoring-rules) carries `idleMs`: how
// long since the rescore last moved, measured by Postgres from `scoring_rules.rescore_progressed_at`.
// So the page says so as soon as it opens on a rescore that stopped long ago, and neither the
// browser's clock nor how long the page has been open matters. A rescore with no worker running
// never moves, and the page would otherwise show its progress bar forever. See docs/scoring.md
// ("A rescore that does not move").

/** No progress for this long and the page says the rescore has stalled. */
export const RESCORE_STALL_MS = 60_000;

export const RESCORE_STALL_MESSAGE = 'Rescoring has not moved for a minute. Scores update when Porchlight’s background worker runs again; if this lasts, tell whoever runs your Porchlight.';

/**
 * True while a running rescore (`idleMs` not null) has not moved for `stallMs` (default
 * RESCORE_STALL_MS) or more.
 */
export function isRescoreStalled(progress: { idleMs: number | null } | null, stallMs = RESCORE_STALL_MS): boolean {
  return progress?.idleMs != null && progress.idleMs >= stallMs;
}
