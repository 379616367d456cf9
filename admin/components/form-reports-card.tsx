// "From the website form": what unauthenticated submissions said about this lead but did not
// establish (docs/lead-poisoning.md) — contact details reported by the form or an identify event,
// each adoptable as the lead's own — and the lead's form inquiries with their verification flag
// and the consent the visitor gave (docs/consent.md). Rendered on the lead page.
import { useState } from 'preact/hooks';
import { errorMessage, type Inquiry, type Lead, leadsApi } from '../api-client.ts';
import { type ReportedContact, reportedContactsApi } from '../form-reports-api.ts';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import { useApi } from '../use-api.ts';
import { Badge } from './badge.tsx';
import { Button } from './button.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { LoadError } from './load-error.tsx';
import { Loading } from './spinner.tsx';
import { showToast } from './toast.tsx';

const KIND_LABEL: Record<ReportedContact['kind'], string> = { email: 'email', phone: 'phone', name: 'name' };

/** The lead's current value of a reported kind (so "use as …" hides when it already is). */
const currentValue = (lead: Lead, kind: ReportedContact['kind']) => (kind === 'email' ? lead.email : kind === 'phone' ? lead.phone : lead.name);

export function FormReportsCard({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const reports = useApi((signal) => reportedContactsApi.list(lead.leadId, { signal }), [lead.leadId]);
  const inquiries = useApi((signal) => leadsApi.inquiries(lead.leadId, { signal }), [lead.leadId]);
  const [busy, setBusy] = useState<string | null>(null);
  const [dismissing, setDismissing] = useState<ReportedContact | null>(null);
  const [dismissError, setDismissError] = useState<string | null>(null);

  const formInquiries = (inquiries.data?.items ?? []).filter((i) => i.source === 'widget');
  const items = reports.data?.items ?? [];

  const adopt = async (r: ReportedContact) => {
    setBusy(r.reportedContactId);
    try {
      const { lead: updated } = await reportedContactsApi.adopt(r.reportedContactId);
      onChange(updated);
      reports.reload();
      showToast(`Saved ${r.value} as the lead’s ${KIND_LABEL[r.kind]}.`);
    } catch (err) {
      showToast(`Could not use it: ${errorMessage(err)}`, 'error');
    } finally {
      setBusy(null);
    }
  };
  const confirmDismiss = async () => {
    if (!dismissing) return;
    setBusy(dismissing.reportedContactId);
    setDismissError(null);
    try {
      await reportedContactsApi.dismiss(dismissing.reportedContactId);
      setDismissing(null);
      reports.reload();
      showToast('Dismissed. The lead is unchanged.');
    } catch (err) {
      setDismissError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const loading = (reports.data === undefined && !reports.error) || (inquiries.data === undefined && !inquiries.error);
  return (
    <section class="card form-reports" aria-labelledby="form-reports-title">
      <h2 id="form-reports-title" class="card-title">
        From the website form
      </h2>
      {reports.error || inquiries.error ? (
        <LoadError
          title="Could not load what the form sent"
          onRetry={() => {
            reports.reload();
            inquiries.reload();
          }}
        >
          {errorMessage(reports.error ?? inquiries.error)}
        </LoadError>
      ) : loading ? (
        <Loading label="Loading form submissions…" />
      ) : items.length === 0 && formInquiries.length === 0 ? (
        <p class="muted small">Nothing from the website form yet.</p>
      ) : (
        <>
          {items.length > 0 && (
            <>
              <p class="muted small">
                Not added to the lead: anyone who knows this lead’s email can send the form, so check these before you use them.
              </p>
              <ul class="form-report-list">
                {items.map((r) => (
                  <li key={r.reportedContactId} class="form-report" data-kind={r.kind}>
                    <p class="form-report-text">
                      {r.source === 'identify' ? 'Reported by a visitor on ' : 'Reported by the form on '}
                      <time dateTime={r.lastReportedAt} title={formatRelativeTime(r.lastReportedAt)}>
                        {formatDateTime(r.lastReportedAt)}
                      </time>
                      : <span class="visually-hidden">{KIND_LABEL[r.kind]} </span>
                      <strong class="form-report-value">{r.value}</strong>
                      {r.reportCount > 1 && <span class="muted"> ({r.reportCount}×)</span>}
                    </p>
                    {r.source === 'identify' && !r.adoptedAt && <p class="muted small">Their browsing was not attached to this lead.</p>}
                    {r.adoptedAt ? (
                      <Badge tone="success">Used as the lead’s {KIND_LABEL[r.kind]}</Badge>
                    ) : (
                      <div class="form-report-actions">
                        {currentValue(lead, r.kind) !== r.value && (
                          <Button size="sm" variant="secondary" loading={busy === r.reportedContactId} disabled={busy !== null} onClick={() => adopt(r)}>
                            Use as {KIND_LABEL[r.kind]}
                          </Button>
                        )}
                        <Button size="sm" variant="ghost" disabled={busy !== null} onClick={() => setDismissing(r)} aria-label={`Dismiss the reported ${KIND_LABEL[r.kind]} ${r.value}`}>
                          Dismiss
                        </Button>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          {formInquiries.length > 0 && (
            <>
              <h3 class="form-reports-subtitle">Form inquiries</h3>
              <ul class="form-report-list">
                {formInquiries.map((i) => (
                  <FormInquiry key={i.inquiryId} inquiry={i} />
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <ConfirmDialog
        open={dismissing !== null}
        title="Dismiss this report?"
        confirmLabel="Dismiss"
        danger
        busy={dismissing !== null && busy === dismissing.reportedContactId}
        error={dismissError}
        onConfirm={confirmDismiss}
        onCancel={() => {
          setDismissing(null);
          setDismissError(null);
        }}
      >
        <p>
          The reported {dismissing ? KIND_LABEL[dismissing.kind] : ''} <strong>{dismissing?.value}</strong> is removed from this page. The lead stays as it is.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function FormInquiry({ inquiry: i }: { inquiry: Inquiry }) {
  return (
    <li class="form-report" data-inquiry-id={i.inquiryId}>
      <p class="form-report-text">
        <time dateTime={i.createdAt}>{formatDateTime(i.createdAt)}</time>{' '}
        {i.unverified ? (
          <Badge tone="warning" title="Its contact details differ from the lead’s: it may not be from this person">
            Unverified
          </Badge>
        ) : (
          <Badge tone="neutral">Matches the lead</Badge>
        )}
      </p>
      <p class="form-report-message">{i.message}</p>
      {i.consent ? (
        <p class="small form-report-consent">
          Consent given {formatDateTime(i.consent.at)}
          {i.consent.version && <> (version {i.consent.version})</>}
          {i.consent.text ? <>: “{i.consent.text}”</> : <span class="muted"> (wording not recorded)</span>}
        </p>
      ) : (
        <p class="small muted">No consent recorded.</p>
      )}
    </li>
  );
}
