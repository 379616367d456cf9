// The full "Log activity" form (type, outcome, notes, when) — also the form that edits an entry.
import { useId, useLayoutEffect } from 'preact/hooks';
import { ACTIVITY_BODY_MAX_CHARS, ACTIVITY_OUTCOMES, ACTIVITY_TYPE_LABELS, SCHEDULABLE_ACTIVITY_TYPES } from '#core/shared/activity-rules.ts';
import { LOGGED_ACTIVITY_TYPES, type LoggedActivityType } from '#core/shared/enums.ts';
import type { Activity } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { Field, TextAreaField } from '../../components/field.tsx';
import { FormError } from '../../components/form-error.tsx';
import type { FieldErrors } from '../../forms.ts';
import { fromLocalInputValue, toLocalInputValue } from '../../reminders-api.ts';
import { useForm } from '../../use-form.ts';

export interface ActivityFormValues {
  type: LoggedActivityType;
  outcome: string;
  body: string;
  occurredAt: string;
}

/** What the form sends: the API's create/update body. */
export interface ActivityFormOutput {
  type: LoggedActivityType;
  outcome: string | null;
  body: string | null;
  occurredAt: string;
}

function initialValues(entry: Pick<Activity, 'type' | 'outcome' | 'body' | 'occurredAt'> | undefined, type: LoggedActivityType): ActivityFormValues {
  return {
    type: (entry?.type as LoggedActivityType | undefined) ?? type,
    outcome: entry?.outcome ?? '',
    body: entry?.body ?? '',
    occurredAt: toLocalInputValue(entry ? new Date(entry.occurredAt) : new Date()),
  };
}

function validate(v: ActivityFormValues): FieldErrors {
  const errors: FieldErrors = {};
  const at = fromLocalInputValue(v.occurredAt);
  if (!at) errors.occurredAt = 'Choose a date and time';
  else if (!SCHEDULABLE_ACTIVITY_TYPES.includes(v.type) && at.getTime() > Date.now() + 5 * 60_000) {
    errors.occurredAt = 'A call, text, email or note cannot be in the future';
  }
  if (v.type === 'note' && !v.body.trim()) errors.body = 'Write the note';
  if (v.body.length > ACTIVITY_BODY_MAX_CHARS) errors.body = `Use at most ${ACTIVITY_BODY_MAX_CHARS} characters`;
  return errors;
}

export function ActivityForm({ entry, initialType = 'call', submitLabel, onSubmit, onCancel }: {
  /** The entry to edit; none: a new one. */
  entry?: Pick<Activity, 'type' | 'outcome' | 'body' | 'occurredAt'>;
  initialType?: LoggedActivityType;
  submitLabel: string;
  onSubmit(values: ActivityFormOutput): Promise<void>;
  onCancel(): void;
}) {
  const prefix = useId();
  const ids = { type: `${prefix}-type`, outcome: `${prefix}-outcome`, body: `${prefix}-body`, occurredAt: `${prefix}-when` };
  const form = useForm({
    initial: () => initialValues(entry, initialType),
    ids,
    validate,
    send: async (v) => {
      await onSubmit({ type: v.type, outcome: v.outcome || null, body: v.body.trim() || null, occurredAt: fromLocalInputValue(v.occurredAt)!.toISOString() });
    },
  });
  useLayoutEffect(() => document.getElementById(ids.type)?.focus(), []);
  const outcomes = ACTIVITY_OUTCOMES[form.values.type];
  // An edited entry may carry an outcome the menu does not offer (logged through the API): keep it choosable.
  const extra = form.values.outcome && !outcomes.some((o) => o.value === form.values.outcome) ? form.values.outcome : null;

  return (
    <form class="form log-form" onSubmit={form.submit} noValidate>
      <FormError problem={form.problem} />
      <div class="log-form-row">
        <div class="field">
          <label class="field-label" for={ids.type}>
            Type
          </label>
          <select
            id={ids.type}
            class="input select"
            value={form.values.type}
            onChange={(e) => {
              const type = e.currentTarget.value as LoggedActivityType;
              form.setValues((v) => ({ ...v, type, outcome: ACTIVITY_OUTCOMES[type].some((o) => o.value === v.outcome) ? v.outcome : '' }));
            }}
          >
            {LOGGED_ACTIVITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {ACTIVITY_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        {(outcomes.length > 0 || extra) && (
          <div class="field">
            <label class="field-label" for={ids.outcome}>
              Outcome
            </label>
            <select id={ids.outcome} class="input select" value={form.values.outcome} onChange={form.set('outcome')}>
              <option value="">—</option>
              {outcomes.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
              {extra && <option value={extra}>{extra}</option>}
            </select>
          </div>
        )}
        <Field label="When" type="datetime-local" required {...form.field('occurredAt')} />
      </div>
      <TextAreaField
        class="field-prose"
        label={form.values.type === 'note' ? 'Note' : 'Notes (optional)'}
        rows={3}
        maxLength={ACTIVITY_BODY_MAX_CHARS}
        {...form.field('body')}
      />
      <div class="form-actions">
        <Button type="submit" size="sm" loading={form.busy} busyLabel="Saving…">
          {submitLabel}
        </Button>
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={form.busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
