// The scoring page's stalled-rescore notice: after a minute without progress, and only then.
import { describe, expect, it } from 'vitest';
import { isRescoreStalled, RESCORE_STALL_MS, type RescoreWatch, trackRescoreProgress } from './rescore-stall.ts';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');

/** Feeds polls `[atMs, version, done]` in order and returns the final watch. */
function watchAfter(polls: Array<[number, number, number]>): RescoreWatch | null {
  let watch: RescoreWatch | null = null;
  for (const [at, version, done] of polls) watch = trackRescoreProgress(watch, { version, done }, T0 + at);
  return watch;
}

describe('a rescore is called stalled', () => {
  it.each([
    ['no progress for 59.999 s', [[0, 2, 0], [30_000, 2, 0], [59_999, 2, 0]], 59_999, false],
    ['no progress for exactly a minute', [[0, 2, 0], [30_000, 2, 0], [60_000, 2, 0]], 60_000, true],
    ['no progress for five minutes (the worker is not running)', [[0, 2, 0], [300_000, 2, 0]], 300_000, true],
    ['a batch landed 10 s ago after a long wait', [[0, 2, 0], [50_000, 2, 0], [90_000, 2, 200], [100_000, 2, 200]], 100_000, false],
    ['a batch landed, then nothing for a minute', [[0, 2, 0], [10_000, 2, 200], [70_000, 2, 200]], 70_000, true],
    ['a newer save restarted the rescore 5 s ago at the same count', [[0, 2, 0], [80_000, 3, 0]], 85_000, false],
  ] as Array<[string, Array<[number, number, number]>, number, boolean]>)('%s → %s', (_label, polls, nowAt, stalled) => {
    expect(isRescoreStalled(watchAfter(polls), T0 + nowAt)).toBe(stalled);
  });

  it('never before the first poll', () => {
    expect(isRescoreStalled(null, T0 + 10 * RESCORE_STALL_MS)).toBe(false);
  });

  it('keeps the watch (and its start) while progress stays the same', () => {
    const first = trackRescoreProgress(null, { version: 1, done: 5 }, T0);
    expect(trackRescoreProgress(first, { version: 1, done: 5 }, T0 + 40_000)).toBe(first);
  });

  it('takes another threshold', () => {
    expect(isRescoreStalled(watchAfter([[0, 1, 0]]), T0 + 5_000, 5_000)).toBe(true);
  });
});
