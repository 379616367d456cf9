// The states of data from `useApi`, shown one way on every page: a spinner until there is an
// answer for what the page asks now (an answer for an earlier filter or cursor is not shown as
// this one), the error with "Try again" whenever the last request failed (above the data when
// that data still answers the same question, a failed reload), and `children(data)` once there
// is data (kept on screen while a reload runs; `refreshing` tells it so).
import type { ComponentChildren } from 'preact';
import { errorMessage } from '../api-client.ts';
import type { ApiState } from '../use-api.ts';
import { LoadError } from './load-error.tsx';
import { Loading } from './spinner.tsx';

export function Loaded<T>({ state, loadingLabel, errorTitle, children }: {
  state: ApiState<T>;
  /** "Loading sites…" */
  loadingLabel: string;
  /** "Could not load your sites" */
  errorTitle: string;
  children(data: T, refreshing: boolean): ComponentChildren;
}) {
  const current = state.data !== undefined && !state.stale;
  const failed = state.error && (
    <LoadError title={errorTitle} onRetry={state.reload}>
      {errorMessage(state.error)}
    </LoadError>
  );
  if (current) {
    return (
      <>
        {failed}
        {children(state.data as T, state.loading)}
      </>
    );
  }
  return failed || <Loading label={loadingLabel} />;
}
