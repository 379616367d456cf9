// Keeping a small piece of server state fresh while the realtor looks at it (a count in the
// navigation, a site's install status): asked at once, then `intervalMs` after each answer, never
// while the tab is hidden, and at once when the tab comes back or one of `refreshOn` fires.
// Contrast `usePollUntil`, which waits for one background task to finish and then stops.
import { useEffect, useRef } from 'preact/hooks';

export interface PollWhileVisibleOptions {
  /** Window events that ask again at once (e.g. REMINDERS_CHANGED_EVENT). Default: none. */
  refreshOn?: readonly string[];
  /** Restart polling when these change (e.g. the site id). Default: never. */
  deps?: readonly unknown[];
}

/**
 * Calls `load` now and every `intervalMs` while the tab is visible; returns a function that asks
 * again at once. A failed `load` (a network blip) is left to the next round. `load` gets a signal
 * that aborts when the component goes away: check it before storing an answer.
 */
export function usePollWhileVisible(load: (signal: AbortSignal) => Promise<unknown>, intervalMs: number, { refreshOn = [], deps = [] }: PollWhileVisibleOptions = {}): () => void {
  const latest = useRef(load);
  latest.current = load;
  const refresh = useRef<() => void>(() => undefined);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    let again = false;
    // One chain of rounds: a refresh while a request is out waits for it, so two never overlap.
    const run = async () => {
      if (controller.signal.aborted) return;
      if (inFlight) {
        again = true;
        return;
      }
      clearTimeout(timer);
      if (document.visibilityState !== 'hidden') {
        inFlight = true;
        try {
          await latest.current(controller.signal);
        } catch {
          // a network blip: the next round tries again
        } finally {
          inFlight = false;
        }
      }
      if (controller.signal.aborted) return;
      if (again) {
        again = false;
        void run();
      } else timer = setTimeout(run, intervalMs);
    };
    // The tab came back (browsers fire both visibilitychange and focus): a request already out
    // answers for it, so this one does not queue another as a refresh would.
    const onReturn = () => {
      if (document.visibilityState !== 'hidden' && !inFlight) void run();
    };
    const onRefresh = () => void run();
    refresh.current = onRefresh;
    void run();
    window.addEventListener('focus', onReturn);
    document.addEventListener('visibilitychange', onReturn);
    for (const name of refreshOn) window.addEventListener(name, onRefresh);
    return () => {
      controller.abort();
      clearTimeout(timer);
      window.removeEventListener('focus', onReturn);
      document.removeEventListener('visibilitychange', onReturn);
      for (const name of refreshOn) window.removeEventListener(name, onRefresh);
    };
  }, [intervalMs, ...deps]);
  return () => refresh.current();
}
