// "Log" in one click from a list, a card or Today: Called — no answer, Left voicemail, Talked,
// Texted, or a Note (POST /v1/leads/:id/activities). A small menu on the native popover pattern
// of the reminders' Snooze: Escape or a click outside closes it; errors stay beside the button.
import { useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { QUICK_LOGS } from '#core/shared/activity-rules.ts';
import { errorMessage } from '../api-client.ts';
import { type Activity, type LogActivityInput, workdayApi } from '../workday-api.ts';
import { Button } from './button.tsx';
import { focusInMenu, focusMenuButton, menuButton } from './menu-focus.ts';
import { callBackAction } from './call-back-action.ts';
import { showToast } from './toast.tsx';

/** The one-click choices (core/shared/activity-rules.ts: the same presets as the lead page's buttons). */
const QUICK_LOG_CHOICES: ReadonlyArray<{ label: string; input: LogActivityInput }> = QUICK_LOGS.map((q) => ({
  label: q.label,
  input: { type: q.type, ...(q.outcome ? { outcome: q.outcome } : {}) },
}));

export function QuickLog({ leadId, leadName, onLogged, size = 'sm' }: { leadId: string; leadName: string; onLogged?(activity: Activity): void; size?: 'sm' | 'md' }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const noteId = useId();

  // A layout effect: the listeners are in place when the menu is on screen. After paint (useEffect)
  // an Escape pressed at once — a fast keyboard user, a busy machine — found none and the menu stayed open.
  useLayoutEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) {
        if (e instanceof KeyboardEvent) focusMenuButton(ref.current);
        setOpen(false);
        setNote(null);
      }
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  // A choice made from the keyboard: once logged (Log is disabled meanwhile), the focus goes back
  // to Log rather than to the top of the page with the menu.
  const refocus = useRef(false);
  useLayoutEffect(() => {
    if (open || busy || !refocus.current) return;
    refocus.current = false;
    menuButton(ref.current)?.focus();
  }, [open, busy]);

  const log = async (label: string, input: LogActivityInput) => {
    refocus.current = focusInMenu(ref.current);
    setBusy(true);
    setError(null);
    try {
      const activity = await workdayApi.logActivity(leadId, input);
      setOpen(false);
      setNote(null);
      const callBack = callBackAction(leadId, leadName, input.outcome);
      showToast(`Logged “${label}” for ${leadName}.`, 'success', callBack ? 10_000 : undefined, callBack);
      onLogged?.(activity);
    } catch (err) {
      refocus.current = false; // the menu stays open, its choice with it
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="menu quick-log" ref={ref}>
      <Button size={size} variant="secondary" aria-haspopup="true" aria-expanded={open} onClick={() => setOpen(!open)} loading={busy} aria-label={`Log an activity for ${leadName}`}>
        Log
      </Button>
      {open && (
        <fieldset class="menu-popover">
          <legend class="visually-hidden">Log for {leadName}</legend>
          {QUICK_LOG_CHOICES.map((c) => (
            <button type="button" class="menu-item" key={c.label} disabled={busy} onClick={() => log(c.label, c.input)}>
              {c.label}
            </button>
          ))}
          {note === null ? (
            <button type="button" class="menu-item" disabled={busy} onClick={() => setNote('')}>
              Note…
            </button>
          ) : (
            <form
              class="menu-custom quick-log-note"
              onSubmit={(e) => {
                e.preventDefault();
                if (!note.trim()) {
                  setError('Write the note first');
                  return;
                }
                void log('Note', { type: 'note', body: note.trim() });
              }}
            >
              <label class="visually-hidden" for={noteId}>
                Note
              </label>
              <textarea id={noteId} class="input" rows={3} maxLength={5000} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder="What happened?" />
              <Button size="sm" type="submit" disabled={busy}>
                Save note
              </Button>
            </form>
          )}
        </fieldset>
      )}
      {error && (
        <p class="field-error quick-log-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
