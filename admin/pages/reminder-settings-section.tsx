// The automatic-reminder rules: "lead turned hot → call within N minutes" and "inquiry
// unanswered for N hours", each switched on or off and tuned. They apply to what happens next.
import {
  HOT_LEAD_DELAY_MINUTES_MAX, HOT_LEAD_DELAY_MINUTES_MIN, INQUIRY_UNANSWERED_HOURS_MAX, INQUIRY_UNANSWERED_HOURS_MIN,
} from '#core/shared/reminder-rules.ts';
import { useEffect } from 'preact/hooks';
import { Button } from '../components/button.tsx';
import { CheckboxField, Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { LoadError } from '../components/load-error.tsx';
import { Loading } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import type { FieldErrors } from '../forms.ts';
import { type ReminderSettings, remindersApi } from '../reminders-api.ts';
import { useApi } from '../use-api.ts';
import { useForm } from '../use-form.ts';

const IDS = {
  hotLeadEnabled: 'auto-hot-enabled',
  hotLeadDelayMinutes: 'auto-hot-minutes',
  inquiryUnansweredEnabled: 'auto-inquiry-enabled',
  inquiryUnansweredHours: 'auto-inquiry-hours',
};

interface Values {
  hotLeadEnabled: boolean;
  hotLeadDelayMinutes: string;
  inquiryUnansweredEnabled: boolean;
  inquiryUnansweredHours: string;
}

const toValues = (s: ReminderSettings): Values => ({
  ...s, hotLeadDelayMinutes: String(s.hotLeadDelayMinutes), inquiryUnansweredHours: String(s.inquiryUnansweredHours),
});

function wholeIn(value: string, min: number, max: number): boolean {
  const n = Number(value);
  return /^\d+$/.test(value.trim()) && n >= min && n <= max;
}

function validate(v: Values): FieldErrors {
  const errors: FieldErrors = {};
  if (!wholeIn(v.hotLeadDelayMinutes, HOT_LEAD_DELAY_MINUTES_MIN, HOT_LEAD_DELAY_MINUTES_MAX)) {
    errors.hotLeadDelayMinutes = `Use whole minutes from ${HOT_LEAD_DELAY_MINUTES_MIN} to ${HOT_LEAD_DELAY_MINUTES_MAX}`;
  }
  if (!wholeIn(v.inquiryUnansweredHours, INQUIRY_UNANSWERED_HOURS_MIN, INQUIRY_UNANSWERED_HOURS_MAX)) {
    errors.inquiryUnansweredHours = `Use whole hours from ${INQUIRY_UNANSWERED_HOURS_MIN} to ${INQUIRY_UNANSWERED_HOURS_MAX}`;
  }
  return errors;
}

export function ReminderSettingsSection() {
  const settings = useApi((signal) => remindersApi.settings({ signal }), []);
  return (
    <section class="card reminder-settings" aria-labelledby="auto-reminders-title">
      <h2 id="auto-reminders-title" class="card-title">
        Automatic reminders
      </h2>
      <p class="muted small">
        Porchlight can remind you to act. A lead never has two open automatic reminders of the same kind, and changing your scoring
        rules never creates them in bulk.
      </p>
      {settings.data ? (
        <SettingsForm initial={settings.data} onSaved={settings.setData} />
      ) : settings.error ? (
        <LoadError title="Could not load your automatic reminders" onRetry={settings.reload}>
          Check your connection and try again.
        </LoadError>
      ) : (
        <Loading label="Loading settings…" />
      )}
    </section>
  );
}

function SettingsForm({ initial, onSaved }: { initial: ReminderSettings; onSaved(s: ReminderSettings): void }) {
  const form = useForm<Values>({
    initial: () => toValues(initial),
    ids: IDS,
    validate,
    send: async (v) => {
      const saved = await remindersApi.saveSettings({
        hotLeadEnabled: v.hotLeadEnabled,
        hotLeadDelayMinutes: Number(v.hotLeadDelayMinutes),
        inquiryUnansweredEnabled: v.inquiryUnansweredEnabled,
        inquiryUnansweredHours: Number(v.inquiryUnansweredHours),
      });
      onSaved(saved);
      showToast('Automatic reminders saved.');
    },
  });
  useEffect(() => form.setValues(() => toValues(initial)), [initial]);
  const toggle = (key: 'hotLeadEnabled' | 'inquiryUnansweredEnabled') => (e: { currentTarget: { checked: boolean } }) => {
    const checked = e.currentTarget.checked;
    form.setValues((v) => ({ ...v, [key]: checked }));
  };
  return (
    <form class="form" onSubmit={form.submit} noValidate>
      <FormError problem={form.problem} />
      <div class="settings-rule">
        <CheckboxField id={IDS.hotLeadEnabled} label="When a lead turns hot, remind me to call" checked={form.values.hotLeadEnabled} onChange={toggle('hotLeadEnabled')} />
        <Field
          label="Call within (minutes)"
          type="number"
          inputMode="numeric"
          min={HOT_LEAD_DELAY_MINUTES_MIN}
          max={HOT_LEAD_DELAY_MINUTES_MAX}
          disabled={!form.values.hotLeadEnabled}
          {...form.field('hotLeadDelayMinutes')}
        />
      </div>
      <div class="settings-rule">
        <CheckboxField
          id={IDS.inquiryUnansweredEnabled}
          label="When an inquiry goes unanswered, remind me"
          hint="Skipped if you moved the lead past “New” or added a note by hand (Add an inquiry) in the meantime."
          checked={form.values.inquiryUnansweredEnabled}
          onChange={toggle('inquiryUnansweredEnabled')}
        />
        <Field
          label="After (hours)"
          type="number"
          inputMode="numeric"
          min={INQUIRY_UNANSWERED_HOURS_MIN}
          max={INQUIRY_UNANSWERED_HOURS_MAX}
          disabled={!form.values.inquiryUnansweredEnabled}
          {...form.field('inquiryUnansweredHours')}
        />
      </div>
      <div class="form-actions">
        <Button type="submit" loading={form.busy} busyLabel="Saving…">
          Save automatic reminders
        </Button>
      </div>
    </form>
  );
}
