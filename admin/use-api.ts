// Loading data for a page: state for loading / error / data, aborted when the page goes away.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api-client.ts';

export interface ApiState<T> {
  data: T | undefined;
  /** An ApiError (status, code, message) or any other Error. */
  error: ApiError | Error | null;
  loading: boolean;
  /** Loads again (keeps showing the current data meanwhile). */
  reload(): void;
  /** Replaces the data locally, e.g. with the answer of a PATCH. */
  setData(data: T): void;
}

/** `useApi((signal) => sitesApi.list({ signal }), [])`: runs the loader whenever `deps` change. */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}
