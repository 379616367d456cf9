// The scoring page's stalled-rescore notice: after a minute without progress by the server's
// count, and only then.
import { describe, expect, it } from 'vitest';
import { isRescoreStalled, RESCORE_STALL_MS } from './rescore-stall.ts';

describe('a rescore is called stalled', () => {
  it.each([
    ['a batch landed just now', 0, false],
    ['no progress for 59.999 s', 59_999, false],
    ['no progress for exactly a minute', 60_000, true],
    ['no progress for ten minutes (stalled long before the page opened)', 600_000, true],
    ['finished (idleMs null)', null, false],
  ] as Array<[string, number | null, boolean]>)('%s (idleMs %s) → %s', (_label, idleMs, stalled) => {
    expect(isRescoreStalled({ idleMs })).toBe(stalled);
  });

  it('never without a rescore', () => {
    expect(isRescoreStalled(null)).toBe(false);
  });

  it('takes another threshold', () => {
    expect(isRescoreStalled({ idleMs: 5_000 }, 5_000)).toBe(true);
    expect(isRescoreStalled({ idleMs: RESCORE_STALL_MS }, RESCORE_STALL_MS + 1)).toBe(false);
  });
});
