// The optional browser notifications of live updates (Settings): off by default, kept in this
// browser only, and only shown while the admin is open in a tab (docs/live-updates.md).
import { useState } from 'preact/hooks';
import { LIVE_NOTIFY_KEY } from '../use-live-events.ts';
import { CheckboxField } from './field.tsx';

function supported(): boolean {
  return typeof Notification !== 'undefined';
}

function stored(): boolean {
  try {
    return localStorage.getItem(LIVE_NOTIFY_KEY) === 'on';
  } catch {
    return false;
  }
}

export function LiveNotificationsToggle() {
  const [on, setOn] = useState(() => supported() && stored() && Notification.permission === 'granted');
  const [problem, setProblem] = useState<string | null>(null);
  if (!supported()) return null;

  const change = async (wanted: boolean) => {
    setProblem(null);
    if (wanted && Notification.permission !== 'granted') {
      const answer = await Notification.requestPermission();
      if (answer !== 'granted') {
        setProblem('The browser did not allow notifications. You can allow them in its site settings, then try again.');
        return;
      }
    }
    try {
      localStorage.setItem(LIVE_NOTIFY_KEY, wanted ? 'on' : 'off');
    } catch {
      // private mode: the choice lasts until the tab closes
    }
    setOn(wanted);
  };

  return (
    <section class="card settings-form" aria-labelledby="live-notifications-title">
      <h2 class="card-title" id="live-notifications-title">
        Browser notifications
      </h2>
      <CheckboxField
        id="settings-live-notifications"
        label="Notify me in this browser about new leads and due reminders"
        hint="Only while Porchlight is open in a tab. Saved in this browser, not your account."
        checked={on}
        error={problem ?? undefined}
        onChange={(e) => void change(e.currentTarget.checked)}
      />
    </section>
  );
}
