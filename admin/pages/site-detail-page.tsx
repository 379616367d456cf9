import { useState } from 'preact/hooks';
import { errorMessage, type Site, sitesApi } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { CodeSnippet } from '../components/code-snippet.tsx';
import { ConfirmDialog, useConfirmedAction } from '../components/confirm-dialog.tsx';
import { QuotaNotice } from '../components/quota-notice.tsx';
import { breadcrumb, DetailFallback } from '../components/detail-fallback.tsx';
import { PageHeader } from '../components/layout.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime } from '../format.ts';
import { navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { InstallStatus } from './install-status.tsx';
import { SiteForm, type SiteFormValues } from './site-form.tsx';

const LIST = { href: '/sites', label: 'Sites' };

export function SiteDetailPage({ params }: RouteProps) {
  const { data: site, error, reload, setData } = useApi((signal) => sitesApi.get(params.id, { signal }), [params.id]);
  if (site === undefined) return <DetailFallback list={LIST} noun="site" error={error} onRetry={reload} />;
  return <SiteDetail site={site} onChange={setData} />;
}

function SiteDetail({ site, onChange }: { site: Site; onChange(site: Site): void }) {
  const [toggling, setToggling] = useState(false);

  const save = async (values: SiteFormValues) => {
    const updated = await sitesApi.update(site.siteId, {
      name: values.name,
      allowedOrigins: values.allowedOrigins,
      settings: { respectDnt: values.respectDnt },
    });
    onChange(updated);
    showToast('Settings saved.');
  };

  const toggleEnabled = async () => {
    setToggling(true);
    try {
      const updated = await sitesApi.update(site.siteId, { enabled: !site.enabled });
      onChange(updated);
      showToast(updated.enabled ? `“${updated.name}” is enabled again.` : `“${updated.name}” is disabled; it no longer records anything.`, 'info');
    } catch (err) {
      showToast(errorMessage(err), 'error');
    } finally {
      setToggling(false);
    }
  };

  const deletion = useConfirmedAction(async () => {
    await sitesApi.remove(site.siteId);
    navigate('/sites');
    showToast(`Deleted “${site.name}” and its analytics events.`);
  });

  return (
    <>
      <PageHeader
        title={site.name}
        breadcrumb={breadcrumb(LIST, site.name)}
        description={
          <span class="inline-list">
            {site.enabled ? <Badge tone="success">Enabled</Badge> : <Badge tone="neutral">Disabled</Badge>}
            <InstallStatus site={site} />
          </span>
        }
      />

      <div class="stack">
        <QuotaNotice siteId={site.siteId} />
        <section class="card" aria-labelledby="install-title">
          <h2 id="install-title" class="card-title">
            Install
          </h2>
          <p>
            Paste this snippet into every page of your website, just before <code>&lt;/body&gt;</code>. Public key{' '}
            <code class="key">{site.publicKey}</code> identifies this site; it is safe to publish.
          </p>
          <CodeSnippet code={site.snippet} label="Script tag" copyLabel="Copy snippet" />
        </section>

        <section class="card" aria-labelledby="settings-title">
          <h2 id="settings-title" class="card-title">
            Settings
          </h2>
          <SiteForm
            idPrefix="site"
            initial={{ name: site.name, allowedOrigins: site.allowedOrigins, respectDnt: site.settings.respectDnt }}
            withSettings
            submitLabel="Save changes"
            busyLabel="Saving…"
            onSubmit={save}
          />
        </section>

        <section class="card" aria-labelledby="status-title">
          <h2 id="status-title" class="card-title">
            {site.enabled ? 'Pause this site' : 'This site is disabled'}
          </h2>
          <div class="card-row">
            <p>
              {site.enabled
                ? 'A disabled site keeps its data but refuses new visits and inquiries until you enable it again.'
                : 'It refuses new visits and inquiries. Its data is kept.'}
            </p>
            <Button variant="secondary" onClick={toggleEnabled} loading={toggling}>
              {site.enabled ? 'Disable site' : 'Enable site'}
            </Button>
          </div>
        </section>

        <section class="card card-danger" aria-labelledby="delete-title">
          <h2 id="delete-title" class="card-title">
            Delete this site
          </h2>
          <div class="card-row">
            <p>Permanently deletes the site and its analytics events. Leads and inquiries it brought in are kept.</p>
            <Button variant="danger" onClick={deletion.ask}>
              Delete site…
            </Button>
          </div>
        </section>

        <p class="muted small">
          Created {formatDateTime(site.createdAt)} · Last changed {formatDateTime(site.updatedAt)}
        </p>
      </div>

      <ConfirmDialog
        {...deletion.dialog}
        title={`Delete “${site.name}”?`}
        confirmLabel="Delete site"
        danger
      >
        <p>This permanently deletes:</p>
        <ul>
          <li>the site and its public key — the snippet on your website stops recording;</li>
          <li>all of its analytics events (page views and tool interactions) and visitor records.</li>
        </ul>
        <p>Leads and inquiries that came from this site are kept. This can’t be undone.</p>
      </ConfirmDialog>
    </>
  );
}
