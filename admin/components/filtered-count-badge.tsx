// The number of held form submissions beside "Filtered" in the navigation, so a realtor notices a
// flood (and a real inquiry caught in it) without opening the page: asked on load, every minute
// while the tab is visible, on focus, and after a release or delete in this tab.
import { useEffect, useState } from 'preact/hooks';
import { getSession } from '../api-client.ts';
import { FILTERED_CHANGED_EVENT, filteredApi } from '../form-reports-api.ts';

/** How often the count refreshes while the tab is visible. */
export const FILTERED_COUNT_POLL_MS = 60_000;

export function FilteredCountBadge() {
  const [total, setTotal] = useState(0);
  useEffect(() => {
    let stopped = false;
    const refresh = () => {
      if (stopped || document.visibilityState === 'hidden' || !getSession()) return;
      filteredApi.count().then((n) => !stopped && setTotal(n), () => undefined);
    };
    refresh();
    const timer = setInterval(refresh, FILTERED_COUNT_POLL_MS);
    window.addEventListener('focus', refresh);
    window.addEventListener(FILTERED_CHANGED_EVENT, refresh);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
      window.removeEventListener(FILTERED_CHANGED_EVENT, refresh);
    };
  }, []);
  if (!total) return null;
  return (
    <span class="nav-count" data-testid="filtered-count">
      {total}
      <span class="visually-hidden"> held</span>
    </span>
  );
}
