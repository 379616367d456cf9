// pollUntil asks nothing while the tab is hidden, asks when it comes back, and does not count the
// hidden time against its timeout. The tab is a plain EventTarget with a visibilityState (Node has
// no document); the timers are vitest's.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from './use-poll-until.ts';

class FakeTab extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
  set(state: 'visible' | 'hidden') {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

let tab: FakeTab;
beforeEach(() => {
  vi.useFakeTimers();
  tab = new FakeTab();
  vi.stubGlobal('document', tab);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('pollUntil and a hidden tab', () => {
  it('asks nothing while the tab is hidden and asks at once when it comes back', async () => {
    let calls = 0;
    const result = pollUntil(async () => (++calls >= 3 ? 'done' : undefined), { firstDelayMs: 1_000 }, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    tab.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(result).resolves.toEqual({ state: 'done', value: 'done' });
  });

  it('the time hidden does not count against the timeout', async () => {
    let calls = 0;
    const result = pollUntil(async () => {
      calls++;
      return undefined;
    }, { firstDelayMs: 1_000, timeoutMs: 5_000 }, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(2);
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(600_000);
    tab.set('visible');
    // 2 s of the 5 s were used before the tab was hidden: about 3 more checks, then the timeout.
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toEqual({ state: 'timeout' });
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThanOrEqual(6);
  });

  it('stops while hidden when the component goes away', async () => {
    const controller = new AbortController();
    const check = vi.fn(async () => undefined);
    const result = pollUntil(check, { firstDelayMs: 1_000 }, controller.signal);
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(5_000);
    controller.abort();
    await expect(result).resolves.toEqual({ state: 'stopped' });
    expect(check).not.toHaveBeenCalled();
  });
});
