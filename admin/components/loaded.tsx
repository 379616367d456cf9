// The first-load states of data from `useApi`, shown one way on every page: a spinner while the
// first answer is on its way, the error with "Try again" when it failed, and `children(data)`
// once there is data (kept on screen while a reload runs; `refreshing` tells it so).
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
  if (state.data !== undefined) return <>{children(state.data, state.loading)}</>;
  if (state.loading || !state.error) return <Loading label={loadingLabel} />;
  return (
    <LoadError title={errorTitle} onRetry={state.reload}>
      {errorMessage(state.error)}
    </LoadError>
  );
}
