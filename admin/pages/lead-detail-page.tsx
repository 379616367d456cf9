// One lead: who they are, why they score what they score, everything they did, and what to do next.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage, type Lead, type LeadStatus, leadsApi, type ScoreBreakdown, sitesApi, type UpdateLeadInput } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { Field, TextAreaField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { SearchIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { BandBadge, ScoreMeter } from '../components/score.tsx';
import { Loading, Spinner } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import { clientProblem, type FieldErrors, type FormProblem, splitApiError } from '../forms.ts';
import { LEAD_STATUSES, leadDisplayName, statusLabel } from '../lead-format.ts';
import { Link, navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { LeadTimeline } from './lead-timeline.tsx';

/** How long to wait for the scoring worker after an inquiry before saying "shortly". */
const SCORE_POLL_TIMEOUT_MS = 15_000;
const SCORE_POLL_FIRST_MS = 400;
const SCORE_POLL_MAX_MS = 2_000;
/** Clock skew tolerated between the API (inquiry time) and the worker (scoring time). */
const CLOCK_SKEW_MS = 1_000;

const breadcrumb = (current: string) => (
  <ol>
    <li>
      <Link href="/leads">Leads</Link>
    </li>
    <li aria-current="page">{current}</li>
  </ol>
);

export function LeadDetailPage({ params }: RouteProps) {
  const { data: lead, error, loading, reload, setData } = useApi((signal) => leadsApi.get(params.id, { signal }), [params.id]);

  if (lead === undefined && loading) {
    return (
      <>
        <PageHeader title="Lead" breadcrumb={breadcrumb('…')} />
        <Loading label="Loading lead…" />
      </>
    );
  }
  if (lead === undefined) {
    const missing = error instanceof ApiError && error.status === 404;
    return (
      <>
        <PageHeader title={missing ? 'Lead not found' : 'Could not load this lead'} breadcrumb={breadcrumb(missing ? 'Not found' : 'Error')} />
        <EmptyState
          icon={missing ? <SearchIcon /> : undefined}
          title={missing ? 'This lead doesn’t exist or was deleted' : errorMessage(error)}
          action={
            missing ? (
              <Link href="/leads" class="btn btn-primary">
                Back to your leads
              </Link>
            ) : (
              <Button onClick={reload}>Try again</Button>
            )
          }
        >
          {missing && <p>It may have been erased at the person’s request, or the link may be mistyped.</p>}
        </EmptyState>
      </>
    );
  }
  return <LeadDetail lead={lead} onChange={setData} />;
}

/** When the worker last scored the lead. */
function scoredStamp(lead: Lead): string | null {
  return lead.scoredAt ?? lead.scoreBreakdown?.computedAt ?? null;
}

type ScoreUpdate = { state: 'idle' } | { state: 'updating' } | { state: 'done'; from: number; to: number; fromBand: string; toBand: string } | { state: 'slow' };

function LeadDetail({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const name = leadDisplayName(lead);
  const [timelineKey, setTimelineKey] = useState(0);
  const [scoreUpdate, setScoreUpdate] = useState<ScoreUpdate>({ state: 'idle' });
  const alive = useRef(true);
  const latest = useRef(lead);
  latest.current = lead;
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  /** After an inquiry: poll the lead with backoff until the worker has rescored it (bounded). */
  const waitForRescore = async (before: Lead, inquiryAt: string) => {
    setScoreUpdate({ state: 'updating' });
    const since = new Date(inquiryAt).getTime() - CLOCK_SKEW_MS;
    const deadline = Date.now() + SCORE_POLL_TIMEOUT_MS;
    let delay = SCORE_POLL_FIRST_MS;
    while (alive.current && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, SCORE_POLL_MAX_MS);
      if (!alive.current) return;
      let fresh: Lead;
      try {
        fresh = await leadsApi.get(before.leadId);
      } catch {
        continue;
      }
      const scoredAt = scoredStamp(fresh);
      const rescored = scoredAt !== scoredStamp(before) && scoredAt !== null && new Date(scoredAt).getTime() >= since;
      if (rescored) {
        if (!alive.current) return;
        onChange(fresh);
        setScoreUpdate({ state: 'done', from: before.score, to: fresh.score, fromBand: before.scoreBand, toBand: fresh.scoreBand });
        return;
      }
    }
    if (alive.current) setScoreUpdate({ state: 'slow' });
  };

  return (
    <>
      <PageHeader
        title={name}
        breadcrumb={breadcrumb(name)}
        description={
          <span class="inline-list">
            <BandBadge band={lead.scoreBand} />
            <span>
              Score <strong>{lead.score}</strong>
            </span>
            <span>{statusLabel(lead.status)}</span>
            <span class="muted">Added {formatRelativeTime(lead.createdAt)}</span>
          </span>
        }
      />

      <div class="detail-grid">
        <div class="stack">
          <ScorePanel lead={lead} update={scoreUpdate} />
          <section class="card" aria-labelledby="add-inquiry-title">
            <h2 id="add-inquiry-title" class="card-title">
              Add an inquiry
            </h2>
            <p class="muted small">A call, an email or a chat at an open house. It counts towards the score like one from your website.</p>
            <AddInquiryForm
              leadId={lead.leadId}
              onAdded={(inquiryAt) => {
                setTimelineKey((n) => n + 1);
                void waitForRescore(latest.current, inquiryAt);
              }}
            />
          </section>
          <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title" class="card-title">
              Activity
            </h2>
            <LeadTimeline leadId={lead.leadId} reloadKey={timelineKey} />
          </section>
        </div>
        <div class="stack">
          <ContactCard lead={lead} onChange={onChange} />
          <DeleteLeadCard lead={lead} />
        </div>
      </div>
    </>
  );
}

/** A signal's label without a trailing "4×" when the count column says it already. */
function signalLabel(label: string, count: number): string {
  return label.replace(new RegExp(`\\s${count}×$`), '');
}

function ScorePanel({ lead, update }: { lead: Lead; update: ScoreUpdate }) {
  const breakdown: ScoreBreakdown | null = lead.scoreBreakdown;
  const signals = breakdown?.signals ?? [];
  const total = signals.reduce((sum, s) => sum + s.points, 0);
  return (
    <section class="card score-panel" aria-labelledby="score-title">
      <div class="score-panel-head">
        <h2 id="score-title" class="card-title">
          Score
        </h2>
        <div class="score-panel-value">
          <ScoreMeter score={lead.score} band={lead.scoreBand} size="lg" />
          <BandBadge band={lead.scoreBand} />
        </div>
      </div>
      <div class="score-update" role="status" aria-live="polite">
        {update.state === 'updating' && (
          <span class="inline-list">
            <Spinner size="sm" /> Updating score…
          </span>
        )}
        {update.state === 'done' &&
          (update.from === update.to ? (
            <span>Score rechecked: still {update.to}.</span>
          ) : (
            <span class="score-change">
              Score {update.to > update.from ? 'rose' : 'fell'} from {update.from} to <strong>{update.to}</strong>
              {update.fromBand !== update.toBand && ` — now ${update.toBand}`}.
            </span>
          ))}
        {update.state === 'slow' && <span class="muted">The score will update in a moment; reload the page to see it.</span>}
      </div>
      <h3 class="subheading">Why this score</h3>
      {breakdown === null ? (
        <p class="muted">Not scored yet. Scores are computed in the background within a few seconds of new activity.</p>
      ) : signals.length === 0 ? (
        <p class="muted">No scored activity yet.</p>
      ) : (
        <>
          <ul class="breakdown">
            {signals.map((s) => (
              <li key={s.key} class="breakdown-item">
                <span class="breakdown-label">{signalLabel(s.label, s.count)}</span>
                <span class="breakdown-count">{s.count === 1 ? 'once' : `${s.count} times`}</span>
                <span class="breakdown-track" aria-hidden="true">
                  <span class={`breakdown-fill score-fill-${lead.scoreBand}`} style={{ width: `${Math.min(100, Math.max(0, s.points))}%` }} />
                </span>
                <span class="breakdown-points">+{s.points}</span>
              </li>
            ))}
          </ul>
          <p class="muted small score-footnote">
            {total > lead.score && lead.score >= 100 ? `Adds up to ${total}, capped at 100. ` : ''}
            Points fade as activity ages. Scored {formatRelativeTime(breakdown.computedAt)} with{' '}
            <Link href="/scoring">{breakdown.rulesVersion === 0 ? 'the default rules' : `rules version ${breakdown.rulesVersion}`}</Link>.
          </p>
        </>
      )}
    </section>
  );
}

const INQUIRY_IDS = { message: 'inquiry-message', listingRef: 'inquiry-listing' };
const INQUIRY_MESSAGE_MAX_CHARS = 5000;

function AddInquiryForm({ leadId, onAdded }: { leadId: string; onAdded(createdAt: string): void }) {
  const [message, setMessage] = useState('');
  const [listingRef, setListingRef] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: FieldErrors = {};
    if (!message.trim()) found.message = 'Write what they asked or said';
    else if (message.length > INQUIRY_MESSAGE_MAX_CHARS) found.message = `Use at most ${INQUIRY_MESSAGE_MAX_CHARS} characters`;
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, INQUIRY_IDS));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const inquiry = await leadsApi.addInquiry(leadId, { message: message.trim(), ...(listingRef.trim() ? { listingRef: listingRef.trim() } : {}) });
      setMessage('');
      setListingRef('');
      showToast('Inquiry added.');
      onAdded(inquiry?.createdAt ?? new Date().toISOString());
    } catch (err) {
      const { fields, problem } = splitApiError(err, INQUIRY_IDS);
      setErrors(fields);
      setProblem(problem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormError problem={problem} />
      <TextAreaField
        id={INQUIRY_IDS.message}
        class="field-prose"
        label="Message"
        name="message"
        rows={3}
        maxLength={INQUIRY_MESSAGE_MAX_CHARS}
        required
        value={message}
        error={errors.message}
        onInput={(e) => setMessage(e.currentTarget.value)}
      />
      <Field
        id={INQUIRY_IDS.listingRef}
        label="Listing (optional)"
        hint="The listing it is about, e.g. its MLS number."
        name="listingRef"
        autocomplete="off"
        maxLength={200}
        value={listingRef}
        error={errors.listingRef}
        onInput={(e) => setListingRef(e.currentTarget.value)}
      />
      <div class="form-actions">
        <Button type="submit" loading={busy}>
          {busy ? 'Adding…' : 'Add inquiry'}
        </Button>
      </div>
    </form>
  );
}

const CONTACT_IDS = { name: 'lead-name', email: 'lead-email', phone: 'lead-phone', contactInfo: 'lead-contact-info' };

function ContactCard({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const [editing, setEditing] = useState(false);
  const [savingStatus, setSavingStatus] = useState(false);
  const sites = useApi((signal) => (lead.siteId ? sitesApi.get(lead.siteId, { signal }) : Promise.resolve(null)), [lead.siteId]);

  const changeStatus = async (status: LeadStatus) => {
    if (status === lead.status) return;
    setSavingStatus(true);
    try {
      const updated = await leadsApi.update(lead.leadId, { status });
      onChange(updated);
      showToast(`Status changed to ${statusLabel(updated.status)}.`);
    } catch (err) {
      showToast(`Could not change the status: ${errorMessage(err)}`, 'error');
      // Put the select back to what the server holds.
      onChange({ ...lead });
    } finally {
      setSavingStatus(false);
    }
  };

  return (
    <section class="card" aria-labelledby="contact-title">
      <div class="card-head">
        <h2 id="contact-title" class="card-title">
          Contact
        </h2>
        {!editing && (
          <Button variant="secondary" size="sm" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )}
      </div>
      <div class="field status-field">
        <label class="field-label" for="lead-status">
          Status
        </label>
        <div class="inline-list">
          <select id="lead-status" class="input select" value={lead.status} disabled={savingStatus} onChange={(e) => changeStatus(e.currentTarget.value as LeadStatus)}>
            {LEAD_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          {savingStatus && <Spinner size="sm" />}
        </div>
      </div>
      {editing ? (
        <ContactForm
          lead={lead}
          onCancel={() => setEditing(false)}
          onSaved={(updated) => {
            onChange(updated);
            setEditing(false);
            showToast('Contact details saved.');
          }}
        />
      ) : (
        <dl class="details">
          <dt>Name</dt>
          <dd>{lead.name || <span class="muted">Not given</span>}</dd>
          <dt>Email</dt>
          <dd>{lead.email ? <a href={`mailto:${lead.email}`}>{lead.email}</a> : <span class="muted">Not given</span>}</dd>
          <dt>Phone</dt>
          <dd>{lead.phone ? <a href={`tel:${lead.phone}`}>{lead.phone}</a> : <span class="muted">Not given</span>}</dd>
          {/* Widget leads carry their email or phone here too (the seed's contact_info); don't say it twice. */}
          {lead.contactInfo && lead.contactInfo !== lead.email && lead.contactInfo !== lead.phone && (
            <>
              <dt>Other contact</dt>
              <dd class="prewrap">{lead.contactInfo}</dd>
            </>
          )}
          <dt>Site</dt>
          <dd>
            {!lead.siteId ? (
              <span class="muted">Added by hand</span>
            ) : sites.data ? (
              <Link href={`/sites/${sites.data.siteId}`}>{sites.data.name}</Link>
            ) : (
              <span class="muted">{sites.loading ? '…' : 'Unknown site'}</span>
            )}
          </dd>
          <dt>Last activity</dt>
          <dd>
            {lead.lastActivityAt ? <time dateTime={lead.lastActivityAt} title={formatDateTime(lead.lastActivityAt)}>{formatRelativeTime(lead.lastActivityAt)}</time> : 'None yet'}
          </dd>
          <dt>Added</dt>
          <dd>
            <time dateTime={lead.createdAt}>{formatDateTime(lead.createdAt)}</time>
          </dd>
        </dl>
      )}
    </section>
  );
}

function ContactForm({ lead, onSaved, onCancel }: { lead: Lead; onSaved(lead: Lead): void; onCancel(): void }) {
  const [values, setValues] = useState({ name: lead.name ?? '', email: lead.email ?? '', phone: lead.phone ?? '', contactInfo: lead.contactInfo ?? '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof values) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setValues((v) => ({ ...v, [key]: e.currentTarget.value }));
  useEffect(() => document.getElementById(CONTACT_IDS.name)?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: FieldErrors = {};
    if (values.email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim())) found.email = 'Enter a valid email address, like name@example.com';
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, CONTACT_IDS));
      return;
    }
    // Send only what changed; an emptied field is cleared (null).
    const patch: UpdateLeadInput = {};
    for (const key of ['name', 'email', 'phone', 'contactInfo'] as const) {
      const next = values[key].trim();
      if (next !== (lead[key] ?? '')) patch[key] = next || null;
    }
    if (Object.keys(patch).length === 0) {
      onCancel();
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      onSaved(await leadsApi.update(lead.leadId, patch));
    } catch (err) {
      // A 409 names the taken field ("Another lead already has this email address").
      const { fields, problem } = splitApiError(err, CONTACT_IDS);
      setErrors(fields);
      setProblem(problem);
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormError problem={problem} />
      <Field id={CONTACT_IDS.name} label="Name" autocomplete="off" maxLength={255} value={values.name} error={errors.name} onInput={set('name')} />
      <Field id={CONTACT_IDS.email} label="Email" type="email" autocomplete="off" maxLength={254} value={values.email} error={errors.email} onInput={set('email')} />
      <Field id={CONTACT_IDS.phone} label="Phone" type="tel" autocomplete="off" maxLength={40} value={values.phone} error={errors.phone} onInput={set('phone')} />
      <TextAreaField
        id={CONTACT_IDS.contactInfo}
        class="field-prose"
        label="Other contact info"
        hint="Another way to reach them, the best time to call…"
        rows={2}
        maxLength={255}
        value={values.contactInfo}
        error={errors.contactInfo}
        onInput={set('contactInfo')}
      />
      <div class="form-actions">
        <Button type="submit" size="sm" loading={busy}>
          {busy ? 'Saving…' : 'Save'}
        </Button>
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function DeleteLeadCard({ lead }: { lead: Lead }) {
  const name = leadDisplayName(lead);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setDeleting(true);
    setError(null);
    try {
      await leadsApi.remove(lead.leadId);
      navigate('/leads');
      showToast(`Deleted ${name} and everything recorded about them.`);
    } catch (err) {
      setError(errorMessage(err));
      setDeleting(false);
    }
  };

  return (
    <section class="card card-danger" aria-labelledby="delete-lead-title">
      <h2 id="delete-lead-title" class="card-title">
        Delete this lead
      </h2>
      <p class="muted small">For a request to erase someone’s data. Their inquiries, activity and reminders are erased too.</p>
      <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
        Delete lead…
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirmLabel="Delete lead"
        danger
        busy={deleting}
        error={error}
        onConfirm={remove}
        onCancel={() => {
          setConfirming(false);
          setError(null);
        }}
      >
        <p>This permanently erases:</p>
        <ul>
          <li>their contact details, status and score;</li>
          <li>every inquiry they sent or you added;</li>
          <li>their recorded activity on your sites (visits, saved listings, showing requests);</li>
          <li>their follow-up reminders.</li>
        </ul>
        <p>This can’t be undone. If they send a new inquiry later, they come back as a new lead.</p>
      </ConfirmDialog>
    </section>
  );
}

