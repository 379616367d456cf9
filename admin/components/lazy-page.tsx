// Code-splitting for heavy pages (Analytics pulls in the charting library): the page's chunk is
// fetched the first time its route renders, with a loading state and a retry if the fetch fails.
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { RouteProps } from '../router.tsx';
import { LoadError } from './load-error.tsx';
import { Loading } from './spinner.tsx';

export function lazyPage(load: () => Promise<FunctionComponent<RouteProps>>, label: string): FunctionComponent<RouteProps> {
  let loaded: FunctionComponent<RouteProps> | null = null;
  let pending: Promise<FunctionComponent<RouteProps>> | null = null;
  const fetchPage = () => {
    pending ??= load().then(
      (page) => {
        loaded = page;
        return page;
      },
      (err: unknown) => {
        pending = null;
        throw err;
      },
    );
    return pending;
  };

  return function LazyPage(props: RouteProps) {
    const [Page, setPage] = useState<FunctionComponent<RouteProps> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (Page) return;
      let live = true;
      fetchPage().then(
        (page) => live && setPage(() => page),
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (Page) return <Page {...props} />;
    if (failed) {
      return (
        <LoadError
          title="Could not load this page"
          onRetry={() => {
            setFailed(false);
            setAttempt((n) => n + 1);
          }}
        >
          Check your connection and try again.
        </LoadError>
      );
    }
    return <Loading label={label} />;
  };
}
