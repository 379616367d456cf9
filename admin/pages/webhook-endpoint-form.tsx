import { useState } from 'preact/hooks';
import { ApiError, errorMessage, type WebhookEventTypeInfo, webhooksApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field } from '../components/field.tsx';
import { useApi } from '../use-api.ts';

export interface WebhookEndpointFormValues {
  url: string;
  description: string;
  /** null: every event type. */
  eventTypes: string[] | null;
}

/**
 * URL, description and the event types to receive, chosen from the catalogue (each with its
 * description and an example payload). Used to create an endpoint and to edit one.
 */
export function WebhookEndpointForm({ idPrefix, initial, submitLabel, busyLabel, onSubmit, onCancel, autoFocus }: {
  idPrefix: string;
  initial: WebhookEndpointFormValues;
  submitLabel: string;
  busyLabel: string;
  onSubmit(values: WebhookEndpointFormValues): Promise<void>;
  onCancel?(): void;
  autoFocus?: boolean;
}) {
  const catalogue = useApi((signal) => webhooksApi.eventTypes({ signal }), []);
  const [url, setUrl] = useState(initial.url);
  const [description, setDescription] = useState(initial.description);
  const [all, setAll] = useState(initial.eventTypes === null);
  const [types, setTypes] = useState<string[]>(initial.eventTypes ?? []);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!url.trim()) local.url = 'Enter the URL of your receiver, e.g. https://crm.example.com/webhooks';
    if (!all && types.length === 0) local.eventTypes = 'Choose at least one event type, or “All events”';
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await onSubmit({ url: url.trim(), description: description.trim(), eventTypes: all ? null : types });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        const fields: Record<string, string> = {};
        for (const issue of err.fieldIssues) fields[issue.path.split('.')[0] || 'url'] = issue.message;
        if (Object.keys(fields).length === 0) fields.url = err.message;
        setErrors(fields);
      } else {
        setProblem(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const toggle = (type: string, on: boolean) => setTypes((t) => (on ? [...t, type] : t.filter((x) => x !== type)));
  const items: WebhookEventTypeInfo[] = catalogue.data?.items ?? [];

  return (
    <form class="form" onSubmit={submit} noValidate>
      {problem && (
        <div class="form-error" role="alert">
          <p>{problem}</p>
        </div>
      )}
      <Field
        id={`${idPrefix}-url`}
        label="Endpoint URL"
        type="url"
        inputMode="url"
        placeholder="https://crm.example.com/webhooks/porchlight"
        hint="Porchlight POSTs signed JSON here (Standard Webhooks). It must be reachable from the internet."
        value={url}
        onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
        error={errors.url}
        autoFocus={autoFocus}
        required
      />
      <Field
        id={`${idPrefix}-description`}
        label="Description (optional)"
        value={description}
        maxLength={500}
        placeholder="e.g. Follow Up Boss"
        onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
        error={errors.description}
      />
      <fieldset class="field event-types" aria-describedby={errors.eventTypes ? `${idPrefix}-types-error` : undefined}>
        <legend class="field-label">Events to send</legend>
        <label class="event-type">
          <input type="checkbox" class="checkbox" checked={all} onChange={(e) => setAll((e.target as HTMLInputElement).checked)} />
          <span>
            <strong>All events</strong>
            <span class="muted small"> — including types added later</span>
          </span>
        </label>
        {!all &&
          items.map((t) => (
            <label class="event-type" key={t.type}>
              <input type="checkbox" class="checkbox" checked={types.includes(t.type)} onChange={(e) => toggle(t.type, (e.target as HTMLInputElement).checked)} />
              <span>
                <code>{t.type}</code>
                <span class="muted small"> — {t.description}</span>
                <details class="event-example">
                  <summary>Example payload</summary>
                  <pre class="code-block">{JSON.stringify(t.example, null, 2)}</pre>
                </details>
              </span>
            </label>
          ))}
        {errors.eventTypes && (
          <p class="field-error" id={`${idPrefix}-types-error`}>
            {errors.eventTypes}
          </p>
        )}
      </fieldset>
      <div class="form-actions">
        <Button type="submit" loading={busy}>
          {busy ? busyLabel : submitLabel}
        </Button>
        {onCancel && (
          <Button variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
