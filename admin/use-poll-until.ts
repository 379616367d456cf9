// Waiting for the server to finish something it does in the background (a rescore), by asking
// again after a growing delay. The loop belongs to the component: it stops when the component
// goes away, and starting a new one stops the previous one.
import { useEffect, useRef } from 'preact/hooks';

export interface PollOptions {
  /** Wait before the first check. */
  firstDelayMs: number;
  /** Each wait is the previous one times this, up to `maxDelayMs`. Default 1 (a fixed interval). */
  backoff?: number;
  /** Longest wait. Default `firstDelayMs`. */
  maxDelayMs?: number;
  /** Give up after this long. Default: never. */
  timeoutMs?: number;
  /** A check threw (a network blip): told how many failed in a row; polling goes on. */
  onError?(err: unknown, failuresInARow: number): void;
}

/** How polling ended: `check` answered, the time ran out, or the component stopped it. */
export type PollResult<T> = { state: 'done'; value: T } | { state: 'timeout' } | { state: 'stopped' };

const STOPPED = { state: 'stopped' } as const;

const isHidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/** Resolves when the tab is visible again, or at once when `signal` aborts. */
function untilVisible(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      if (isHidden() && !signal.aborted) return;
      document.removeEventListener('visibilitychange', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    document.addEventListener('visibilitychange', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * Calls `check` after each wait until it returns something other than undefined. While the tab is
 * hidden it asks nothing (a background tab polling a server for nobody): the check due then is made
 * when the tab comes back, and the time hidden does not count against `timeoutMs`.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: PollOptions, signal: AbortSignal): Promise<PollResult<T>> {
  let deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeoutMs;
  let delay = opts.firstDelayMs;
  let failures = 0;
  while (!signal.aborted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * (opts.backoff ?? 1), opts.maxDelayMs ?? opts.firstDelayMs);
    if (signal.aborted) return STOPPED;
    if (isHidden()) {
      const hiddenAt = Date.now();
      await untilVisible(signal);
      if (signal.aborted) return STOPPED;
      deadline += Date.now() - hiddenAt;
    }
    try {
      const value = await check();
      failures = 0;
      if (signal.aborted) return STOPPED;
      if (value !== undefined) return { state: 'done', value };
    } catch (err) {
      if (signal.aborted) return STOPPED;
      failures += 1;
      opts.onError?.(err, failures);
    }
  }
  return signal.aborted ? STOPPED : { state: 'timeout' };
}

/** `const poll = usePollUntil(); … const result = await poll(check, opts)`: `pollUntil` tied to this component. */
export function usePollUntil() {
  const current = useRef<AbortController | null>(null);
  useEffect(() => () => current.current?.abort(), []);
  return <T>(check: () => Promise<T | undefined>, opts: PollOptions): Promise<PollResult<T>> => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    return pollUntil(check, opts, controller.signal);
  };
}
