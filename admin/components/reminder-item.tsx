// One reminder in a list: what to do, for whom, when — and complete / snooze / dismiss in place,
// each with its own busy state and an error that stays beside the reminder it is about. Each acts
// at once and offers itself back for a few seconds ("Undo" on the notice), the same wherever a
// reminder is shown (Reminders, Today, a lead's page), since they all render this item.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { REMINDER_OVERDUE_AFTER_MS } from '#core/shared/reminder-rules.ts';
import { HOUR_MS } from '#core/shared/time.ts';
import { errorMessage } from '../api-client.ts';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import { leadDisplayName } from '../lead-format.ts';
import { fromLocalInputValue, REMINDERS_CHANGED_EVENT, type Reminder, remindersApi, type SnoozeInput, toLocalInputValue } from '../reminders-api.ts';
import { Link } from '../router.tsx';
import { Badge } from './badge.tsx';
import { Button } from './button.tsx';
import { PhoneLink } from './contact-actions.tsx';
import { focusMenuButton } from './menu-focus.ts';
import { showToast } from './toast.tsx';

type Action = 'complete' | 'dismiss' | 'snooze';

/** How long the notice after Complete, Snooze or Dismiss ("Reminder done: … · Undo") stays on screen. */
export const UNDO_MS = 8000;
/**
 * An undo can give a reminder that never fired a time already past (a pending one whose job had
 * not run yet): it is pending until its job fires it (at once) — after this long the lists and the
 * count look again and see it due. A due one comes back due (reopen, unsnooze), not fired again.
 */
const REFIRE_GRACE_MS = 1500;

/** A reminder's message as a notice quotes it. */
function quote(message: string): string {
  return message.length > 60 ? `${message.slice(0, 59)}…` : message;
}

/** The presets, each with the time it moves a reminder to (tomorrow 9:00 in the browser's zone; the API uses the realtor's). */
const SNOOZE_CHOICES: Array<{ label: string; input: SnoozeInput; at: (now: number) => number }> = [
  { label: '15 minutes', input: { for: '15m' }, at: (now) => now + 15 * 60_000 },
  { label: '1 hour', input: { for: '1h' }, at: (now) => now + HOUR_MS },
  { label: 'Tomorrow 9:00', input: { for: 'tomorrow' }, at: (now) => new Date(new Date(now).setHours(24 + 9, 0, 0, 0)).getTime() },
];

/**
 * Open, and its time has come. The API calls a reminder `due` once its job has fired it; one whose
 * time has passed while it is still `pending` (the worker was down, or its job is a few seconds
 * late — docs/reminders.md, "States") is due all the same for the realtor: it shows as due
 * ("Due · 2 hours ago"), in the Due section and the navigation count, never as upcoming.
 */
export function isDueNow(r: Reminder, now: number = Date.now()): boolean {
  return r.status === 'due' || (r.status === 'pending' && new Date(r.reminderDate).getTime() <= now);
}

/** Due (isDueNow) and its time more than REMINDER_OVERDUE_AFTER_MS ago: the API's `overdue`, also for one not fired yet. */
export function isOverdueNow(r: Reminder, now: number = Date.now()): boolean {
  return r.overdue || (r.status === 'pending' && new Date(r.reminderDate).getTime() < now - REMINDER_OVERDUE_AFTER_MS);
}

function statusBadge(r: Reminder, now: number) {
  if (isDueNow(r, now)) return isOverdueNow(r, now) ? <Badge tone="danger">Overdue</Badge> : <Badge tone="warning">Due</Badge>;
  if (r.status === 'pending') return <Badge tone="info">Upcoming</Badge>;
  if (r.status === 'done') return <Badge tone="success">Done</Badge>;
  return <Badge tone="neutral">Dismissed</Badge>;
}

function whenText(r: Reminder, now: number): string {
  if (r.status === 'done' || r.status === 'dismissed') return `${r.status === 'done' ? 'Done' : 'Dismissed'} ${formatRelativeTime(r.completedAt ?? r.reminderDate, now)}`;
  if (isDueNow(r, now)) return `Due ${formatRelativeTime(r.reminderDate, now)}`;
  return formatRelativeTime(r.reminderDate, now);
}

export interface ReminderItemProps {
  reminder: Reminder;
  /** Show the lead's name as a link (the Reminders page); off on the lead's own page. */
  showLead?: boolean;
  /** The reminder after an action (its new state). */
  onChanged(reminder: Reminder): void;
}

export function ReminderItem({ reminder: r, showLead = true, onChanged }: ReminderItemProps) {
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [custom, setCustom] = useState<string | null>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const itemRef = useRef<HTMLLIElement>(null);
  const open = r.status === 'pending' || r.status === 'due';

  // A layout effect: the listeners are in place when the menu is on screen. After paint (useEffect)
  // an Escape pressed at once — a fast keyboard user, a busy machine — found none and the menu stayed open.
  useLayoutEffect(() => {
    if (!menuOpen) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !menuRef.current?.contains(e.target as Node)) {
        // Escape from a choice: the focus goes back to Snooze, not to the top of the page with the menu.
        if (e instanceof KeyboardEvent) focusMenuButton(menuRef.current);
        setMenuOpen(false);
        setCustom(null);
      }
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [menuOpen]);

  const run = async (action: Action, call: () => Promise<Reminder>) => {
    setBusy(action);
    setError(null);
    try {
      const updated = await call();
      setMenuOpen(false);
      setCustom(null);
      onChanged(updated);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  // The notice offering a change back. The undo outlives this item (the reminder leaves its list),
  // so it reports through the page's onChanged; a keyboard user lands on its button (toast.tsx).
  const offerUndo = (message: string, undo: () => Promise<Reminder>, undone: string) =>
    showToast(message, 'info', UNDO_MS, {
      label: 'Undo',
      takeFocusFrom: itemRef.current,
      run: async () => {
        try {
          const restored = await undo();
          onChanged(restored);
          showToast(undone);
          if (restored.status === 'pending' && new Date(restored.reminderDate).getTime() <= Date.now()) {
            setTimeout(() => window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT)), REFIRE_GRACE_MS);
          }
        } catch (err) {
          showToast(`Could not undo: ${errorMessage(err)}`, 'error');
        }
      },
    });
  // Done and dismissed come back as they were (due, or pending at their time): POST …/reopen.
  const complete = () =>
    run('complete', async () => {
      const done = await remindersApi.complete(r.reminderId);
      offerUndo(`Reminder done: ${quote(r.reminderMessage)}`, () => remindersApi.reopen(r.reminderId), 'Reminder open again.');
      return done;
    });
  const dismiss = () =>
    run('dismiss', async () => {
      const dismissed = await remindersApi.dismiss(r.reminderId);
      offerUndo(`Reminder dismissed: ${quote(r.reminderMessage)}`, () => remindersApi.reopen(r.reminderId), 'Reminder open again.');
      return dismissed;
    });
  // A snooze comes back as the snooze found it (the server keeps that: due stays fired, not fired again).
  const snooze = (input: SnoozeInput) =>
    run('snooze', async () => {
      const snoozed = await remindersApi.snooze(r.reminderId, input);
      offerUndo(
        `Reminder snoozed until ${formatDateTime(snoozed.reminderDate)}: ${quote(r.reminderMessage)}`,
        () => remindersApi.unsnooze(r.reminderId, snoozed.reminderDate),
        'Snooze undone.',
      );
      return snoozed;
    });
  const snoozeCustom = (e: Event) => {
    e.preventDefault();
    const until = custom ? fromLocalInputValue(custom) : null;
    if (!until || until.getTime() <= Date.now()) {
      setError('Choose a time in the future');
      return;
    }
    void snooze({ until: until.toISOString() });
  };

  const now = Date.now();
  return (
    <li ref={itemRef} class={`reminder${isOverdueNow(r, now) ? ' is-overdue' : ''}${isDueNow(r, now) ? ' is-due' : ''}`} data-reminder-id={r.reminderId} data-status={r.status}>
      <div class="reminder-main">
        <div class="reminder-head">
          {statusBadge(r, now)}
          {r.kind === 'auto' && <Badge tone="neutral">Automatic</Badge>}
          <time class="reminder-when" dateTime={r.reminderDate} title={formatDateTime(r.reminderDate)}>
            {whenText(r, now)}
          </time>
        </div>
        <p class="reminder-message">{r.reminderMessage}</p>
        {showLead && (
          <p class="reminder-lead small">
            <Link href={`/leads/${r.leadId}`}>{leadDisplayName({ name: r.leadName, email: r.leadEmail, phone: r.leadPhone })}</Link>
            {r.leadPhone && (
              <>
                {' · '}
                <PhoneLink phone={r.leadPhone} />
              </>
            )}
          </p>
        )}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {open && (
        <div class="reminder-actions">
          <Button size="sm" onClick={complete} loading={busy === 'complete'} disabled={busy !== null}>
            Complete
          </Button>
          <div class="menu" ref={menuRef}>
            <Button size="sm" variant="secondary" aria-haspopup="true" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)} loading={busy === 'snooze'} disabled={busy !== null}>
              Snooze
            </Button>
            {menuOpen && (
              <fieldset class="menu-popover">
                <legend class="visually-hidden">Snooze for</legend>
                {/* Only presets that move it later: the API never brings a reminder forward (one due next week keeps its time). */}
                {SNOOZE_CHOICES.filter((c) => c.at(now) > new Date(r.reminderDate).getTime()).map((c) => (
                  <button type="button" class="menu-item" key={c.label} onClick={() => snooze(c.input)} disabled={busy !== null}>
                    {c.label}
                  </button>
                ))}
                {custom === null ? (
                  <button type="button" class="menu-item" onClick={() => setCustom(toLocalInputValue(new Date(Date.now() + 2 * HOUR_MS)))}>
                    Pick a time…
                  </button>
                ) : (
                  <form class="menu-custom" onSubmit={snoozeCustom}>
                    <label class="visually-hidden" for={`snooze-${r.reminderId}`}>
                      Snooze until
                    </label>
                    <input id={`snooze-${r.reminderId}`} class="input" type="datetime-local" value={custom} onInput={(e) => setCustom(e.currentTarget.value)} />
                    <Button size="sm" type="submit" disabled={busy !== null}>
                      Snooze
                    </Button>
                  </form>
                )}
              </fieldset>
            )}
          </div>
          <Button size="sm" variant="ghost" onClick={dismiss} loading={busy === 'dismiss'} disabled={busy !== null}>
            Dismiss
          </Button>
        </div>
      )}
    </li>
  );
}
