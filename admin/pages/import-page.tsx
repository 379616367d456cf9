// "Import contacts": a realtor moving from a spreadsheet or another CRM brings their contacts in
// from a CSV file. The file is read in the browser and sent as text; "Check file" is a dry run
// (nothing written) that answers the column mapping, the counts, the first issues and rows; each
// mapping changed re-runs it with `columns`. "Import" writes them all or none, and an import can
// be undone (its leads deleted) from the result or from "Recent imports".
// Imported people are contacts the realtor already knows: the status defaults to Contacted (New
// would put them all in Today's "Not contacted yet") and the CRM's webhooks stay quiet unless asked.
// Every string from the file is rendered as text by Preact, never as HTML.
import type { ComponentChildren } from 'preact';
import { useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ACTIVITY_TYPE_LABELS } from '#core/shared/activity-rules.ts';
import { extraContactInfo } from '#core/shared/contact-info.ts';
import { CONTACT_ACTIVITY_TYPES, type ContactActivityType } from '#core/shared/enums.ts';
import { ApiError, errorMessage, type LeadStatus, leadsPath, sitesApi } from '../api-client.ts';
import { Badge, type BadgeTone } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { breadcrumb } from '../components/detail-fallback.tsx';
import { CheckboxField, ErrorText, SelectField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { Spinner } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { formatCount, formatDateTime, formatRelativeTime, plural } from '../format.ts';
import {
  IMPORT_FIELD_LABELS, IMPORT_FIELDS, IMPORT_MAX_CSV_CHARS, type ImportField, type ImportIssue, type ImportIssueKind, type ImportLeadsResult, importApi, type LeadImport,
  MULTI_COLUMN_FIELDS,
} from '../import-api.ts';
import { IMPORT_SAMPLE_CSV, IMPORT_SAMPLE_FILE_NAME } from '../import-sample.ts';
import { LEAD_STATUSES, siteOptions, statusLabel } from '../lead-format.ts';
import { lastLeadsPath } from '../leads-list-memory.ts';
import { Link, useLeaveGuard } from '../router.tsx';
import { useApi } from '../use-api.ts';

/** What a "Last contacted" date can be logged as: the contact types, with the timeline's labels. */
const CONTACT_TYPE_OPTIONS = CONTACT_ACTIVITY_TYPES.map((value) => ({ value, label: ACTIVITY_TYPE_LABELS[value] }));

/** Issues shown before "Show all": a long list would push the preview and the Import button far down. */
const ISSUES_SHOWN_FIRST = 8;

const ISSUE_KINDS: Record<ImportIssueKind, { label: string; tone: BadgeTone }> = {
  invalid: { label: 'Invalid', tone: 'danger' },
  duplicate: { label: 'Already a lead', tone: 'info' },
  warning: { label: 'Warning', tone: 'warning' },
};

/** The file as read in the browser. */
interface ChosenFile {
  name: string;
  text: string;
}

/** The import just made, and what its undo deleted once undone. */
type ImportedState = ImportLeadsResult & { fileName: string; undone?: number };

/** The import an undo is about, for the confirmation. */
interface UndoTarget {
  importId: string;
  fileName: string | null;
  remaining: number;
}

export function ImportPage() {
  const sites = useApi((signal) => sitesApi.list({ signal }), []);
  const recent = useApi((signal) => importApi.list({ signal }), []);
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [siteId, setSiteId] = useState('');
  const [defaultStatus, setDefaultStatus] = useState<LeadStatus>('contacted');
  const [notifyWebhooks, setNotifyWebhooks] = useState(false);
  /** What a "Last contacted" date is logged as. */
  const [contactType, setContactType] = useState<ContactActivityType>('call');
  /** The mapping chosen by hand (one entry per header column), or null to let the server detect it. */
  const [columns, setColumns] = useState<Array<ImportField | null> | null>(null);
  const [check, setCheck] = useState<ImportLeadsResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const [importError, setImportError] = useState<unknown>(null);
  const [imported, setImported] = useState<ImportedState | null>(null);
  /** Changed after an import: the file input starts again, empty. */
  const [pickerKey, setPickerKey] = useState(0);
  const [undoing, setUndoing] = useState<UndoTarget | null>(null);
  const [undoBusy, setUndoBusy] = useState(false);
  const [undoError, setUndoError] = useState<string | null>(null);
  /** Only the answer to the latest check is shown (a mapping changed twice quickly sends two). */
  const checkSeq = useRef(0);
  /** Set by "Check file": the answer takes focus (not after a mapping change, which keeps it on its select). */
  const focusCheck = useRef(false);
  const checkHeading = useRef<HTMLHeadingElement>(null);

  const body = (chosen: ChosenFile, mapping: Array<ImportField | null> | null, status: LeadStatus) => ({
    csv: chosen.text,
    fileName: chosen.name.slice(0, 255),
    defaultStatus: status,
    ...(siteId ? { siteId } : {}),
    ...(mapping ? { columns: mapping } : {}),
  });

  const runCheck = async (chosen: ChosenFile, mapping: Array<ImportField | null> | null, status: LeadStatus) => {
    const seq = ++checkSeq.current;
    setChecking(true);
    setCheckError(null);
    setImportError(null);
    try {
      const answer = await importApi.check(body(chosen, mapping, status));
      if (seq === checkSeq.current) setCheck(answer);
    } catch (err) {
      if (seq === checkSeq.current) setCheckError(err);
    } finally {
      if (seq === checkSeq.current) setChecking(false);
    }
  };

  useLayoutEffect(() => {
    if (check && focusCheck.current) {
      focusCheck.current = false;
      checkHeading.current?.focus();
    }
  }, [check]);

  const chooseFile = async (picked: File | null | undefined) => {
    checkSeq.current++; // an answer about the previous file is not shown
    setChecking(false);
    setCheck(null);
    setCheckError(null);
    setImportError(null);
    setColumns(null);
    setFile(null);
    setFileError(null);
    if (!picked) return;
    const text = await picked.text();
    if (text.length > IMPORT_MAX_CSV_CHARS) {
      setFileError(
        `“${picked.name}” is too big to import: ${formatCount(text.length)} characters, and the limit is ${formatCount(IMPORT_MAX_CSV_CHARS)}. Split it into smaller files and import them one after the other.`,
      );
      return;
    }
    if (!text.trim()) {
      setFileError(`“${picked.name}” is empty.`);
      return;
    }
    setImported(null);
    setFile({ name: picked.name, text });
  };

  const checkFile = () => {
    if (!file) return;
    focusCheck.current = true;
    void runCheck(file, columns, defaultStatus);
  };

  /** One column mapped to `field`: a field other than email and phone comes from one column, so another column mapped to it lets go. */
  const remap = (index: number, field: ImportField | null) => {
    if (!check || !file) return;
    const next = check.columns.map((c) => c.field);
    if (field && !MULTI_COLUMN_FIELDS.includes(field)) for (let i = 0; i < next.length; i++) if (next[i] === field) next[i] = null;
    next[index] = field;
    setColumns(next);
    void runCheck(file, next, defaultStatus);
  };

  const changeStatus = (status: LeadStatus) => {
    setDefaultStatus(status);
    // The preview shows each row's status: check again with the new default.
    if (check && file) void runCheck(file, columns, status);
  };

  const runImport = async () => {
    if (!file) return;
    setImporting(true);
    setImportError(null);
    try {
      const answer = await importApi.run({ ...body(file, columns, defaultStatus), notifyWebhooks, contactType });
      setImported({ ...answer, fileName: file.name });
      setPickerKey((k) => k + 1);
      setFile(null);
      setCheck(null);
      setColumns(null);
      recent.reload();
    } catch (err) {
      setImportError(err);
    } finally {
      setImporting(false);
    }
  };

  const askUndo = (target: UndoTarget) => {
    setUndoError(null);
    setUndoing(target);
  };

  const undo = async () => {
    if (!undoing) return;
    setUndoBusy(true);
    setUndoError(null);
    try {
      const { deleted } = await importApi.undo(undoing.importId);
      if (imported?.importId === undoing.importId) setImported({ ...imported, undone: deleted });
      showToast(`Import undone: ${plural(deleted, 'contact')} deleted.`);
      setUndoing(null);
      recent.reload();
    } catch (err) {
      setUndoError(errorMessage(err));
    } finally {
      setUndoBusy(false);
    }
  };

  // A checked file not imported yet is work the realtor would lose by leaving.
  useLeaveGuard(Boolean(file && check && check.toCreate > 0) && !importing, 'This file is checked but not imported. Leave without importing it?');

  const siteList = sites.data?.items ?? [];
  return (
    <div class="import-page">
      <PageHeader
        title="Import contacts"
        breadcrumb={breadcrumb({ href: lastLeadsPath(), label: 'Leads' }, 'Import')}
        description="Bring in the people you already know from a spreadsheet or another CRM, as a CSV file. You see what will happen before anything is saved, and an import can be undone."
      />

      {imported && <ImportedPanel result={imported} onUndo={askUndo} />}

      <section class="card" aria-labelledby="import-file-title">
        <h2 id="import-file-title" class="card-title">
          {imported ? 'Import another file' : 'Choose a file'}
        </h2>
        {/* A new key after an import empties the input for the next file. */}
        <FilePicker key={pickerKey} file={file} error={fileError} onChoose={chooseFile} />
        <div class="form-grid import-options">
          <SelectField
            id="import-site"
            label="Site"
            hint="Where these contacts came from (optional)."
            value={siteId}
            onChange={(e) => setSiteId(e.currentTarget.value)}
            options={siteOptions(siteList)}
          />
          <SelectField
            id="import-status"
            label="Status for imported contacts"
            hint="For rows without a status of their own. New would put them all in Today’s “Not contacted yet”."
            value={defaultStatus}
            onChange={(e) => changeStatus(e.currentTarget.value as LeadStatus)}
            options={LEAD_STATUSES}
          />
        </div>
        <CheckboxField
          class="import-notify"
          label={
            <>
              Send <code>lead.created</code> to my webhooks
            </>
          }
          hint="Off: your CRM is not told about these contacts (they are probably in it already)."
          checked={notifyWebhooks}
          onChange={(e) => setNotifyWebhooks(e.currentTarget.checked)}
        />
        <div class="form-actions">
          <Button variant={check ? 'secondary' : 'primary'} onClick={checkFile} disabled={!file} loading={checking && !check} busyLabel="Checking…">
            {check ? 'Check again' : 'Check file'}
          </Button>
          {!file && !fileError && <span class="muted small">Choose a file first.</span>}
        </div>
        {checkError !== null && !check && <RequestError title="Could not check this file" error={checkError} />}
      </section>

      {check && file && (
        <CheckPanel
          check={check}
          headingRef={checkHeading}
          refreshing={checking}
          error={checkError}
          importing={importing}
          importError={importError}
          contactType={contactType}
          onContactType={setContactType}
          onRemap={remap}
          onImport={runImport}
        />
      )}

      <section class="card card-flush" aria-labelledby="import-recent-title">
        <h2 id="import-recent-title" class="card-title card-title-padded">
          Recent imports
        </h2>
        <div class="card-body-padded">
          <Loaded state={recent} loadingLabel="Loading your imports…" errorTitle="Could not load your imports">
            {(data) =>
              data.items.length === 0 ? (
                <p class="muted import-none">Nothing imported yet. Each file you import is listed here, with a way to undo it.</p>
              ) : (
                <ImportHistory items={data.items} onUndo={askUndo} />
              )
            }
          </Loaded>
        </div>
      </section>

      <ConfirmDialog
        open={undoing !== null}
        title="Undo this import?"
        confirmLabel={undoing ? `Delete ${plural(undoing.remaining, 'contact')}` : 'Delete'}
        danger
        busy={undoBusy}
        error={undoError}
        onConfirm={undo}
        onCancel={() => setUndoing(null)}
      >
        <p>
          This deletes the {plural(undoing?.remaining ?? 0, 'contact')} {undoing?.fileName ? <>imported from “{undoing.fileName}”</> : 'this import created'} that are still in
          Porchlight, with anything logged on them since. Leads you already had are not touched. This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}

/** The sample file as a link target: a download, no request (the admin's CSP does not govern downloads). */
const SAMPLE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(IMPORT_SAMPLE_CSV)}`;

/** The file input (with its visible label), which also takes a file dropped anywhere on its zone. */
function FilePicker({ file, error, onChoose }: { file: ChosenFile | null; error: string | null; onChoose(file: File | null | undefined): void }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping a file is a pointer extra; the file input inside is the keyboard path
    <div
      class={`import-drop${over ? ' is-over' : ''}${error ? ' is-invalid' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const dropped = e.dataTransfer?.files;
        if (!dropped?.[0]) return;
        // The input shows the dropped file's name, as if it had been chosen with it.
        if (input.current) input.current.files = dropped;
        onChoose(dropped[0]);
      }}
    >
      <label class="field-label" for="import-file">
        CSV file
      </label>
      <p class="field-hint" id="import-file-hint">
        The first line names the columns (Name, Email, Phone…), separated by commas, semicolons or tabs. Up to 5,000 contacts; a Porchlight, Google Contacts or Outlook export works as it is. You can also drop the file here.{' '}
        <a href={SAMPLE_HREF} download={IMPORT_SAMPLE_FILE_NAME}>
          Download a sample file
        </a>
      </p>
      <input
        ref={input}
        id="import-file"
        class="file-input"
        type="file"
        accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"
        aria-describedby={error ? 'import-file-hint import-file-error' : 'import-file-hint'}
        aria-invalid={error ? 'true' : undefined}
        onChange={(e) => onChoose(e.currentTarget.files?.[0])}
      />
      {file && (
        <p class="import-file-chosen small">
          <strong class="import-file-name">{file.name}</strong> · {formatCount(Math.max(1, Math.round(file.text.length / 1024)))} KB
        </p>
      )}
      <ErrorText id="import-file-error" error={error} alert />
    </div>
  );
}

/** A problem a 400 names: the line of a CSV that cannot be read, a column mapped twice. */
interface RequestIssue {
  message: string;
  line?: number;
}

function requestIssues(error: unknown): RequestIssue[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return (error.details as unknown[])
    .filter((d): d is RequestIssue => typeof d === 'object' && d !== null && typeof (d as RequestIssue).message === 'string')
    .filter((d) => d.message !== error.message);
}

/**
 * A failed request: its message, and the details a 400 gives (with their lines). It does not take
 * focus: it can appear as a column's select changes, and focus stays there.
 */
function RequestError({ title, error }: { title: string; error: unknown }) {
  const issues = requestIssues(error).map((issue) => ({ message: typeof issue.line === 'number' ? `Line ${issue.line}: ${issue.message}` : issue.message }));
  return <FormError class="import-error" title={title} takeFocus={false} problem={{ message: errorMessage(error), issues }} />;
}

function CheckPanel({ check, headingRef, refreshing, error, importing, importError, contactType, onContactType, onRemap, onImport }: {
  check: ImportLeadsResult;
  headingRef: { current: HTMLHeadingElement | null };
  refreshing: boolean;
  error: unknown;
  importing: boolean;
  importError: unknown;
  contactType: ContactActivityType;
  onContactType(type: ContactActivityType): void;
  onRemap(index: number, field: ImportField | null): void;
  onImport(): void;
}) {
  const n = check.toCreate;
  return (
    <section class={`card import-check${refreshing ? ' is-refreshing' : ''}`} aria-labelledby="import-check-title" aria-busy={refreshing || undefined}>
      <div class="card-head">
        <h2 id="import-check-title" class="card-title" tabIndex={-1} ref={headingRef}>
          What this file holds
        </h2>
        {refreshing && (
          <span class="refreshing-note muted small" role="status">
            <Spinner size="sm" /> Checking again…
          </span>
        )}
      </div>
      {error !== null && <RequestError title="Could not check this mapping" error={error} />}
      <p class="muted">
        {plural(check.rows, 'row')} read. Nothing is saved until you import.
      </p>
      <div class="kpis import-counts">
        <Count label="To create" value={check.toCreate} hint="new contacts" />
        <Count label="Already leads" value={check.duplicates} hint="skipped, left as they are" />
        <Count label="Invalid" value={check.invalid} hint="skipped" />
        <Count label="Warnings" value={check.warnings} hint="imported, with a default" />
      </div>

      <ColumnMapping check={check} disabled={importing} onRemap={onRemap} />
      {check.columns.some((c) => c.field === 'lastContactedAt') && (
        <SelectField
          id="import-contact-type"
          class="import-contact-type"
          label="Log each “Last contacted” date as a"
          hint="One contact per imported lead, on that date: the lead counts as contacted and is not waiting for a first call."
          value={contactType}
          disabled={importing}
          onChange={(e) => onContactType(e.currentTarget.value as ContactActivityType)}
          options={CONTACT_TYPE_OPTIONS}
        />
      )}
      <IssueList check={check} />
      <Preview check={check} />

      {importError !== null && <RequestError title="Nothing was imported" error={importError} />}
      <div class="form-actions import-actions">
        <Button onClick={onImport} disabled={n === 0 || refreshing} loading={importing} busyLabel="Importing…">
          Import {plural(n, 'contact')}
        </Button>
        {n === 0 && <span class="muted small">Nothing to import: every row is already a lead or invalid.</span>}
      </div>
    </section>
  );
}

function Count({ label, value, hint }: { label: string; value: number; hint: string }) {
  return (
    <div class="kpi card">
      <p class="kpi-label">{label}</p>
      <p class="kpi-value">{formatCount(value)}</p>
      <p class="kpi-hint">{hint}</p>
    </div>
  );
}

/** One select per column of the file: the field it fills, or Ignore. */
function ColumnMapping({ check, disabled, onRemap }: { check: ImportLeadsResult; disabled: boolean; onRemap(index: number, field: ImportField | null): void }) {
  const hintId = useId();
  return (
    <fieldset class="import-mapping">
      <legend class="import-subtitle">Columns</legend>
      <p class="field-hint" id={hintId}>
        What each column of the file fills in. A field comes from one column: choosing it for another column ignores the first. Email and phone can
        come from several columns: each contact gets the first one that holds a valid address or number.
      </p>
      <ul class="import-columns">
        {check.columns.map((c) => {
          const id = `import-column-${c.index}`;
          const header = c.header.trim();
          const before = c.choice && c.choice > 1 ? check.columns.find((o) => o.field === c.field && o.choice === c.choice! - 1) : undefined;
          return (
            <li key={c.index} class="field import-column">
              <label class="field-label import-column-label" for={id}>
                <span class="visually-hidden">Column {c.index + 1}: </span>
                {header || <span class="muted">Column {c.index + 1} (no name)</span>}
              </label>
              <select
                id={id}
                class={`input select${c.field ? '' : ' is-ignored'}`}
                value={c.field ?? ''}
                disabled={disabled}
                aria-describedby={hintId}
                onChange={(e) => onRemap(c.index, (e.currentTarget.value || null) as ImportField | null)}
              >
                <option value="">Ignore</option>
                {IMPORT_FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {IMPORT_FIELD_LABELS[f]}
                  </option>
                ))}
              </select>
              {c.choice === 1 && <p class="field-hint import-column-choice">First choice</p>}
              {before && <p class="field-hint import-column-choice">If “{before.header.trim() || `Column ${before.index + 1}`}” is empty or not valid</p>}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function IssueList({ check }: { check: ImportLeadsResult }) {
  const [all, setAll] = useState(false);
  const { issues } = check;
  if (issues.length === 0) {
    return (
      <div class="import-issues">
        <h3 class="import-subtitle">Issues</h3>
        <p class="muted">None: every row can be imported.</p>
      </div>
    );
  }
  const shown = all ? issues : issues.slice(0, ISSUES_SHOWN_FIRST);
  return (
    <div class="import-issues">
      <h3 class="import-subtitle">Issues</h3>
      <ul class="import-issue-list">
        {shown.map((issue, i) => (
          <IssueItem key={`${issue.line}-${i}`} issue={issue} />
        ))}
      </ul>
      {issues.length > ISSUES_SHOWN_FIRST && (
        <Button variant="ghost" size="sm" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? 'Show fewer issues' : `Show all ${issues.length} issues`}
        </Button>
      )}
      {check.issuesTruncated && <p class="muted small">Only the first {issues.length} issues are listed; the counts above include every row.</p>}
    </div>
  );
}

function IssueItem({ issue }: { issue: ImportIssue }) {
  const kind = ISSUE_KINDS[issue.kind];
  return (
    <li class="import-issue" data-kind={issue.kind}>
      <span class="import-issue-line">Line {issue.line}</span>
      <Badge tone={kind.tone}>{kind.label}</Badge>
      <span class="import-issue-message">
        {issue.field && <span class="muted">{IMPORT_FIELD_LABELS[issue.field]}: </span>}
        {issue.message}
        {issue.leadId && (
          <>
            {' '}
            <Link href={`/leads/${issue.leadId}`}>Open the lead</Link>
          </>
        )}
      </span>
    </li>
  );
}

/** The first rows to create, as they will be saved (a table; stacked rows on a phone). */
function Preview({ check }: { check: ImportLeadsResult }) {
  if (check.preview.length === 0) return null;
  const more = check.toCreate > check.preview.length;
  /** A column for the last contact only when a previewed row has one. */
  const contacted = check.preview.some((row) => row.lastContactedAt);
  return (
    <div class="import-preview">
      <h3 class="import-subtitle">Preview</h3>
      <p class="field-hint">
        {more ? `The first ${check.preview.length} of ${formatCount(check.toCreate)} contacts to create, as they will be saved.` : 'The contacts to create, as they will be saved.'}
      </p>
      {/* Scrolls sideways inside itself on a narrow desktop; a phone gets stacked rows (styles.css). */}
      <section
        class="table-wrap import-preview-wrap"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a box that scrolls sideways must be reachable from the keyboard to scroll it
        tabIndex={0}
        aria-label="Preview of the contacts to create"
      >
        <table class="table table-compact import-preview-table">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Phone</th>
              <th scope="col">Status</th>
              <th scope="col">Stage</th>
              <th scope="col">Added</th>
              {contacted && <th scope="col">Last contacted</th>}
              <th scope="col">Other contact info</th>
            </tr>
          </thead>
          <tbody>
            {check.preview.map((row) => (
              <tr key={row.line} data-line={row.line}>
                <td class="num import-preview-line" data-label="Line">
                  {row.line}
                </td>
                <th scope="row" data-label="Name">
                  {row.name ?? <span class="muted">—</span>}
                </th>
                <Cell label="Email" value={row.email} />
                <Cell label="Phone" value={row.phone} />
                <td data-label="Status">{statusLabel(row.status)}</td>
                <Cell label="Stage" value={row.stage} />
                <DateCell label="Added" iso={row.createdAt} />
                {contacted && <DateCell label="Last contacted" iso={row.lastContactedAt} />}
                {/* As the lead page shows it: only when it adds to the email and phone (it is often generated from them). */}
                <Cell label="Other contact info" value={extraContactInfo(row.contactInfo, row.email, row.phone)} class="import-preview-info" />
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

/** A preview cell; an empty one is a dash in the table and left out of a phone's stacked row. */
function Cell({ label, value, class: cls }: { label: string; value: ComponentChildren; class?: string }) {
  const classes = [cls, value ? '' : 'is-empty'].filter(Boolean).join(' ') || undefined;
  return (
    <td data-label={label} class={classes}>
      {value || <span class="muted">—</span>}
    </td>
  );
}

/** A preview cell holding a date (the full time on hover), or empty. */
function DateCell({ label, iso }: { label: string; iso: string | null }) {
  return (
    <Cell
      label={label}
      value={iso && (
        <time dateTime={iso} title={formatDateTime(iso)}>
          {formatShortDate(iso)}
        </time>
      )}
    />
  );
}

const SHORT_DATE = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

function formatShortDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : SHORT_DATE.format(date);
}

/** What the import just did, with the way back. */
function ImportedPanel({ result, onUndo }: { result: ImportedState; onUndo(target: UndoTarget): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [result.importId, result.undone]);
  const skipped = [result.duplicates > 0 && `${plural(result.duplicates, 'row')} already leads`, result.invalid > 0 && `${plural(result.invalid, 'invalid row')}`].filter(Boolean);
  if (result.undone !== undefined) {
    return (
      <section class="card import-result" aria-labelledby="import-result-title">
        <h2 id="import-result-title" class="card-title" tabIndex={-1} ref={heading}>
          Import undone
        </h2>
        <p>{plural(result.undone, 'contact')} deleted. You can import the file again below.</p>
      </section>
    );
  }
  return (
    <section class="card card-success import-result" aria-labelledby="import-result-title">
      <h2 id="import-result-title" class="card-title" tabIndex={-1} ref={heading}>
        <span aria-hidden="true">✓ </span>Imported {plural(result.toCreate, 'contact')}
      </h2>
      <p>
        {skipped.length > 0 ? `Skipped ${skipped.join(' and ')}. ` : ''}
        {result.warnings > 0 ? `${plural(result.warnings, 'value')} could not be read and got a default. ` : ''}
      </p>
      <div class="form-actions">
        <Link href={importedLeadsHref(result.importId)} class="btn btn-primary">
          See them in your leads
        </Link>
        {result.importId && (
          <Button variant="secondary" onClick={() => onUndo({ importId: result.importId!, fileName: result.fileName, remaining: result.toCreate })}>
            Undo import
          </Button>
        )}
      </div>
    </section>
  );
}

/** The leads list showing one import's leads (those still there), newest first. */
function importedLeadsHref(importId: string | null): string {
  return leadsPath({ sort: 'created', importId: importId ?? undefined });
}

/** The account's latest imports: what each created, what is left of it, and Undo. */
function ImportHistory({ items, onUndo }: { items: LeadImport[]; onUndo(target: UndoTarget): void }) {
  return (
    <ul class="import-history">
      {items.map((item) => {
        const name = item.fileName || 'Untitled file';
        return (
          <li key={item.importId} class="import-history-item" data-import-id={item.importId}>
            <div class="import-history-main">
              <p class="import-history-name">{name}</p>
              <p class="muted small">
                <time dateTime={item.createdAt} title={formatDateTime(item.createdAt)}>
                  {formatRelativeTime(item.createdAt)}
                </time>
                {' · '}
                {formatCount(item.created)} created
                {item.duplicates > 0 && ` · ${item.duplicates} already leads`}
                {item.invalid > 0 && ` · ${item.invalid} invalid`}
                {item.notifyWebhooks && ' · sent to webhooks'}
              </p>
            </div>
            <div class="import-history-side">
              {item.undoneAt ? (
                <Badge tone="neutral" title={formatDateTime(item.undoneAt)}>
                  Undone
                </Badge>
              ) : (
                <>
                  {item.remaining > 0 ? (
                    <Link href={importedLeadsHref(item.importId)} class="small import-history-remaining" aria-label={`${formatCount(item.remaining)} remaining from ${name}: see them`}>
                      {formatCount(item.remaining)} remaining
                    </Link>
                  ) : (
                    <span class="small import-history-remaining">none remaining</span>
                  )}
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={`Undo the import of ${name}`}
                    onClick={() => onUndo({ importId: item.importId, fileName: item.fileName, remaining: item.remaining })}
                  >
                    Undo
                  </Button>
                </>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
