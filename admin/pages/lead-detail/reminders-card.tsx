// A lead's open reminders (due first, then upcoming) and a form to add one. Refreshes when its
// next reminder's time comes and after any reminder change, so "due" shows without a reload.
import { REMINDER_MESSAGE_MAX_CHARS } from '#core/shared/reminder-rules.ts';
import { HOUR_MS } from '#core/shared/time.ts';
import { useEffect, useState } from 'preact/hooks';
import { Button } from '../../components/button.tsx';
import { Field, TextAreaField } from '../../components/field.tsx';
import { FormError } from '../../components/form-error.tsx';
import { LoadError } from '../../components/load-error.tsx';
import { isDueNow, ReminderItem } from '../../components/reminder-item.tsx';
import { Loading } from '../../components/spinner.tsx';
import { showToast } from '../../components/toast.tsx';
import type { FieldErrors } from '../../forms.ts';
import { fromLocalInputValue, REMINDERS_CHANGED_EVENT, remindersApi, toLocalInputValue } from '../../reminders-api.ts';
import { useApi } from '../../use-api.ts';
import { useForm } from '../../use-form.ts';

const IDS = { reminderDate: 'reminder-date', reminderMessage: 'reminder-message' };
/** The form suggests a time this far ahead. */
const DEFAULT_AHEAD_MS = HOUR_MS;
const FIRE_GRACE_MS = 1_500;
const REFRESH_MS = 15_000;

const emptyForm = () => ({ reminderDate: toLocalInputValue(new Date(Date.now() + DEFAULT_AHEAD_MS)), reminderMessage: '' });

function validate(v: ReturnType<typeof emptyForm>): FieldErrors {
  const errors: FieldErrors = {};
  if (!fromLocalInputValue(v.reminderDate)) errors.reminderDate = 'Choose a date and time';
  if (!v.reminderMessage.trim()) errors.reminderMessage = 'Write what to do, e.g. “Call about the Saturday showing”';
  else if (v.reminderMessage.length > REMINDER_MESSAGE_MAX_CHARS) errors.reminderMessage = `Use at most ${REMINDER_MESSAGE_MAX_CHARS} characters`;
  return errors;
}

export function RemindersCard({ leadId }: { leadId: string }) {
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);
  const open = useApi(async (signal) => {
    const [due, upcoming] = await Promise.all([
      remindersApi.list({ status: 'due', lead: leadId }, null, { signal, limit: 50 }),
      remindersApi.list({ status: 'upcoming', lead: leadId }, null, { signal, limit: 50 }),
    ]);
    return [...due.items, ...upcoming.items];
  }, [leadId, tick]);

  useEffect(() => {
    const timer = setInterval(() => document.visibilityState !== 'hidden' && refresh(), REFRESH_MS);
    window.addEventListener(REMINDERS_CHANGED_EVENT, refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener(REMINDERS_CHANGED_EVENT, refresh);
    };
  }, []);
  // The next one still ahead (one past its time, its job late, shows due already: waking for it would ask every 250 ms).
  const next = open.data?.find((r) => r.status === 'pending' && !isDueNow(r))?.reminderDate;
  useEffect(() => {
    if (!next) return;
    const wait = new Date(next).getTime() - Date.now() + FIRE_GRACE_MS;
    if (wait > REFRESH_MS) return;
    const timer = setTimeout(refresh, Math.max(wait, 250));
    return () => clearTimeout(timer);
  }, [next, tick]);

  const form = useForm({
    initial: emptyForm,
    ids: IDS,
    validate,
    send: async (v) => {
      await remindersApi.create(leadId, { reminderDate: fromLocalInputValue(v.reminderDate)!.toISOString(), reminderMessage: v.reminderMessage.trim() });
      form.setValues(emptyForm);
      showToast('Reminder set.');
    },
  });

  const items = open.data ?? [];
  return (
    <section class="card" aria-labelledby="lead-reminders-title">
      <h2 id="lead-reminders-title" class="card-title">
        Reminders
      </h2>
      {open.error && !open.data ? (
        <LoadError title="Could not load this lead’s reminders" onRetry={open.reload}>
          Check your connection and try again.
        </LoadError>
      ) : open.data === undefined ? (
        <Loading label="Loading reminders…" />
      ) : items.length === 0 ? (
        <p class="muted small">No open reminders for this lead.</p>
      ) : (
        <ul class="reminder-list">
          {items.map((r) => (
            <ReminderItem key={r.reminderId} reminder={r} showLead={false} onChanged={refresh} />
          ))}
        </ul>
      )}
      <form class="form reminder-form" onSubmit={form.submit} noValidate>
        <FormError problem={form.problem} />
        <Field label="When" type="datetime-local" required {...form.field('reminderDate')} />
        <TextAreaField label="What to do" rows={2} maxLength={REMINDER_MESSAGE_MAX_CHARS} required {...form.field('reminderMessage')} />
        <div class="form-actions">
          <Button type="submit" loading={form.busy} busyLabel="Setting…">
            Set reminder
          </Button>
        </div>
      </form>
    </section>
  );
}
