import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Site, sitesApi } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { CodeSnippet } from '../components/code-snippet.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { HouseIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { OnboardingCard } from '../components/onboarding-card.tsx';
import { plural } from '../format.ts';
import { Link } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { InstallStatus } from './install-status.tsx';
import { SiteForm } from './site-form.tsx';

export function SitesPage() {
  const list = useApi((signal) => sitesApi.list({ signal }), []);
  const { data, setData } = list;
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<Site | null>(null);
  const sites = data?.items ?? [];

  const startAdding = () => {
    setCreated(null);
    setAdding(true);
  };

  const create = async (values: { name: string; allowedOrigins: string[] }) => {
    const site = await sitesApi.create({ name: values.name, allowedOrigins: values.allowedOrigins });
    setData({ items: [...sites, site], nextCursor: data?.nextCursor ?? null });
    setAdding(false);
    setCreated(site);
  };

  return (
    <>
      <PageHeader
        title="Sites"
        description="The websites that carry your Porchlight script. Visits and inquiries from them become leads."
        actions={
          !adding &&
          sites.length > 0 && (
            <Button onClick={startAdding}>
              <span aria-hidden="true">+ </span>Add site
            </Button>
          )
        }
      />

      {created && <CreatedSite site={created} onDone={() => setCreated(null)} />}

      {adding && (
        <section class="card" aria-labelledby="add-site-title">
          <h2 id="add-site-title" class="card-title">
            Add a site
          </h2>
          <SiteForm
            idPrefix="new-site"
            initial={{ name: '', allowedOrigins: [], respectDnt: true }}
            submitLabel="Create site"
            busyLabel="Creating…"
            onSubmit={create}
            onCancel={() => setAdding(false)}
            autoFocus
          />
        </section>
      )}

      <Loaded state={list} loadingLabel="Loading sites…" errorTitle="Could not load your sites">
        {() => sites.length === 0 ? (
        !adding &&
        !created && (
          <EmptyState
            icon={<HouseIcon />}
            title="No sites yet"
            action={<Button onClick={startAdding}>Add your first site</Button>}
          >
            <p>Add the website where your listings live. You’ll get a one-line script tag to paste into it.</p>
            <OnboardingCard />
          </EmptyState>
        )
        ) : (
          <SitesTable sites={sites} />
        )}
      </Loaded>
    </>
  );
}

function CreatedSite({ site, onDone }: { site: Site; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [site.siteId]);
  return (
    <section class="card card-success" aria-labelledby="created-site-title">
      <h2 id="created-site-title" class="card-title" tabIndex={-1} ref={heading}>
        <span aria-hidden="true">✓ </span>“{site.name}” is ready
      </h2>
      <p>
        Paste this into your website, just before <code>&lt;/body&gt;</code>: the script tag on every page, and the{' '}
        <code>&lt;div data-porchlight-form&gt;</code> where the inquiry form should appear. The install check on the site’s page turns
        green once the first visit arrives; it also offers tracking only, or a button that opens the form.
      </p>
      <CodeSnippet code={site.snippets.inlineForm} label="Script tag and inquiry form" copyLabel="Copy snippet" />
      <div class="form-actions">
        <Link href={`/sites/${site.siteId}`} class="btn btn-secondary">
          Site settings
        </Link>
        <Button variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}

/**
 * The sites as a table; below 640 px each site is a stacked row (styles.css, `.sites-table`), as the
 * API keys are: its name beside its status, then the public key, then its origins and install
 * check, each with its column's name (`.cell-label`, shown only there: the table's header says it above).
 */
function SitesTable({ sites }: { sites: Site[] }) {
  return (
    <div class="card card-flush">
      <div class="table-wrap">
        <table class="table sites-table">
          <caption class="visually-hidden">Your sites</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Public key</th>
              <th scope="col">Allowed origins</th>
              <th scope="col">Install check</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {sites.map((site) => (
              <tr key={site.siteId} data-site-id={site.siteId}>
                <th scope="row" class="site-name">
                  <Link href={`/sites/${site.siteId}`} class="table-link">
                    {site.name}
                  </Link>
                </th>
                <td class="site-key">
                  <span class="cell-label">Public key </span>
                  <code class="key">{site.publicKey}</code>
                </td>
                <td class="site-origins">
                  <span class="cell-label">Allowed origins </span>
                  <span title={site.allowedOrigins.join('\n') || undefined}>{plural(site.allowedOrigins.length, 'origin')}</span>
                </td>
                <td class="site-install">
                  <InstallStatus site={site} />
                </td>
                <td class="site-status">{site.enabled ? <Badge tone="success">Enabled</Badge> : <Badge tone="neutral">Disabled</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
