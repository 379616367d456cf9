import { useState } from 'preact/hooks';
import { ApiError, errorMessage, type Site, sitesApi } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { CodeSnippet } from '../components/code-snippet.tsx';
import { ConfirmDialog, useConfirmedAction } from '../components/confirm-dialog.tsx';
import { QuotaNotice, useSiteQuota } from '../components/quota-notice.tsx';
import { breadcrumb, DetailFallback } from '../components/detail-fallback.tsx';
import { PageHeader } from '../components/layout.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime } from '../format.ts';
import { navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { installApi, type TestInquiryJson } from '../install-api.ts';
import { Link } from '../router.tsx';
import { InstallCheck, LiveInstallBadge, useInstallStatus } from './install-status.tsx';
import { SiteForm, type SiteFormValues } from './site-form.tsx';
import { ConsentSettingCard } from '../components/consent-setting-card.tsx';
import { SiteLimitsCard } from '../components/site-limits-card.tsx';

const LIST = { href: '/sites', label: 'Sites' };

export function SiteDetailPage({ params }: RouteProps) {
  const { data: site, error, reload, setData } = useApi((signal) => sitesApi.get(params.id, { signal }), [params.id]);
  if (site === undefined) return <DetailFallback list={LIST} noun="site" error={error} onRetry={reload} />;
  return <SiteDetail site={site} onChange={setData} />;
}

/** The three installs, each complete: what to paste for what the website owner wants. */
const INSTALLS = [
  {
    key: 'tracking',
    title: 'Tracking only',
    what: 'Records visits and tool clicks. Use this on sites with their own contact form (see porchlight(\'identify\') in the widget docs).',
  },
  {
    key: 'inlineForm',
    title: 'Tracking + inquiry form on the page',
    what: 'The form appears inside the <div>: put that where the form should be, e.g. beside the listing’s details.',
  },
  {
    key: 'buttonForm',
    title: 'Tracking + a button that opens the form',
    what: 'The button opens the form in a dialog. Change its text or style as you like; keep the onclick.',
  },
] as const;

function TestInquiry({ site }: { site: Site }) {
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<TestInquiryJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      setSent(await installApi.testInquiry(site.siteId));
    } catch (err) {
      setSent(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="test-inquiry">
      <div class="card-row">
        <p>
          Sends an inquiry as your website’s form would, as if from <code>{site.allowedOrigins[0] ?? 'your first allowed origin'}</code>.
          It arrives as the lead “Test inquiry” with one inquiry and does what a real inquiry does: your new-inquiry email (if that alert
          is on), the <code>inquiry.created</code> webhook (and <code>lead.created</code> the first time), and an “Inquiry unanswered”
          reminder (if that rule is on). Sending another replaces the previous test inquiry and clears its reminders and score, so the
          test lead is always scored as a lead with one inquiry. Delete the lead when you’re done.
        </p>
        <Button variant="secondary" onClick={send} loading={busy}>
          Send a test inquiry
        </Button>
      </div>
      <div role="status" aria-live="polite">
        {sent && (
          <p class="test-inquiry-result">
            <span aria-hidden="true">✓ </span>Test inquiry stored.{sent.replaced > 0 && ' It replaced the previous test inquiry.'}{' '}
            <Link href={`/leads/${sent.leadId}`}>Open the “Test inquiry” lead</Link>
          </p>
        )}
      </div>
      {error && (
        <p class="callout callout-danger" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function SiteDetail({ site, onChange }: { site: Site; onChange(site: Site): void }) {
  const [toggling, setToggling] = useState(false);
  const { status, refresh } = useInstallStatus(site.siteId);
  const quota = useSiteQuota(site.siteId, site.updatedAt);

  // Only what the realtor changed: the site may have changed since the form was filled in (the
  // install check's "Add origin"), and writing the whole form back would undo that.
  const save = async (_values: SiteFormValues, changes: Partial<SiteFormValues>) => {
    const updated = await sitesApi.update(site.siteId, {
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.allowedOrigins !== undefined && { allowedOrigins: changes.allowedOrigins }),
      ...(changes.respectDnt !== undefined && { settings: { respectDnt: changes.respectDnt } }),
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

  // A 409: the site still has held submissions in Filtered (real inquiries until released). Shown
  // in the dialog with the way to them instead of the bare message.
  const [heldRefusal, setHeldRefusal] = useState(false);
  const deletion = useConfirmedAction(async () => {
    setHeldRefusal(false);
    try {
      await sitesApi.remove(site.siteId);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setHeldRefusal(true);
      throw err;
    }
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
            <LiveInstallBadge status={status} />
          </span>
        }
      />

      <div class="stack">
        <QuotaNotice quota={quota} />
        <InstallCheck site={site} status={status} onSiteChange={onChange} onRefresh={refresh} />

        <section class="card" aria-labelledby="install-title">
          <h2 id="install-title" class="card-title">
            Install
          </h2>
          <p>
            Pick one and paste it into every page of your website, just before <code>&lt;/body&gt;</code>. Public key{' '}
            <code class="key">{site.publicKey}</code> identifies this site; it is safe to publish. Your website’s address must be
            one of the allowed origins below.
          </p>
          {INSTALLS.map(({ key, title, what }) => (
            <div class="install-option" key={key} data-install={key}>
              <h3 class="install-option-title">{title}</h3>
              <p class="muted small">{what}</p>
              <CodeSnippet code={site.snippets[key]} label="HTML" copyLabel="Copy" />
            </div>
          ))}
          <TestInquiry site={site} />
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

        <ConsentSettingCard site={site} onChange={onChange} />

        <SiteLimitsCard site={site} onChange={onChange} quota={quota} />

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
            <p>
              Permanently deletes the site and its analytics events. Leads and inquiries it brought in are kept. Held submissions in{' '}
              <Link href="/filtered">Filtered</Link> must be released or deleted first.
            </p>
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
        error={heldRefusal ? null : deletion.dialog.error}
        onCancel={() => {
          setHeldRefusal(false);
          deletion.dialog.onCancel();
        }}
        title={`Delete “${site.name}”?`}
        confirmLabel="Delete site"
        danger
      >
        <p>This permanently deletes:</p>
        <ul>
          <li>the site and its public key — the snippet on your website stops recording;</li>
          <li>all of its analytics events (page views and tool interactions) and visitor records.</li>
        </ul>
        <p>
          Leads who browsed this site lose the points that browsing earned: their scores are recalculated from what is left
          shortly after the delete, so some warm or hot leads may cool down.
        </p>
        <p>
          Leads and inquiries that came from this site are kept. Submissions still held in Filtered would be lost, so a site that
          has some can’t be deleted until you release or delete them. This can’t be undone.
        </p>
        {heldRefusal && deletion.dialog.error && (
          <p class="form-error" role="alert">
            {deletion.dialog.error} <Link href="/filtered">Open Filtered</Link>
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}
