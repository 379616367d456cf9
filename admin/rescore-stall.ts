// Whether the scoring page's background rescore looks stalled. The progress endpoint
// (GET /v1/scoring-rules/rescore) carries no timestamp of the last batch, so the page keeps its own:
// when it last saw `done` move. A rescore with no worker running never moves, and the page would
// otherwise show its progress bar forever. See docs/scoring.md ("Rules: versioned…").

/** No change in the rescore's `done` count for this long and the page says it has stalled. */
export const RESCORE_STALL_MS = 60_000;

export const RESCORE_STALL_MESSAGE = 'Rescoring has not moved for a minute. Scores update when Porchlight’s background worker runs again; if this lasts, tell whoever runs your Porchlight.';

/** What the page last saw of a running rescore, and when (`sinceMs`, epoch ms) that last changed. */
export interface RescoreWatch {
  version: number;
  done: number;
  sinceMs: number;
}

/**
 * Folds a poll's progress into the watch: the clock restarts when `done` or the version changes
 * (a newer save is a new rescore), and keeps running while they stay the same.
 */
export function trackRescoreProgress(watch: RescoreWatch | null, progress: { version: number; done: number }, nowMs: number): RescoreWatch {
  if (watch && watch.version === progress.version && watch.done === progress.done) return watch;
  return { version: progress.version, done: progress.done, sinceMs: nowMs };
}

/** True once the rescore has shown the same progress for `stallMs` (default RESCORE_STALL_MS) or more. */
export function isRescoreStalled(watch: RescoreWatch | null, nowMs: number, stallMs = RESCORE_STALL_MS): boolean {
  return watch !== null && nowMs - watch.sinceMs >= stallMs;
}
