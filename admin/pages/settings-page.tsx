// Alert settings: which emails the realtor gets, quiet hours, the morning digest and the time zone
// they are read in. Saved as one PATCH; the answer (the stored settings) replaces the form.
import { useEffect, useState } from 'preact/hooks';
import { type NotificationPreferences, notificationsApi, useSession } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { CheckboxField, Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { browserTimeZone } from '../format.ts';
import { PageHeader, useDocumentTitle } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { showToast } from '../components/toast.tsx';
import { useApi } from '../use-api.ts';
import { useForm } from '../use-form.ts';
import { LiveNotificationsToggle } from '../components/live-notifications-toggle.tsx';
import { Link } from '../router.tsx';

type Values = Omit<NotificationPreferences, 'updatedAt'>;

const ALERTS: ReadonlyArray<{ key: keyof Values & `alert${string}`; label: string; hint: string }> = [
  { key: 'alertNewInquiry', label: 'New inquiry', hint: 'Within seconds of a message from your site, with one tap to call or reply.' },
  { key: 'alertLeadHot', label: 'Lead turned hot', hint: 'When a lead’s score crosses into the hot band.' },
  { key: 'alertReminderDue', label: 'Reminder due', hint: 'When a follow-up reminder falls due.' },
  { key: 'alertEndpointDisabled', label: 'Webhook endpoint disabled', hint: 'When Porchlight stops sending to one of your webhook endpoints.' },
  { key: 'alertDigest', label: 'Morning digest', hint: 'Today’s reminders and new hot leads, once a day at the hour below.' },
];

/** The inputs an API issue can name (the summary links to them). */
const FIELD_IDS = { quietStart: 'settings-quiet-start', quietEnd: 'settings-quiet-end', digestHour: 'settings-digest-hour', timeZone: 'settings-time-zone' };

const HOURS = Array.from({ length: 24 }, (_, h) => h);

function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([current, browserTimeZone(), ...all])].filter((tz): tz is string => Boolean(tz)).sort();
}

function toValues(p: NotificationPreferences): Values {
  const { updatedAt: _, ...values } = p;
  return values;
}

export function SettingsPage() {
  useDocumentTitle('Settings');
  const state = useApi((signal) => notificationsApi.get({ signal }), []);
  return (
    <>
      {state.data === undefined && <PageHeader title="Settings" />}
      <Loaded state={state} loadingLabel="Loading your alert settings…" errorTitle="Could not load your alert settings">
        {(data) => <SettingsForm initial={data} />}
      </Loaded>
    </>
  );
}

function SettingsForm({ initial }: { initial: NotificationPreferences }) {
  const session = useSession();
  const [saved, setSaved] = useState<Values>(toValues(initial));
  const [savedNote, setSavedNote] = useState(false);
  const { values, setValues, errors, problem, busy, submit } = useForm<Values>({
    initial: () => toValues(initial),
    ids: FIELD_IDS,
    send: async (values) => {
      setSavedNote(false);
      const stored = toValues(await notificationsApi.update(values));
      setValues(() => stored);
      setSaved(stored);
      setSavedNote(true);
      showToast('Alert settings saved.');
    },
  });
  const zones = timeZones(initial.timeZone);
  const dirty = JSON.stringify(values) !== JSON.stringify(saved);
  useEffect(() => {
    if (dirty) setSavedNote(false);
  }, [dirty]);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => setValues((v) => ({ ...v, [key]: value }));

  return (
    <>
      <PageHeader
        title="Settings"
        description={<>Email alerts go to <strong>{session?.user.email}</strong>.</>}
        actions={
          <Link href="/account" class="btn btn-secondary">
            Account & security
          </Link>
        }
      />
      <form class="card card-body-padded form settings-form" onSubmit={submit} noValidate>
        <FormError problem={problem} />
        <fieldset>
          <legend>Email me when</legend>
          {ALERTS.map((a) => (
            <CheckboxField key={a.key} id={`settings-${a.key}`} label={a.label} hint={a.hint} checked={values[a.key]} onChange={(e) => set(a.key, e.currentTarget.checked)} />
          ))}
        </fieldset>
        <fieldset>
          <legend>Quiet hours</legend>
          <CheckboxField
            id="settings-quiet"
            label="Hold alerts during quiet hours"
            hint="Alerts that arrive then are sent when quiet hours end; nothing is lost."
            checked={values.quietHoursEnabled}
            onChange={(e) => set('quietHoursEnabled', e.currentTarget.checked)}
          />
          <div class="settings-row">
            <Field label="From" type="time" id={FIELD_IDS.quietStart} error={errors.quietStart} value={values.quietStart} disabled={!values.quietHoursEnabled} onInput={(e) => set('quietStart', e.currentTarget.value)} />
            <Field label="Until" type="time" id={FIELD_IDS.quietEnd} error={errors.quietEnd} value={values.quietEnd} disabled={!values.quietHoursEnabled} onInput={(e) => set('quietEnd', e.currentTarget.value)} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Time and digest</legend>
          <div class="settings-row">
            <div class="field">
              <label class="field-label" for="settings-digest-hour">Digest hour</label>
              <select id="settings-digest-hour" class="input select" value={String(values.digestHour)} onChange={(e) => set('digestHour', Number(e.currentTarget.value))}>
                {HOURS.map((h) => (
                  <option key={h} value={String(h)}>{`${String(h).padStart(2, '0')}:00`}</option>
                ))}
              </select>
            </div>
            <div class="field">
              <label class="field-label" for="settings-time-zone">Time zone</label>
              <select id="settings-time-zone" class="input select" value={values.timeZone} onChange={(e) => set('timeZone', e.currentTarget.value)}>
                {zones.map((z) => (
                  <option key={z} value={z}>{z.replaceAll('_', ' ')}</option>
                ))}
              </select>
            </div>
          </div>
        </fieldset>
        <div class="form-actions">
          <Button type="submit" loading={busy} disabled={!dirty && !busy} busyLabel="Saving…">
            Save settings
          </Button>
          {savedNote && (
            <span class="save-status muted" role="status">
              Saved.
            </span>
          )}
        </div>
      </form>
      <LiveNotificationsToggle />
    </>
  );
}
