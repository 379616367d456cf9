// The number of due reminders for the navigation: asked on load, every minute while the tab is
// visible, when the tab comes back into focus, and after any reminder change in this tab. One
// small count query each time (GET /v1/reminders/summary).
import { useEffect, useState } from 'preact/hooks';
import { getSession } from './api-client.ts';
import { REMINDERS_CHANGED_EVENT, type ReminderSummary, remindersApi } from './reminders-api.ts';

/** How often the count refreshes while the tab is visible. */
export const DUE_COUNT_POLL_MS = 60_000;

export function useDueReminders(): ReminderSummary | null {
  const [summary, setSummary] = useState<ReminderSummary | null>(null);
  useEffect(() => {
    let stopped = false;
    const refresh = () => {
      if (stopped || document.visibilityState === 'hidden' || !getSession()) return;
      remindersApi.summary().then((s) => !stopped && setSummary(s), () => undefined);
    };
    refresh();
    const timer = setInterval(refresh, DUE_COUNT_POLL_MS);
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', refresh);
    window.addEventListener(REMINDERS_CHANGED_EVENT, refresh);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', refresh);
      window.removeEventListener(REMINDERS_CHANGED_EVENT, refresh);
    };
  }, []);
  return summary;
}
