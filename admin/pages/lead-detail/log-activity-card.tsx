// "Log what you did": one-click buttons for the usual outcomes of a call or a text, a quick note,
// and the full form (type, outcome, notes, when) — plus when the lead was last contacted, the
// next follow-up and how fast the first inquiry was answered.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ACTIVITY_BODY_MAX_CHARS, QUICK_LOGS } from '#core/shared/activity-rules.ts';
import { errorMessage, type Lead, leadsApi } from '../../api-client.ts';
import { REMINDERS_CHANGED_EVENT } from '../../reminders-api.ts';
import { Button } from '../../components/button.tsx';
import { TextAreaField } from '../../components/field.tsx';
import { callBackAction } from '../../components/call-back-action.ts';
import { showToast } from '../../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../../format.ts';
import { leadDisplayName } from '../../lead-format.ts';
import { ActivityForm } from './activity-form.tsx';
import { logLeadActivity } from './activity-api.ts';
import './lead-activity.css';

type Open = 'none' | 'note' | 'form';

/** "2 min", "1 h 5 min", "3 days". */
export function formatSpeed(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * `onChange` gets the lead read again after a log or a reminder change (its last-contacted time
 * and next follow-up move); a failed read keeps what is shown.
 */
export function LogActivityCard({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const [open, setOpen] = useState<Open>('none');
  // Every activity change also announces REMINDERS_CHANGED_EVENT (a contact may complete a reminder).
  useEffect(() => {
    const refresh = () => {
      leadsApi.get(lead.leadId).then(onChange, () => undefined);
    };
    window.addEventListener(REMINDERS_CHANGED_EVENT, refresh);
    return () => window.removeEventListener(REMINDERS_CHANGED_EVENT, refresh);
  }, [lead.leadId]);
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | null>(null);
  const noteRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (open === 'note') noteRef.current?.querySelector('textarea')?.focus();
  }, [open]);

  const quickLog = async (key: string) => {
    const preset = QUICK_LOGS.find((q) => q.key === key);
    if (!preset || busy) return;
    setBusy(key);
    try {
      await logLeadActivity(lead.leadId, { type: preset.type, ...(preset.outcome ? { outcome: preset.outcome } : {}) });
      const callBack = callBackAction(lead.leadId, leadDisplayName(lead), preset.outcome);
      showToast(`Logged: ${preset.label}.`, 'success', callBack ? 10_000 : undefined, callBack);
    } catch (err) {
      showToast(`Could not log it: ${errorMessage(err)}`, 'error');
    } finally {
      setBusy(null);
    }
  };

  const saveNote = async (e: Event) => {
    e.preventDefault();
    if (!note.trim()) {
      setNoteError('Write the note');
      return;
    }
    setBusy('note');
    setNoteError(null);
    try {
      await logLeadActivity(lead.leadId, { type: 'note', body: note.trim() });
      showToast('Note added.');
      setNote('');
      setOpen('none');
    } catch (err) {
      setNoteError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card" aria-labelledby="log-activity-title">
      <h2 id="log-activity-title" class="card-title">
        Log what you did
      </h2>
      <fieldset class="quick-log">
        <legend class="visually-hidden">Log in one click</legend>
        {QUICK_LOGS.map((q) => (
          <Button key={q.key} variant="secondary" size="sm" loading={busy === q.key} disabled={busy !== null} onClick={() => quickLog(q.key)}>
            {q.label}
          </Button>
        ))}
        <Button variant="secondary" size="sm" aria-expanded={open === 'note'} disabled={busy !== null && busy !== 'note'} onClick={() => setOpen(open === 'note' ? 'none' : 'note')}>
          Note
        </Button>
      </fieldset>
      {open === 'note' && (
        <form class="form quick-note" onSubmit={saveNote} noValidate>
          <div ref={noteRef}>
            <TextAreaField
              class="field-prose"
              label="Note"
              rows={3}
              maxLength={ACTIVITY_BODY_MAX_CHARS}
              value={note}
              error={noteError}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
          <div class="form-actions">
            <Button type="submit" size="sm" loading={busy === 'note'}>
              Save note
            </Button>
            <Button variant="secondary" size="sm" disabled={busy === 'note'} onClick={() => setOpen('none')}>
              Cancel
            </Button>
          </div>
        </form>
      )}
      {open === 'form' ? (
        <ActivityForm
          submitLabel="Log activity"
          onCancel={() => setOpen('none')}
          onSubmit={async (v) => {
            await logLeadActivity(lead.leadId, { type: v.type, occurredAt: v.occurredAt, ...(v.outcome ? { outcome: v.outcome } : {}), ...(v.body ? { body: v.body } : {}) });
            showToast('Activity logged.');
            setOpen('none');
          }}
        />
      ) : (
        <div class="log-more">
          <Button variant="ghost" size="sm" aria-expanded={false} aria-describedby="log-more-hint" onClick={() => setOpen('form')}>
            Log activity…
          </Button>{' '}
          <span id="log-more-hint" class="muted small">
            an email, a meeting, a showing, or another time
          </span>
        </div>
      )}
      <p class="contact-summary">
        <span>
          Last contacted:{' '}
          {lead.lastContactedAt ? (
            <strong>
              <time dateTime={lead.lastContactedAt} title={formatDateTime(lead.lastContactedAt)}>
                {formatRelativeTime(lead.lastContactedAt)}
              </time>
            </strong>
          ) : (
            <strong>not yet</strong>
          )}
        </span>
        <span>
          Next follow-up:{' '}
          {lead.nextFollowUpAt ? (
            <strong>
              <time dateTime={lead.nextFollowUpAt} title={formatDateTime(lead.nextFollowUpAt)}>
                {formatRelativeTime(lead.nextFollowUpAt)}
              </time>
            </strong>
          ) : (
            <strong>none set</strong>
          )}
        </span>
        {lead.speedToLeadSeconds !== null && (
          <span>
            First inquiry answered in <strong>{formatSpeed(lead.speedToLeadSeconds)}</strong>
          </span>
        )}
      </p>
    </section>
  );
}
