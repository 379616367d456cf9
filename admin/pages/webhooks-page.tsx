import { useState } from 'preact/hooks';
import { type CreateWebhookEndpointInput, type WebhookEndpoint, webhooksApi } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { HouseIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { showToast } from '../components/toast.tsx';
import { formatRelativeTime, plural } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { WebhookEndpointForm, type WebhookEndpointFormValues } from './webhook-endpoint-form.tsx';

/** An endpoint's health in one badge: disabled, breaker open, failing, healthy or not yet used. */
export function EndpointHealthBadge({ endpoint }: { endpoint: WebhookEndpoint }) {
  const h = endpoint.health;
  if (!endpoint.enabled) return <Badge tone="danger" title={h.disabledReason ?? undefined}>Disabled</Badge>;
  if (h.breaker === 'open') return <Badge tone="danger" title={`Paused until ${h.breakerUntil}`}>Failing — paused</Badge>;
  if (h.failureStreak > 0) return <Badge tone="warning">{plural(h.failureStreak, 'failure')} in a row</Badge>;
  if (h.lastSuccessAt) return <Badge tone="success">Healthy</Badge>;
  return <Badge tone="neutral">No deliveries yet</Badge>;
}

export function WebhooksPage() {
  const list = useApi((signal) => webhooksApi.list({ signal }), []);
  const { data } = list;
  const [adding, setAdding] = useState(false);
  const endpoints = data?.items ?? [];

  const create = async (values: WebhookEndpointFormValues) => {
    const created = await webhooksApi.create({ url: values.url, description: values.description || null, eventTypes: values.eventTypes as CreateWebhookEndpointInput['eventTypes'] });
    showToast('Endpoint created. Copy its signing secret into your receiver.');
    navigate(`/webhooks/${created.endpointId}?created=1`);
  };

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Send new leads, inquiries and updates to your CRM as signed webhooks (Standard Webhooks), retried until they arrive."
        actions={!adding && endpoints.length > 0 && <Button onClick={() => setAdding(true)}><span aria-hidden="true">+ </span>Add endpoint</Button>}
      />
      {adding && (
        <section class="card" aria-labelledby="add-endpoint-title">
          <h2 id="add-endpoint-title" class="card-title">Add an endpoint</h2>
          <WebhookEndpointForm
            idPrefix="new-endpoint"
            initial={{ url: '', description: '', eventTypes: null }}
            submitLabel="Create endpoint"
            busyLabel="Creating…"
            onSubmit={create}
            onCancel={() => setAdding(false)}
            autoFocus
          />
        </section>
      )}
      <Loaded state={list} loadingLabel="Loading endpoints…" errorTitle="Could not load your webhook endpoints">
        {() => endpoints.length === 0 ? (
        !adding && (
          <EmptyState icon={<HouseIcon />} title="No endpoints yet" action={<Button onClick={() => setAdding(true)}>Add your first endpoint</Button>}>
            <p>Add your CRM’s webhook URL. Every new inquiry reaches it within seconds, signed so it can verify the sender.</p>
          </EmptyState>
        )
      ) : (
        <div class="card card-flush">
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">Your webhook endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col" class="col-wide">Events</th>
                  <th scope="col">Health</th>
                  <th scope="col" class="col-wide">Last success</th>
                  <th scope="col" class="col-wide">Waiting</th>
                </tr>
              </thead>
              <tbody>
                {endpoints.map((e) => (
                  <tr key={e.endpointId}>
                    <th scope="row">
                      <Link href={`/webhooks/${e.endpointId}`} class="table-link endpoint-name">{e.description || e.url}</Link>
                      {e.description && <div class="muted small endpoint-url">{e.url}</div>}
                    </th>
                    <td class="col-wide">{e.eventTypes ? plural(e.eventTypes.length, 'type') : 'All events'}</td>
                    <td><EndpointHealthBadge endpoint={e} /></td>
                    <td class="col-wide">{e.health.lastSuccessAt ? formatRelativeTime(e.health.lastSuccessAt) : '—'}</td>
                    <td class="col-wide">{e.health.pendingDeliveries}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        )}
      </Loaded>
    </>
  );
}
