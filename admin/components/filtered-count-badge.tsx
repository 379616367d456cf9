// The number of held form submissions beside "Filtered" in the navigation, so a realtor notices a
// flood (and a real inquiry caught in it) without opening the page: asked on load, every minute
// while the tab is visible, when the tab comes back, and after a release or delete in this tab.
import { useState } from 'preact/hooks';
import { getSession } from '../api-client.ts';
import { FILTERED_CHANGED_EVENT, filteredApi } from '../form-reports-api.ts';
import { usePollWhileVisible } from '../use-poll-while-visible.ts';

/** How often the count refreshes while the tab is visible. */
export const FILTERED_COUNT_POLL_MS = 60_000;

export function FilteredCountBadge() {
  const [total, setTotal] = useState(0);
  usePollWhileVisible(
    async (signal) => {
      if (!getSession()) return;
      const n = await filteredApi.count({ signal });
      if (!signal.aborted) setTotal(n);
    },
    FILTERED_COUNT_POLL_MS,
    { refreshOn: [FILTERED_CHANGED_EVENT] },
  );
  if (!total) return null;
  return (
    <span class="nav-count" data-testid="filtered-count">
      {total}
      <span class="visually-hidden"> held</span>
    </span>
  );
}
