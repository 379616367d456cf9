// The name + allowed origins form, shared by "Add site" and the site's settings.
import { useEffect, useState } from 'preact/hooks';
import { Button } from '../components/button.tsx';
import { CheckboxField, Field, TextAreaField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { clientProblem, type FieldErrors, type FormProblem, splitApiError } from '../forms.ts';
import { parseOriginLines } from '../origins.ts';

export const SITE_NAME_MAX_LENGTH = 100;

export interface SiteFormValues {
  name: string;
  allowedOrigins: string[];
  respectDnt: boolean;
}

export interface SiteFormProps {
  /** Prefix of the inputs' ids (two forms may share a page). */
  idPrefix: string;
  initial: SiteFormValues;
  /** Shows the Do-Not-Track checkbox (settings only). Default false. */
  withSettings?: boolean;
  submitLabel: string;
  busyLabel: string;
  /** Rejects with an ApiError to show its message and field errors. */
  onSubmit(values: SiteFormValues): Promise<void>;
  onCancel?(): void;
  /** Focuses the name input on mount. Default false. */
  autoFocus?: boolean;
}

export function SiteForm({ idPrefix, initial, withSettings = false, submitLabel, busyLabel, onSubmit, onCancel, autoFocus = false }: SiteFormProps) {
  const ids = { name: `${idPrefix}-name`, allowedOrigins: `${idPrefix}-origins`, settings: `${idPrefix}-dnt` };
  const [name, setName] = useState(initial.name);
  const [originsText, setOriginsText] = useState(initial.allowedOrigins.join('\n'));
  const [respectDnt, setRespectDnt] = useState(initial.respectDnt);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (autoFocus) document.getElementById(ids.name)?.focus();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: FieldErrors = {};
    const trimmed = name.trim();
    if (!trimmed) found.name = 'Enter a name, like the website’s address';
    else if (trimmed.length > SITE_NAME_MAX_LENGTH) found.name = `Use at most ${SITE_NAME_MAX_LENGTH} characters for the name`;
    const parsed = parseOriginLines(originsText);
    if (parsed.errors.length) found.allowedOrigins = parsed.errors.join(' · ');
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, ids));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await onSubmit({ name: trimmed, allowedOrigins: parsed.origins, respectDnt });
      setOriginsText(parsed.origins.join('\n'));
      setName(trimmed);
    } catch (err) {
      const { fields, problem } = splitApiError(err, ids, (_field, i) => `Origin ${i + 1}`);
      setErrors(fields);
      setProblem(problem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormError problem={problem} />
      <Field
        id={ids.name}
        label="Site name"
        hint="For you only, e.g. “Oak Realty listings”."
        name="name"
        autocomplete="off"
        maxLength={SITE_NAME_MAX_LENGTH}
        required
        value={name}
        error={errors.name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <TextAreaField
        id={ids.allowedOrigins}
        label="Allowed origins"
        hint={
          <>
            One per line, like <code>https://oakrealty.com</code> (scheme and host, no path). The script only records visits and
            inquiries from these addresses; add <code>https://www.…</code> too if your site uses it.
          </>
        }
        name="allowedOrigins"
        rows={3}
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        placeholder="https://example.com"
        value={originsText}
        error={errors.allowedOrigins}
        onInput={(e) => setOriginsText(e.currentTarget.value)}
      />
      {withSettings && (
        <CheckboxField
          id={ids.settings}
          label="Respect Do-Not-Track"
          hint="Don’t record anonymous visits from browsers that send Do-Not-Track or Global Privacy Control. Inquiries are still received."
          name="respectDnt"
          checked={respectDnt}
          error={errors.settings}
          onChange={(e) => setRespectDnt(e.currentTarget.checked)}
        />
      )}
      <div class="form-actions">
        <Button type="submit" loading={busy}>
          {busy ? busyLabel : submitLabel}
        </Button>
        {onCancel && (
          <Button variant="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
