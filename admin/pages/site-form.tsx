// The name + allowed origins form, shared by "Add site" and the site's settings.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { SITE_NAME_MAX_CHARS } from '#core/shared/field-limits.ts';
import { parseOriginLines, rebaseOriginLines } from '#core/shared/origins.ts';
import { Button } from '../components/button.tsx';
import { CheckboxField, Field, TextAreaField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import type { FieldErrors } from '../forms.ts';
import { useForm } from '../use-form.ts';

export interface SiteFormValues {
  name: string;
  allowedOrigins: string[];
  respectDnt: boolean;
}

export interface SiteFormProps {
  /** Prefix of the inputs' ids (two forms may share a page). */
  idPrefix: string;
  /**
   * The saved values. When they change after mount (the site changed elsewhere on the page: the
   * install check's "Add origin"), fields the realtor has not edited show the new values and
   * edited ones keep what is typed (origins merged: see rebaseOriginLines).
   */
  initial: SiteFormValues;
  /** Shows the Do-Not-Track checkbox (settings only). Default false. */
  withSettings?: boolean;
  submitLabel: string;
  busyLabel: string;
  /**
   * Rejects with an ApiError to show its message and field errors. `changes`: only the fields that
   * differ from `initial` as last seen (send those, so a list changed meanwhile is not written back).
   */
  onSubmit(values: SiteFormValues, changes: Partial<SiteFormValues>): Promise<void>;
  onCancel?(): void;
  /** Focuses the name input on mount. Default false. */
  autoFocus?: boolean;
}

export function SiteForm({ idPrefix, initial, withSettings = false, submitLabel, busyLabel, onSubmit, onCancel, autoFocus = false }: SiteFormProps) {
  const ids = { name: `${idPrefix}-name`, allowedOrigins: `${idPrefix}-origins`, settings: `${idPrefix}-dnt` };
  // What the form was last given as saved: the base edits are told apart from. (Not a `key` that
  // remounts the form on a change: that would throw away what the realtor is typing.)
  const saved = useRef(initial);
  const { values, setValues, field, errors, problem, busy, submit } = useForm({
    initial: { name: initial.name, allowedOrigins: initial.allowedOrigins.join('\n'), respectDnt: initial.respectDnt },
    ids,
    validate: ({ name, allowedOrigins }) => {
      const found: FieldErrors = {};
      const trimmed = name.trim();
      if (!trimmed) found.name = 'Enter a name, like the website’s address';
      else if (trimmed.length > SITE_NAME_MAX_CHARS) found.name = `Use at most ${SITE_NAME_MAX_CHARS} characters for the name`;
      const parsed = parseOriginLines(allowedOrigins);
      if (parsed.errors.length) found.allowedOrigins = parsed.errors.join(' · ');
      return found;
    },
    send: async ({ name, allowedOrigins, respectDnt }) => {
      const { origins } = parseOriginLines(allowedOrigins);
      const base = saved.current;
      const changes: Partial<SiteFormValues> = {};
      if (name.trim() !== base.name) changes.name = name.trim();
      if (origins.join('\n') !== base.allowedOrigins.join('\n')) changes.allowedOrigins = origins;
      if (respectDnt !== base.respectDnt) changes.respectDnt = respectDnt;
      await onSubmit({ name: name.trim(), allowedOrigins: origins, respectDnt }, changes);
      // Show what was saved: normalised origins, trimmed name.
      setValues((v) => ({ ...v, name: name.trim(), allowedOrigins: origins.join('\n') }));
    },
    labelItem: (_field, i) => `Origin ${i + 1}`,
  });

  useLayoutEffect(() => {
    if (autoFocus) document.getElementById(ids.name)?.focus();
  }, []);

  const originsKey = initial.allowedOrigins.join('\n');
  useEffect(() => {
    const was = saved.current;
    saved.current = initial;
    if (was.name === initial.name && was.allowedOrigins.join('\n') === originsKey && was.respectDnt === initial.respectDnt) return;
    setValues((v) => ({
      name: v.name === was.name ? initial.name : v.name,
      allowedOrigins: rebaseOriginLines(v.allowedOrigins, was.allowedOrigins, initial.allowedOrigins),
      respectDnt: v.respectDnt === was.respectDnt ? initial.respectDnt : v.respectDnt,
    }));
  }, [initial.name, originsKey, initial.respectDnt]);

  return (
    <form class="form" onSubmit={submit} noValidate>
      <FormError problem={problem} />
      <Field
        label="Site name"
        hint="For you only, e.g. “Oak Realty listings”."
        autocomplete="off"
        maxLength={SITE_NAME_MAX_CHARS}
        required
        {...field('name')}
      />
      <TextAreaField
        label="Allowed origins"
        hint={
          <>
            One per line, like <code>https://oakrealty.com</code> (scheme and host, no path). The script only records visits and
            inquiries from these addresses; add <code>https://www.…</code> too if your site uses it.
          </>
        }
        rows={3}
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        placeholder="https://example.com"
        {...field('allowedOrigins')}
      />
      {withSettings && (
        <CheckboxField
          id={ids.settings}
          label="Respect Do-Not-Track"
          hint="Don’t record anonymous visits from browsers that send Do-Not-Track or Global Privacy Control. Inquiries are still received."
          name="respectDnt"
          checked={values.respectDnt}
          error={errors.settings}
          onChange={(e) => {
            const respectDnt = e.currentTarget.checked;
            setValues((v) => ({ ...v, respectDnt }));
          }}
        />
      )}
      <div class="form-actions">
        <Button type="submit" loading={busy} busyLabel={busyLabel}>
          {submitLabel}
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
