import { useEffect, useRef, useState } from 'preact/hooks';
import { type CreateWebhookEndpointInput, errorMessage, type WebhookDelivery, type WebhookEndpoint, webhooksApi } from '../api-client.ts';
import { Badge, type BadgeTone } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { ConfirmDialog, useConfirmedAction } from '../components/confirm-dialog.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { breadcrumb, DetailFallback } from '../components/detail-fallback.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import { navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { usePollUntil } from '../use-poll-until.ts';
import { WebhookEndpointForm, type WebhookEndpointFormValues } from './webhook-endpoint-form.tsx';
import { EndpointHealthBadge } from './webhooks-page.tsx';

const LIST = { href: '/webhooks', label: 'Webhooks' };

export function WebhookEndpointPage({ params, query }: RouteProps) {
  const { data, error, reload, setData } = useApi((signal) => webhooksApi.get(params.id, { signal }), [params.id]);
  if (data === undefined) return <DetailFallback list={LIST} noun="endpoint" error={error} onRetry={reload} />;
  return <EndpointDetail endpoint={data} onChange={setData} reload={reload} justCreated={query.get('created') === '1'} />;
}

function EndpointDetail({ endpoint, onChange, reload, justCreated }: { endpoint: WebhookEndpoint; onChange(e: WebhookEndpoint): void; reload(): void; justCreated: boolean }) {
  const [logTick, setLogTick] = useState(0);
  const name = endpoint.description || endpoint.url;
  const h = endpoint.health;

  const save = async (values: WebhookEndpointFormValues) => {
    onChange(await webhooksApi.update(endpoint.endpointId, { url: values.url, description: values.description || null, eventTypes: values.eventTypes as CreateWebhookEndpointInput['eventTypes'] }));
    showToast('Endpoint saved.');
  };
  const act = async (run: () => Promise<unknown>, done: string) => {
    try {
      await run();
      showToast(done);
      reload();
      setLogTick((n) => n + 1);
    } catch (err) {
      showToast(errorMessage(err), 'error');
    }
  };
  // webhooksApi announces enabling, disabling and deleting: the notice above every page follows.
  const enable = () => act(async () => {
    await webhooksApi.enable(endpoint.endpointId);
  }, 'Endpoint enabled.');
  const disable = () => act(async () => {
    onChange(await webhooksApi.update(endpoint.endpointId, { enabled: false }));
  }, 'Endpoint disabled.');
  const deletion = useConfirmedAction(async () => {
    await webhooksApi.remove(endpoint.endpointId);
    navigate('/webhooks');
    showToast(`Deleted ${name} and its delivery log.`);
  });

  return (
    <>
      <PageHeader
        title={name}
        breadcrumb={breadcrumb(LIST, name)}
        description={
          <span class="inline-list">
            <EndpointHealthBadge endpoint={endpoint} />
            <span class="muted small endpoint-url">{endpoint.url}</span>
          </span>
        }
        actions={
          <Button onClick={() => act(() => webhooksApi.sendTest(endpoint.endpointId), 'Test event sent; watch the delivery log.')} disabled={!endpoint.enabled}>
            Send test event
          </Button>
        }
      />
      <div class="stack">
        <section class="card" aria-labelledby="health-title">
          <h2 id="health-title" class="card-title">Health</h2>
          <dl class="health-grid">
            <div><dt>Last success</dt><dd>{h.lastSuccessAt ? <time dateTime={h.lastSuccessAt} title={formatDateTime(h.lastSuccessAt)}>{formatRelativeTime(h.lastSuccessAt)}</time> : 'Never'}</dd></div>
            <div><dt>Failures in a row</dt><dd>{h.failureStreak}{h.failingSince ? ` (since ${formatDateTime(h.failingSince)})` : ''}</dd></div>
            <div><dt>Circuit breaker</dt><dd>{h.breaker === 'open' ? `Open — next try ${formatDateTime(h.breakerUntil)}` : 'Closed'}</dd></div>
            <div><dt>Waiting to send</dt><dd>{h.pendingDeliveries}</dd></div>
          </dl>
          {!endpoint.enabled && (
            <div class="callout callout-danger" role="status">
              <p><strong>Disabled{h.disabledAt ? ` ${formatDateTime(h.disabledAt)}` : ''}.</strong> {h.disabledReason}</p>
              <Button variant="secondary" size="sm" onClick={enable}>Enable endpoint</Button>
            </div>
          )}
        </section>

        <SigningSecret endpointId={endpoint.endpointId} revealAtOnce={justCreated} rotatingUntil={endpoint.previousSecretExpiresAt} onRotated={reload} />

        <DeliveryLog endpoint={endpoint} tick={logTick} onChanged={reload} onEndpoint={onChange} />

        <section class="card" aria-labelledby="settings-title">
          <h2 id="settings-title" class="card-title">Settings</h2>
          <WebhookEndpointForm
            idPrefix="endpoint"
            initial={{ url: endpoint.url, description: endpoint.description ?? '', eventTypes: endpoint.eventTypes }}
            submitLabel="Save changes"
            busyLabel="Saving…"
            onSubmit={save}
          />
        </section>

        <section class="card" aria-labelledby="status-title">
          <h2 id="status-title" class="card-title">{endpoint.enabled ? 'Pause this endpoint' : 'This endpoint is disabled'}</h2>
          <div class="card-row">
            <p>{endpoint.enabled ? 'A disabled endpoint receives nothing; waiting deliveries fail. “Recover” sends them later.' : 'Enable it to receive new events again.'}</p>
            {endpoint.enabled ? (
              <Button variant="secondary" onClick={disable}>Disable endpoint</Button>
            ) : (
              <Button variant="secondary" onClick={enable}>Enable endpoint</Button>
            )}
          </div>
        </section>

        <section class="card card-danger" aria-labelledby="delete-title">
          <h2 id="delete-title" class="card-title">Delete this endpoint</h2>
          <div class="card-row">
            <p>Stops all deliveries to it and deletes its delivery log.</p>
            <Button variant="danger" onClick={deletion.ask}>Delete endpoint…</Button>
          </div>
        </section>
      </div>
      <ConfirmDialog
        {...deletion.dialog}
        title={`Delete ${name}?`}
        confirmLabel="Delete endpoint"
        danger
      >
        <p>Porchlight stops sending to <code>{endpoint.url}</code> and deletes its delivery log. This can’t be undone.</p>
      </ConfirmDialog>
    </>
  );
}

function SigningSecret({ endpointId, revealAtOnce, rotatingUntil, onRotated }: { endpointId: string; revealAtOnce: boolean; rotatingUntil: string | null; onRotated(): void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const reveal = async () => {
    setBusy(true);
    try {
      setSecret((await webhooksApi.secret(endpointId)).secret);
    } catch (err) {
      showToast(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  // Right after creating the endpoint, show the secret: it is the next thing the realtor needs.
  useEffect(() => {
    if (revealAtOnce) void reveal();
  }, [endpointId]);
  const rotate = async () => {
    setBusy(true);
    try {
      const rotated = await webhooksApi.rotateSecret(endpointId);
      setSecret(rotated.secret);
      // Rotating again during a grace period keeps that period's secret, not the one just replaced.
      const kept = rotatingUntil !== null && rotated.previousSecretExpiresAt === rotatingUntil;
      showToast(kept
        ? `New secret created. The secret from before your last rotation keeps signing until ${formatDateTime(rotatingUntil)}.`
        : 'New secret created. The old one keeps signing for 24 hours.');
      setConfirmRotate(false);
      onRotated();
    } catch (err) {
      showToast(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="secret-title">
      <h2 id="secret-title" class="card-title">Signing secret</h2>
      <p>Your receiver verifies every webhook with this secret (any Standard Webhooks library does it in one call).</p>
      {secret ? (
        <div class="secret-row">
          <code class="key secret" id="webhook-secret">{secret}</code>
          <CopyButton text={secret} label="Copy secret" targetId="webhook-secret" />
        </div>
      ) : (
        <Button variant="secondary" onClick={reveal} loading={busy}>Reveal secret</Button>
      )}
      {rotatingUntil && <p class="muted small">The previous secret also signs until {formatDateTime(rotatingUntil)}.</p>}
      <div class="form-actions">
        <Button variant="ghost" onClick={() => setConfirmRotate(true)}>Rotate secret…</Button>
      </div>
      <ConfirmDialog open={confirmRotate} title="Rotate the signing secret?" confirmLabel="Rotate secret" busy={busy} onConfirm={rotate} onCancel={() => setConfirmRotate(false)}>
        {rotatingUntil ? (
          <p>
            A new secret signs from now on. The secret from before your last rotation keeps signing until {formatDateTime(rotatingUntil)}, as promised then;
            the current one stops signing at once, so a receiver already using it must switch to the new one.
          </p>
        ) : (
          <p>A new secret signs from now on. For 24 hours the old one signs too, so your receiver keeps working while you update it.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

const STATUS_TONE: Record<string, BadgeTone> = { succeeded: 'success', failed: 'danger', pending: 'warning' };

/** While something shown is pending: the first look after this long, each next one 1.5× later, up to the max. */
const PENDING_POLL_FIRST_MS = 1000;
const PENDING_POLL_MAX_MS = 10_000;
/** A delivery can wait behind an open breaker for hours: the page stops asking after this long. */
const PENDING_POLL_TIMEOUT_MS = 15 * 60_000;

/** Calls `reload` when any of `values` changes, not on the first render (the first load is useApi's own). */
function useReloadOnChange(reload: () => void, values: unknown[]) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else reload();
  }, values);
}

function DeliveryLog({ endpoint, tick, onChanged, onEndpoint }: { endpoint: WebhookEndpoint; tick: number; onChanged(): void; onEndpoint(e: WebhookEndpoint): void }) {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [since, setSince] = useState('');
  const catalogue = useApi((signal) => webhooksApi.eventTypes({ signal }), []);
  const query = { status: status || undefined, type: type || undefined, cursor };
  // The deps say what is asked (a new filter shows a spinner, not the old filter's rows); a change
  // made here (test event, resend, recover, Refresh) asks the same again with reload().
  const page = useApi((signal) => webhooksApi.deliveries(endpoint.endpointId, query, { signal }), [endpoint.endpointId, status, type, cursor]);
  useReloadOnChange(page.reload, [tick]);
  const [open, setOpen] = useState<string | null>(null);

  // Nothing pushes delivery results to the page: while a delivery shown (or one the health card
  // counts) is pending, ask again for this log and the endpoint's health until none is.
  const askedKey = `${endpoint.endpointId}|${status}|${type}|${cursor ?? ''}`;
  const shownKey = useRef(askedKey);
  shownKey.current = askedKey;
  const pending = endpoint.enabled && (endpoint.health.pendingDeliveries > 0 || (!page.stale && (page.data?.items.some((d) => d.status === 'pending') ?? false)));
  const poll = usePollUntil();
  useEffect(() => {
    if (!pending) return;
    void poll(async () => {
      const [list, fresh] = await Promise.all([webhooksApi.deliveries(endpoint.endpointId, query), webhooksApi.get(endpoint.endpointId)]);
      // The realtor changed the filter meanwhile: this answer is not the log on screen (the new
      // filter's own round polls if it has to).
      if (shownKey.current !== askedKey) return 'moved on';
      page.setData(list);
      onEndpoint(fresh);
      return fresh.health.pendingDeliveries > 0 || list.items.some((d) => d.status === 'pending') ? undefined : 'settled';
    }, { firstDelayMs: PENDING_POLL_FIRST_MS, backoff: 1.5, maxDelayMs: PENDING_POLL_MAX_MS, timeoutMs: PENDING_POLL_TIMEOUT_MS });
  }, [pending, askedKey]);

  const changed = () => {
    page.reload();
    onChanged();
  };
  const recover = async () => {
    if (!since) return;
    try {
      const { recovered } = await webhooksApi.recover(endpoint.endpointId, new Date(since).toISOString());
      showToast(recovered ? `Sending ${recovered} failed ${recovered === 1 ? 'delivery' : 'deliveries'} again.` : 'No failed deliveries since then.', 'info');
      changed();
    } catch (err) {
      showToast(errorMessage(err), 'error');
    }
  };

  return (
    <section class="card" aria-labelledby="log-title">
      <div class="card-row">
        <h2 id="log-title" class="card-title">Delivery log</h2>
        <Button variant="ghost" size="sm" onClick={changed}>Refresh</Button>
      </div>
      <div class="filters-row log-filters">
        <FilterSelect id="log-status" label="Status" value={status} onChange={(v) => { setStatus(v); setCursor(undefined); }}>
          <option value="">All statuses</option>
          <option value="succeeded">Succeeded</option>
          <option value="pending">Pending</option>
          <option value="failed">Failed</option>
        </FilterSelect>
        <FilterSelect id="log-type" label="Event type" value={type} onChange={(v) => { setType(v); setCursor(undefined); }}>
          <option value="">All event types</option>
          {(catalogue.data?.items ?? []).map((t) => <option key={t.type} value={t.type}>{t.type}</option>)}
        </FilterSelect>
      </div>
      <Loaded state={page} loadingLabel="Loading deliveries…" errorTitle="Could not load the deliveries">
        {(data) => data.items.length === 0 ? (
          <p class="muted">No deliveries{status || type ? ' match these filters' : ' yet. Send a test event to try your receiver'}.</p>
        ) : (
          <ul class="delivery-list" aria-label="Deliveries">
            {data.items.map((d) => (
              <DeliveryRow key={d.deliveryId} delivery={d} open={open === d.deliveryId} onToggle={() => setOpen(open === d.deliveryId ? null : d.deliveryId)} onResent={changed} />
            ))}
          </ul>
        )}
      </Loaded>
      <div class="form-actions">
        {cursor && <Button variant="ghost" size="sm" onClick={() => setCursor(undefined)}>Newest</Button>}
        {!page.stale && page.data?.nextCursor && <Button variant="secondary" size="sm" onClick={() => setCursor(page.data!.nextCursor!)}>Older deliveries</Button>}
      </div>
      <div class="recover">
        <label class="field-label" for="recover-since">Recover failed deliveries since</label>
        <div class="secret-row">
          <input id="recover-since" class="input" type="datetime-local" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
          <Button variant="secondary" onClick={recover} disabled={!since || !endpoint.enabled}>Recover</Button>
        </div>
      </div>
    </section>
  );
}

const attempts = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;

/**
 * "4 attempts", or "1 attempt since resend · 4 in all": `attemptCount` is the current budget's,
 * which a resend or recover starts again at 0, while the attempts table lists every attempt.
 */
function attemptsLabel(d: WebhookDelivery): string {
  const logged = Math.max(d.loggedAttemptCount, d.attemptCount);
  return d.attemptCount < logged ? `${attempts(d.attemptCount)} since resend · ${logged} in all` : attempts(logged);
}

function DeliveryRow({ delivery, open, onToggle, onResent }: { delivery: WebhookDelivery; open: boolean; onToggle(): void; onResent(): void }) {
  const detail = useApi((signal) => (open ? webhooksApi.delivery(delivery.deliveryId, { signal }) : Promise.resolve(undefined)), [open, delivery.deliveryId]);
  // A new attempt or status (the log polls while pending): the open table reads again, kept on screen meanwhile.
  useReloadOnChange(detail.reload, [delivery.attemptCount, delivery.status, delivery.loggedAttemptCount]);
  const resend = async () => {
    try {
      await webhooksApi.resend(delivery.deliveryId);
      showToast('Sending again.', 'info');
      onResent();
    } catch (err) {
      showToast(errorMessage(err), 'error');
    }
  };
  return (
    <li class="delivery">
      <button type="button" class="delivery-summary" aria-expanded={open} onClick={onToggle}>
        <Badge tone={STATUS_TONE[delivery.status] ?? 'neutral'}>{delivery.status}</Badge>
        <code>{delivery.eventType}</code>
        <span class="muted small">{attemptsLabel(delivery)}</span>
        <time class="muted small" dateTime={delivery.createdAt} title={formatDateTime(delivery.createdAt)}>{formatRelativeTime(delivery.createdAt)}</time>
      </button>
      {open && (
        <div class="delivery-detail">
          <p class="muted small">webhook-id <code>{delivery.messageId}</code>{delivery.nextAttemptAt ? ` · next try ${formatDateTime(delivery.nextAttemptAt)}` : ''}</p>
          <Loaded state={detail} loadingLabel="Loading attempts…" errorTitle="Could not load this delivery’s attempts">
            {(data) => data && (
              <table class="table attempts">
                <caption class="visually-hidden">Attempts</caption>
                <thead>
                  <tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Response</th></tr>
                </thead>
                <tbody>
                  {data.attempts.map((a) => (
                    <tr key={a.attemptId}>
                      <td>{formatDateTime(a.attemptedAt)}</td>
                      <td>{a.statusCode ?? '—'}</td>
                      <td>{a.durationMs} ms</td>
                      <td class="attempt-response">{a.error && <div class="attempt-error">{a.error}</div>}{a.responseExcerpt && <code>{a.responseExcerpt}</code>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
          <Button variant="secondary" size="sm" onClick={resend}>Resend</Button>
        </div>
      )}
    </li>
  );
}
