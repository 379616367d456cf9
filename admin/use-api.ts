// Loading data for a page: state for loading / error / data, aborted when the page goes away.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api-client.ts';

export interface ApiState<T> {
  /** The last answer, kept while a reload or a new request runs (see `stale`). */
  data: T | undefined;
  /** An ApiError (status, code, message) or any other Error, for the current `deps` only. */
  error: ApiError | Error | null;
  /** A request for the current `deps` is on its way (a reload, or new `deps` not answered yet). */
  loading: boolean;
  /**
   * `data` answers other `deps` than the current ones (a filter or cursor changed and its answer
   * has not come, or failed): it is not the answer to what the page asks now. `Loaded` hides it.
   */
  stale: boolean;
  /** Loads the same `deps` again (keeps showing the current data meanwhile: `stale` stays false). */
  reload(): void;
  /** Replaces the data locally for the current `deps`, e.g. with the answer of a PATCH. */
  setData(data: T): void;
}

interface Held<T> {
  data: T | undefined;
  /** The deps `data` was loaded for. */
  dataDeps: readonly unknown[] | null;
  error: ApiError | Error | null;
  /** The deps of the last request that answered or failed. */
  settledDeps: readonly unknown[] | null;
  loading: boolean;
}

const sameDeps = (a: readonly unknown[] | null, b: readonly unknown[]) => a !== null && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/**
 * `useApi((signal) => sitesApi.list({ signal }), [])`: runs the loader whenever `deps` change.
 * `deps` name what is asked (an id, a filter, a cursor): the previous answer is then `stale`. To
 * ask for the same thing again (after a change, on a timer) call `reload()` instead.
 */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): ApiState<T> {
  const [held, setHeld] = useState<Held<T>>({ data: undefined, dataDeps: null, error: null, settledDeps: null, loading: true });
  const [tick, setTick] = useState(0);
  const currentDeps = useRef(deps);
  currentDeps.current = deps;

  useEffect(() => {
    const controller = new AbortController();
    const asked = deps;
    setHeld((h) => ({ ...h, loading: true, error: null }));
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setHeld({ data: value, dataDeps: asked, error: null, settledDeps: asked, loading: false });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setHeld((h) => ({ ...h, error: err instanceof Error ? err : new Error(String(err)), settledDeps: asked, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((data: T) => setHeld((h) => ({ ...h, data, dataDeps: currentDeps.current })), []);
  // Judged at render, not in the effect: the first render after a filter changes already knows
  // that the data on hand answers the old filter.
  const settled = sameDeps(held.settledDeps, deps);
  return {
    data: held.data,
    error: settled ? held.error : null,
    loading: held.loading || !settled,
    stale: held.data !== undefined && !sameDeps(held.dataDeps, deps),
    reload,
    setData,
  };
}
