// API keys: create (read-only or read-write, optional expiry), see when each was last used, revoke.
// Only a signed-in person can manage keys (the API refuses a key managing keys), so this page is
// the one place keys are made.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { ApiKeyScope } from '#core/accounts/api-key.entity.ts';
import type { toApiKeyJson, ZCreateApiKeyBody } from '#core/accounts/api-keys.ts';
import { DAY_MS } from '#core/shared/time.ts';
import { api, errorMessage, type Page } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { CodeSnippet } from '../components/code-snippet.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import type { FieldErrors } from '../forms.ts';
import { useApi } from '../use-api.ts';
import { useForm } from '../use-form.ts';

type ApiKey = ReturnType<typeof toApiKeyJson>;
type CreateApiKeyInput = z.input<typeof ZCreateApiKeyBody>;

/** The expiry choices offered; the API takes any future time. */
const EXPIRY_CHOICES = [
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'never', label: 'Never' },
] as const;

const SCOPE_LABELS: Record<ApiKeyScope, string> = { read: 'Read only', read_write: 'Read and write' };
/** Shown under the Access select, not in its options: a long option is cut off on a phone. */
const SCOPE_HINTS: Record<ApiKeyScope, string> = { read: 'Can look, cannot change anything.', read_write: 'Can look and make changes.' };

export const apiKeysApi = {
  list: (opts?: { signal?: AbortSignal }) => api.get<Page<ApiKey>>('/v1/api-keys', opts),
  create: (input: CreateApiKeyInput) => api.post<ApiKey & { key: string }>('/v1/api-keys', input),
  revoke: (apiKeyId: string) => api.delete(`/v1/api-keys/${encodeURIComponent(apiKeyId)}`),
};

export function ApiKeysPage() {
  const list = useApi((signal) => apiKeysApi.list({ signal }), []);
  const { data, setData } = list;
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const keys = data?.items ?? [];

  const revoke = async () => {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await apiKeysApi.revoke(revoking.apiKeyId);
      setData({ items: keys.filter((k) => k.apiKeyId !== revoking.apiKeyId), nextCursor: null });
      if (created?.apiKeyId === revoking.apiKeyId) setCreated(null);
      showToast(`Revoked “${revoking.name}”`);
      setRevoking(null);
    } catch (err) {
      setRevokeError(errorMessage(err));
    } finally {
      setRevokeBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="API keys" description="Keys let your scripts and CRM use the Porchlight API. Give each integration its own key, with the least it needs." />
      {created && <CreatedKey apiKey={created} onDone={() => setCreated(null)} />}
      <NewKeyForm
        onCreated={(key) => {
          setData({ items: [key, ...keys], nextCursor: null });
          setCreated(key);
        }}
      />
      <Loaded state={list} loadingLabel="Loading API keys…" errorTitle="Could not load your API keys">
        {() => keys.length === 0 ? (
          <p class="muted">No API keys yet.</p>
        ) : (
          <KeysTable keys={keys} onRevoke={(k) => { setRevokeError(null); setRevoking(k); }} />
        )}
      </Loaded>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke key"
        danger
        busy={revokeBusy}
        error={revokeError}
        onConfirm={revoke}
        onCancel={() => setRevoking(null)}
      >
        <p>Anything using this key stops working at once. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

function NewKeyForm({ onCreated }: { onCreated(key: ApiKey & { key: string }): void }) {
  const ids = { name: 'api-key-name', scope: 'api-key-scope', expiresAt: 'api-key-expiry' };
  const { values, set, field, problem, busy, submit, setValues } = useForm({
    initial: { name: '', scope: 'read' as ApiKeyScope, expiry: '90' as string },
    ids,
    validate: ({ name }) => {
      const found: FieldErrors = {};
      if (!name.trim()) found.name = 'Name the key after what will use it, like “CRM sync”';
      return found;
    },
    send: async ({ name, scope, expiry }) => {
      const expiresAt = expiry === 'never' ? null : new Date(Date.now() + Number(expiry) * DAY_MS).toISOString();
      onCreated(await apiKeysApi.create({ name: name.trim(), scope, expiresAt }));
      setValues((v) => ({ ...v, name: '' }));
    },
  });
  return (
    <section class="card" aria-labelledby="new-key-title">
      <h2 id="new-key-title" class="card-title">
        Create a key
      </h2>
      <form class="form" onSubmit={submit} noValidate>
        <FormError problem={problem} />
        <Field label="Name" hint="What will use it, so you know which key to revoke." maxLength={100} {...field('name')} />
        <div class="select-label">
          <label for={ids.scope}>Access</label>
          <select id={ids.scope} class="input select" value={values.scope} onChange={set('scope')} aria-describedby={`${ids.scope}-hint`}>
            <option value="read">{SCOPE_LABELS.read}</option>
            <option value="read_write">{SCOPE_LABELS.read_write}</option>
          </select>
          <p class="field-hint" id={`${ids.scope}-hint`}>
            {SCOPE_HINTS[values.scope]}
          </p>
        </div>
        <div class="select-label">
          <label for={ids.expiresAt}>Expires</label>
          <select id={ids.expiresAt} class="input select" value={values.expiry} onChange={set('expiry')}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div class="form-actions">
          <Button type="submit" loading={busy} busyLabel="Creating…">
            Create key
          </Button>
        </div>
      </form>
    </section>
  );
}

function CreatedKey({ apiKey, onDone }: { apiKey: ApiKey & { key: string }; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [apiKey.apiKeyId]);
  return (
    <section class="card card-success" aria-labelledby="created-key-title">
      <h2 id="created-key-title" class="card-title" tabIndex={-1} ref={heading}>
        <span aria-hidden="true">✓ </span>Copy your new key now
      </h2>
      <p>This is the only time it is shown: Porchlight keeps only a fingerprint of it. Send it as <code>Authorization: Bearer …</code>.</p>
      <CodeSnippet code={apiKey.key} label={`API key “${apiKey.name}”`} copyLabel="Copy key" />
      <div class="form-actions">
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}

/**
 * The keys as a table; below 640 px each key is a stacked row (styles.css, `.api-keys-table`): its
 * name beside Revoke, then the key and its access, then when it was last used and when it expires,
 * each with its column's name (`.cell-label`, shown only there: the table's header says it above).
 */
function KeysTable({ keys, onRevoke }: { keys: ApiKey[]; onRevoke(key: ApiKey): void }) {
  const now = Date.now();
  return (
    <div class="card card-flush api-keys-card">
      <div class="table-wrap">
        <table class="table api-keys-table">
          <caption class="visually-hidden">Your API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Access</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => {
              const expired = k.expiresAt !== null && Date.parse(k.expiresAt) <= now;
              return (
                <tr key={k.apiKeyId}>
                  <th scope="row" class="api-key-name">
                    {k.name}
                  </th>
                  <td class="api-key-prefix">
                    <code class="key">{k.prefix}…</code>
                  </td>
                  <td class="api-key-scope">
                    <Badge tone={k.scope === 'read' ? 'neutral' : 'success'}>{SCOPE_LABELS[k.scope]}</Badge>
                  </td>
                  <td class="api-key-used" title={k.lastUsedAt ? formatDateTime(k.lastUsedAt) : undefined}>
                    <span class="cell-label">Last used </span>
                    {k.lastUsedAt ? formatRelativeTime(k.lastUsedAt) : 'Never'}
                  </td>
                  <td class="api-key-expires">
                    <span class="cell-label">Expires </span>
                    {expired ? <Badge tone="neutral">Expired</Badge> : k.expiresAt ? formatDateTime(k.expiresAt) : 'Never'}
                  </td>
                  <td class="api-key-actions">
                    <Button variant="ghost" size="sm" onClick={() => onRevoke(k)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
