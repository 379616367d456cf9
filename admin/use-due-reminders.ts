// The number of due reminders for the navigation: asked on load, every minute while the tab is
// visible, when the tab comes back into focus, and after any reminder change in this tab. One
// small count query each time (GET /v1/reminders/summary), and the first few upcoming reminders
// (GET /v1/reminders?status=upcoming, soonest first): those whose time has passed without their
// job firing yet (the worker down) are due for the realtor too, as the Reminders page shows them.
import { useState } from 'preact/hooks';
import { getSession } from './api-client.ts';
import { isDueNow, isOverdueNow } from './components/reminder-item.tsx';
import { REMINDERS_CHANGED_EVENT, type ReminderSummary, remindersApi } from './reminders-api.ts';
import { usePollWhileVisible } from './use-poll-while-visible.ts';

/** How often the count refreshes while the tab is visible. */
export const DUE_COUNT_POLL_MS = 60_000;
/** How many of the soonest upcoming reminders are looked at for ones past their time (normally none). */
const LATE_SCAN = 20;

export function useDueReminders(): ReminderSummary | null {
  const [summary, setSummary] = useState<ReminderSummary | null>(null);
  usePollWhileVisible(
    async (signal) => {
      if (!getSession()) return;
      const [s, upcoming] = await Promise.all([
        remindersApi.summary({ signal }),
        remindersApi.list({ status: 'upcoming' }, null, { signal, limit: LATE_SCAN }),
      ]);
      const now = Date.now();
      const late = upcoming.items.filter((r) => isDueNow(r, now));
      if (!signal.aborted) setSummary({ due: s.due + late.length, overdue: s.overdue + late.filter((r) => isOverdueNow(r, now)).length });
    },
    DUE_COUNT_POLL_MS,
    { refreshOn: [REMINDERS_CHANGED_EVENT] },
  );
  return summary;
}
