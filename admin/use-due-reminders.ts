// The number of due reminders for the navigation: asked on load, every minute while the tab is
// visible, when the tab comes back into focus, and after any reminder change in this tab. One
// small count query each time (GET /v1/reminders/summary).
import { useState } from 'preact/hooks';
import { getSession } from './api-client.ts';
import { REMINDERS_CHANGED_EVENT, type ReminderSummary, remindersApi } from './reminders-api.ts';
import { usePollWhileVisible } from './use-poll-while-visible.ts';

/** How often the count refreshes while the tab is visible. */
export const DUE_COUNT_POLL_MS = 60_000;

export function useDueReminders(): ReminderSummary | null {
  const [summary, setSummary] = useState<ReminderSummary | null>(null);
  usePollWhileVisible(
    async (signal) => {
      if (!getSession()) return;
      const s = await remindersApi.summary({ signal });
      if (!signal.aborted) setSummary(s);
    },
    DUE_COUNT_POLL_MS,
    { refreshOn: [REMINDERS_CHANGED_EVENT] },
  );
  return summary;
}
