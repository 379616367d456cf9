// The accounts a live publisher owes a `reset`: remembered one by one up to a bound, then "all";
// cleared once their reset went out, but not an account that failed again meanwhile.
import { describe, expect, it } from 'vitest';
import { createOwedResets } from './owed-resets.ts';

describe('owed resets', () => {
  it('owes nothing until a publish fails', () => {
    const owed = createOwedResets({ max: 2 });
    expect(owed.isEmpty()).toBe(true);
    expect(owed.take()).toEqual({ accountIds: [], all: false, upTo: 0 });
  });

  it('remembers each failed account once, and clears them once their reset went out', () => {
    const owed = createOwedResets({ max: 2 });
    owed.owe('a');
    owed.owe('b');
    owed.owe('a');
    expect(owed.isEmpty()).toBe(false);
    const taken = owed.take();
    expect(taken).toEqual({ accountIds: ['a', 'b'], all: false, upTo: 3 });
    owed.settle(taken, ['a'], false); // b's reset did not go out
    expect(owed.take().accountIds).toEqual(['b']);
    owed.settle(owed.take(), ['b'], false);
    expect(owed.isEmpty()).toBe(true);
  });

  it('past the bound owes every account with an open stream, until a reset went out to all of them', () => {
    const owed = createOwedResets({ max: 2 });
    for (const id of ['a', 'b', 'c', 'd']) owed.owe(id);
    const taken = owed.take();
    expect(taken).toEqual({ accountIds: ['a', 'b'], all: true, upTo: 4 });
    owed.settle(taken, ['a', 'b', 'x'], false); // some open stream's reset did not go out
    expect(owed.take()).toEqual({ accountIds: [], all: true, upTo: 4 });
    owed.settle(owed.take(), ['x'], true);
    expect(owed.isEmpty()).toBe(true);
    // Room again for one by one.
    owed.owe('e');
    expect(owed.take()).toEqual({ accountIds: ['e'], all: false, upTo: 5 });
  });

  it('keeps an account that failed again after its reset was taken', () => {
    const owed = createOwedResets({ max: 2 });
    owed.owe('a');
    const taken = owed.take();
    owed.owe('a'); // failed while the reset was on its way: that reset may have gone out before it
    owed.owe('b');
    owed.owe('c'); // past the bound: all
    owed.settle(taken, ['a', 'b'], true);
    expect(owed.take()).toEqual({ accountIds: ['a', 'b'], all: true, upTo: 4 });
  });
});
