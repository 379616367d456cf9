// The scoring rules editor: every weight, the half-life and the band thresholds, a preview of how
// many leads would change band, and the background rescore's progress after saving.
import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_SCORING_RULES } from '#core/shared/scoring-defaults.ts';
import { ApiError, errorMessage, type RescoreProgress, type ScoringPreview, type ScoringRulesConfig, type ScoringRulesDoc, scoringApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { FormError } from '../components/form-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, plural } from '../format.ts';
import type { FormProblem } from '../forms.ts';
import { isRescoreStalled, RESCORE_STALL_MESSAGE } from '../rescore-stall.ts';
import { useLeaveGuard } from '../router.tsx';
import { parseRuleValues, RULE_FIELDS, RULE_GROUPS, type RuleField, type RulePath, ruleFieldId, ruleValues } from '../scoring-fields.ts';
import { useApi } from '../use-api.ts';
import { usePollUntil } from '../use-poll-until.ts';

const RESCORE_POLL_MS = 1_000;
/** Consecutive failed polls before the page says it lost track of the rescore. */
const RESCORE_POLL_MAX_FAILURES = 5;
/** Room kept between a focused field and the sticky action bar (the bar's own offset included). */
const ACTIONS_CLEARANCE_PX = 24;

type Values = Record<RulePath, string>;
type Errors = Partial<Record<RulePath, string>>;

export function ScoringPage() {
  const state = useApi((signal) => scoringApi.get({ signal }), []);
  return (
    <>
      {state.data === undefined && <PageHeader title="Scoring rules" />}
      <Loaded state={state} loadingLabel="Loading your scoring rules…" errorTitle="Could not load your scoring rules">
        {(data) => <ScoringEditor initial={data} />}
      </Loaded>
    </>
  );
}

/** "warm→hot" → "Warm → hot". */
function transitionLabel(key: string): string {
  const [from, to] = key.split(/\s*(?:→|->)\s*/);
  if (!to) return key;
  return `${from.charAt(0).toUpperCase()}${from.slice(1)} → ${to}`;
}

/** A validation issue's path ("rules.weights.pageView") → the editor field it names. */
function issueField(path: string): RulePath | null {
  const p = path.replace(/^rules\./, '');
  return RULE_FIELDS.some((f) => f.path === p) ? (p as RulePath) : null;
}

// Not `useForm`: two actions (preview and save) share one validation that returns the parsed
// rules, issues name fields by "rules."-prefixed paths and carry the field's label, an edit
// clears that field's error and the preview, and the leave guard and rescore polling hang on
// the saved document — more hooks into useForm than state it would save.
function ScoringEditor({ initial }: { initial: ScoringRulesDoc }) {
  const [doc, setDoc] = useState(initial);
  const [values, setValues] = useState<Values>(() => ruleValues(initial.rules));
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [preview, setPreview] = useState<{ result: ScoringPreview; rules: ScoringRulesConfig } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [rescore, setRescore] = useState<RescoreProgress | null>(initial.rescore && !initial.rescore.finishedAt ? initial.rescore : null);
  const [rescoreDone, setRescoreDone] = useState<RescoreProgress | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);
  const progressRef = useRef<HTMLDivElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  /** What Undo or Reset did: the pressed button goes away (or is disabled), so focus moves here rather than to <body>. */
  const [formNotice, setFormNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLSpanElement>(null);

  const saved = ruleValues(doc.rules);
  const dirty = RULE_FIELDS.some((f) => values[f.path].trim() !== saved[f.path]);
  const atDefaults = RULE_FIELDS.every((f) => Number(values[f.path]) === Number(ruleValues(DEFAULT_SCORING_RULES)[f.path]));
  const running = rescore !== null && !rescore.finishedAt;
  // The server's idle time, so a page opened on a long-stalled rescore says so at once (rescore-stall.ts).
  const stalled = running && isRescoreStalled(rescore);
  useLeaveGuard(dirty && !saving, 'Your scoring rule changes are not saved. Leave this page and discard them?');

  // The action bar sticks to the bottom of the window (a quarter to a third of a phone's): the
  // browser, which does not count it, would leave a field focused with Tab under it. A scroll
  // padding as tall as the bar makes it scroll such a field into the part left visible; and when
  // the bar grows (a first edit adds "Undo changes", a preview its result) over the field being
  // typed in, that field is brought back above it. The height goes to --sticky-bar-space, which
  // styles.css turns into the padding: set on <html> itself, the padding would override the
  // notices' rule, and notices carried from another page could cover the last fields.
  useEffect(() => {
    const bar = actionsRef.current;
    if (!bar || typeof ResizeObserver === 'undefined') return;
    const root = document.documentElement;
    const observer = new ResizeObserver(() => {
      root.style.setProperty('--sticky-bar-space', `${bar.offsetHeight + ACTIONS_CLEARANCE_PX}px`);
      const field = document.activeElement;
      if (field instanceof HTMLInputElement && field.form && !bar.contains(field) && field.getBoundingClientRect().bottom > bar.getBoundingClientRect().top) {
        field.scrollIntoView({ block: 'nearest' });
      }
    });
    observer.observe(bar);
    return () => {
      observer.disconnect();
      root.style.removeProperty('--sticky-bar-space');
    };
  }, []);

  // Poll the rescore once a second while it runs; each answer says how long it has not moved.
  const poll = usePollUntil();
  useEffect(() => {
    if (!running) return;
    const check = async () => {
      const progress = await scoringApi.rescore();
      setPollError(null);
      if (progress.finishedAt) return progress;
      setRescore(progress);
      return undefined;
    };
    const onError = (err: unknown, failures: number) => {
      if (failures >= RESCORE_POLL_MAX_FAILURES) setPollError(errorMessage(err));
    };
    void poll(check, { firstDelayMs: RESCORE_POLL_MS, onError }).then((result) => {
      if (result.state !== 'done') return;
      setRescore(null);
      setRescoreDone(result.value);
    });
  }, [running]);

  const setValue = (path: RulePath, value: string) => {
    setValues((v) => ({ ...v, [path]: value }));
    setFormNotice(null);
    setPreview(null);
    if (errors[path]) setErrors((e) => ({ ...e, [path]: undefined }));
  };

  /** Checks the form; shows its problems and returns null, or returns the rules to send. */
  const validated = (): ScoringRulesConfig | null => {
    const { rules, errors: found } = parseRuleValues(values, doc.rules);
    const entries = Object.entries(found).filter(([, m]) => m) as Array<[RulePath, string]>;
    setErrors(found);
    if (entries.length) {
      setProblem({
        message: entries.length === 1 ? 'There is a problem with a rule' : 'There are problems with these rules',
        issues: entries.map(([path, message]) => ({ fieldId: ruleFieldId(path), message: `${RULE_FIELDS.find((f) => f.path === path)?.label}: ${message}` })),
      });
      return null;
    }
    setProblem(null);
    return rules;
  };

  const showServerError = (err: unknown) => {
    const fieldErrors: Errors = {};
    const issues: NonNullable<FormProblem['issues']> = [];
    if (err instanceof ApiError) {
      for (const issue of err.fieldIssues) {
        const path = issueField(issue.path);
        if (path) {
          fieldErrors[path] = issue.message;
          issues.push({ fieldId: ruleFieldId(path), message: `${RULE_FIELDS.find((f) => f.path === path)?.label}: ${issue.message}` });
        } else issues.push({ message: issue.path ? `${issue.path}: ${issue.message}` : issue.message });
      }
    }
    setErrors(fieldErrors);
    setProblem({ message: errorMessage(err), issues });
  };

  const runPreview = async () => {
    const rules = validated();
    if (!rules) return;
    setPreviewing(true);
    try {
      setPreview({ result: await scoringApi.preview(rules), rules });
    } catch (err) {
      showServerError(err);
    } finally {
      setPreviewing(false);
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const rules = validated();
    if (!rules) return;
    setSaving(true);
    setRescoreDone(null);
    setPollError(null);
    try {
      const next = await scoringApi.save(rules);
      setDoc(next);
      setValues(ruleValues(next.rules));
      setPreview(null);
      if (next.unchanged) {
        showToast(next.version === 0 ? 'Nothing changed: these are the default rules.' : `Nothing changed: these are already your rules (version ${next.version}).`, 'info');
        return;
      }
      setRescore(next.rescore && !next.rescore.finishedAt ? next.rescore : { version: next.version, total: next.rescore?.total ?? 0, done: 0, finishedAt: null, idleMs: 0 });
      // The progress card below tells how the rescore goes; the toast only confirms the save.
      showToast(`Saved rules version ${next.version}.`, 'success');
      requestAnimationFrame(() => progressRef.current?.focus());
    } catch (err) {
      showServerError(err);
    } finally {
      setSaving(false);
    }
  };

  const showFormNotice = (message: string) => {
    setFormNotice(message);
    requestAnimationFrame(() => noticeRef.current?.focus());
  };

  const resetToDefaults = () => {
    setValues(ruleValues(DEFAULT_SCORING_RULES));
    setErrors({});
    setProblem(null);
    setPreview(null);
    showFormNotice('The form shows the default rules. Save to use them.');
  };

  const undo = () => {
    setValues(ruleValues(doc.rules));
    setErrors({});
    setProblem(null);
    setPreview(null);
    showFormNotice('Changes undone: the form shows your saved rules.');
  };

  return (
    <>
      <PageHeader
        title="Scoring rules"
        description="How many points each kind of activity adds to a lead’s score, how fast points fade, and where hot and warm begin."
      />

      <p class="muted small version-line">
        {doc.version === 0 ? 'You are using the default rules.' : `Version ${doc.version}, saved ${formatDateTime(doc.createdAt)}.`} Saving creates a new
        version and rescores every lead in the background.
      </p>

      {(running || rescoreDone || pollError) && (
        <section class={`card ${rescoreDone ? 'card-success' : ''}`} aria-labelledby="rescore-title" tabIndex={-1} ref={progressRef}>
          <h2 id="rescore-title" class="card-title">
            {rescoreDone ? (
              <>
                <span aria-hidden="true">✓ </span>Rescore finished
              </>
            ) : (
              'Rescoring your leads…'
            )}
          </h2>
          {running && rescore && (
            <ProgressBar
              value={rescore.done}
              max={rescore.total}
              label="Rescore progress"
              text={rescore.total ? `${rescore.done.toLocaleString('en')} of ${rescore.total.toLocaleString('en')} ${rescore.total === 1 ? 'lead' : 'leads'} rescored` : 'Starting…'}
            />
          )}
          {running && stalled && (
            <p class="rescore-stalled" role="status">
              {RESCORE_STALL_MESSAGE}
            </p>
          )}
          {rescoreDone && (
            <p role="status">
              {rescoreDone.total === 0 ? 'There were no leads to rescore.' : `All ${rescoreDone.total === 1 ? '1 lead' : `${rescoreDone.total.toLocaleString('en')} leads`} now use version ${rescoreDone.version ?? doc.version}.`}{' '}
              The dashboard shows the new scores and bands.
            </p>
          )}
          {pollError && (
            <p class="field-error" role="alert">
              Lost track of the rescore: {pollError}. It keeps running on the server; reload the page to check on it.
            </p>
          )}
        </section>
      )}

      <form class="rules-form" onSubmit={save} noValidate>
        <FormError problem={problem} />
        {RULE_GROUPS.map((group) => (
          <fieldset key={group.id} class="card rules-group">
            <legend class="rules-legend">{group.title}</legend>
            <p class="muted small rules-description">{group.description}</p>
            <div class="rules-grid">
              {group.fields.map((field) => (
                <RuleInput key={field.path} field={field} value={values[field.path]} error={errors[field.path]} defaultValue={ruleValues(DEFAULT_SCORING_RULES)[field.path]} onInput={setValue} />
              ))}
            </div>
          </fieldset>
        ))}

        <div class="rules-actions card" ref={actionsRef}>
          {preview && (
            <div class="preview-result" role="status">
              <p class="preview-headline">
                <strong>
                  {preview.result.changed} of {plural(preview.result.sampled, 'sampled lead')}
                </strong>{' '}
                would change band.
              </p>
              {Object.keys(preview.result.byTransition).length > 0 && (
                <ul class="transition-list">
                  {Object.entries(preview.result.byTransition)
                    .filter(([, n]) => n > 0)
                    .map(([key, n]) => (
                      <li key={key}>
                        {transitionLabel(key)}: <strong>{n}</strong>
                      </li>
                    ))}
                </ul>
              )}
              {preview.result.sampled === 0 && <p class="muted small">You have no leads yet, so nothing would change.</p>}
              {preview.result.total > preview.result.sampled && (
                <p class="muted small">
                  Sampled your {preview.result.sampled.toLocaleString('en')} most recently active leads of {preview.result.total.toLocaleString('en')}.
                </p>
              )}
            </div>
          )}
          <div class="form-actions">
            <Button type="submit" loading={saving} disabled={running} busyLabel="Saving…">
              Save and rescore
            </Button>
            <Button variant="secondary" onClick={runPreview} loading={previewing} busyLabel="Checking…">
              Preview impact
            </Button>
            <Button variant="ghost" onClick={resetToDefaults} disabled={atDefaults}>
              Reset to defaults
            </Button>
            {dirty && (
              <Button variant="ghost" onClick={undo}>
                Undo changes
              </Button>
            )}
            {dirty && <span class="muted small">Unsaved changes</span>}
            {formNotice && (
              <span class="muted small" role="status" tabIndex={-1} ref={noticeRef}>
                {formNotice}
              </span>
            )}
          </div>
        </div>
      </form>
    </>
  );
}

function RuleInput({ field, value, error, defaultValue, onInput }: { field: RuleField; value: string; error?: string; defaultValue: string; onInput(path: RulePath, value: string): void }) {
  const id = ruleFieldId(field.path);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const changed = Number(value) !== Number(defaultValue);
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label class="field-label" for={id}>
        {field.label}
        <span class="visually-hidden"> ({field.unit})</span>
      </label>
      <p class="field-hint" id={hintId}>
        {field.hint} <span class={changed ? 'default-note is-changed' : 'default-note'}>Default {defaultValue}.</span>
      </p>
      <div class="input-group">
        <input
          id={id}
          class="input input-number"
          type="number"
          inputMode="decimal"
          min={field.min}
          max={field.max}
          step={field.integer ? 1 : 'any'}
          required
          value={value}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          onInput={(e) => onInput(field.path, e.currentTarget.value)}
        />
        <span class="input-suffix" aria-hidden="true">
          {field.unit}
        </span>
      </div>
      {error && (
        <p class="field-error" id={errorId}>
          <span aria-hidden="true">! </span>
          {error}
        </p>
      )}
    </div>
  );
}
