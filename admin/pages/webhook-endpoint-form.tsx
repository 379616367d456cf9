import { type WebhookEventTypeInfo, webhooksApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import type { FieldErrors } from '../forms.ts';
import { useApi } from '../use-api.ts';
import { useForm } from '../use-form.ts';

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
  const ids = { url: `${idPrefix}-url`, description: `${idPrefix}-description`, eventTypes: `${idPrefix}-all-events` };
  const form = useForm({
    initial: { url: initial.url, description: initial.description, all: initial.eventTypes === null, types: initial.eventTypes ?? [] },
    ids,
    validate: ({ url, all, types }) => {
      const found: FieldErrors = {};
      if (!url.trim()) found.url = 'Enter the URL of your receiver, e.g. https://crm.example.com/webhooks';
      if (!all && types.length === 0) found.eventTypes = 'Choose at least one event type, or “All events”';
      return found;
    },
    send: ({ url, description, all, types }) => onSubmit({ url: url.trim(), description: description.trim(), eventTypes: all ? null : types }),
  });
  const { values, errors, busy } = form;

  const toggle = (type: string, on: boolean) => form.setValues((v) => ({ ...v, types: on ? [...v.types, type] : v.types.filter((x) => x !== type) }));
  const items: WebhookEventTypeInfo[] = catalogue.data?.items ?? [];

  return (
    <form class="form" onSubmit={form.submit} noValidate>
      <FormError problem={form.problem} />
      <Field
        {...form.field('url')}
        label="Endpoint URL"
        type="url"
        inputMode="url"
        placeholder="https://crm.example.com/webhooks/porchlight"
        hint="Porchlight POSTs signed JSON here (Standard Webhooks). It must be reachable from the internet."
        autoFocus={autoFocus}
        required
      />
      <Field {...form.field('description')} label="Description (optional)" maxLength={500} placeholder="e.g. Follow Up Boss" />
      <fieldset class="field event-types" aria-describedby={errors.eventTypes ? `${idPrefix}-types-error` : undefined}>
        <legend class="field-label">Events to send</legend>
        <label class="event-type">
          <input id={ids.eventTypes} type="checkbox" class="checkbox" checked={values.all} onChange={(e) => form.setValues((v) => ({ ...v, all: e.currentTarget.checked }))} />
          <span>
            <strong>All events</strong>
            <span class="muted small"> — including types added later</span>
          </span>
        </label>
        {!values.all &&
          items.map((t) => (
            <label class="event-type" key={t.type}>
              <input type="checkbox" class="checkbox" checked={values.types.includes(t.type)} onChange={(e) => toggle(t.type, e.currentTarget.checked)} />
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
        <Button type="submit" loading={busy} busyLabel={busyLabel}>
          {submitLabel}
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
