// Form fields with their label, hint and error wired together for assistive technology:
// the error sets aria-invalid, and hint + error are the input's aria-describedby.
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes, PartialSelectHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';
import { EMAIL_MAX_CHARS, PASSWORD_MIN_CHARS } from '#core/shared/field-limits.ts';

interface FieldChrome {
  label: ComponentChildren;
  /** Shown under the label, always. */
  hint?: ComponentChildren;
  /** Shown under the input when set; marks the input invalid. */
  error?: string | null;
  /** Default: a generated id. Pass one to link to the field from an error summary. */
  id?: string;
}

function describedBy(hintId: string | null, errorId: string | null): string | undefined {
  return [hintId, errorId].filter(Boolean).join(' ') || undefined;
}

function Hint({ hint, id }: { hint?: ComponentChildren; id: string }) {
  return hint ? (
    <p class="field-hint" id={id}>
      {hint}
    </p>
  ) : null;
}

/** A field's error under it; `alert` when it appears on its own (not on a submit whose summary announces it). */
export function ErrorText({ error, id, alert }: { error?: string | null; id: string; alert?: boolean }) {
  return error ? (
    <p class="field-error" id={id} role={alert ? 'alert' : undefined}>
      <span aria-hidden="true">! </span>
      {error}
    </p>
  ) : null;
}

/** The ids and ARIA wiring one field's input, hint and error share. */
function useFieldWiring({ id, hint, error }: Pick<FieldChrome, 'id' | 'hint' | 'error'>, kind = '') {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  return {
    inputId,
    hint: <Hint hint={hint} id={hintId} />,
    error: <ErrorText error={error} id={errorId} />,
    fieldClass: (cls: unknown) => ['field', kind, error ? 'field-invalid' : '', cls].filter(Boolean).join(' '),
    aria: { id: inputId, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': describedBy(hint ? hintId : null, error ? errorId : null) },
  };
}

export type FieldProps = FieldChrome & Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'role'>;

/** The label, hint and error around one input. */
function Labelled({ w, cls, label, children }: { w: ReturnType<typeof useFieldWiring>; cls: unknown; label: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class={w.fieldClass(cls)}>
      <label class="field-label" for={w.inputId}>
        {label}
      </label>
      {w.hint}
      {children}
      {w.error}
    </div>
  );
}

/** A labelled <input>. */
export function Field({ label, hint, error, id, class: cls, ...input }: FieldProps) {
  const w = useFieldWiring({ id, hint, error });
  return (
    <Labelled w={w} cls={cls} label={label}>
      {/* Preact 11 types <input> as a union keyed by `type`; the props are the same input attributes. */}
      <input class="input" {...(input as InputHTMLAttributes<HTMLInputElement>)} {...w.aria} />
    </Labelled>
  );
}

/** A person's email address: the right keyboard, autofill and the API's length limit. */
export function EmailField({ label = 'Email', ...props }: Omit<FieldProps, 'label' | 'type'> & { label?: string }) {
  return <Field label={label} type="email" autocomplete="email" inputMode="email" maxLength={EMAIL_MAX_CHARS} {...props} />;
}

/** A new password (signup, reset, change): the length rule as its hint and `autocomplete="new-password"` for password managers. */
export function NewPasswordField({ label = 'New password', ...props }: Omit<FieldProps, 'label' | 'type' | 'hint'> & { label?: string }) {
  return <Field label={label} hint={`At least ${PASSWORD_MIN_CHARS} characters.`} type="password" autocomplete="new-password" minLength={PASSWORD_MIN_CHARS} {...props} />;
}

export type TextAreaFieldProps = FieldChrome & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'label'>;

/** A labelled <textarea>. */
export function TextAreaField({ label, hint, error, id, class: cls, ...textarea }: TextAreaFieldProps) {
  const w = useFieldWiring({ id, hint, error });
  return (
    <Labelled w={w} cls={cls} label={label}>
      <textarea class="input textarea" {...textarea} {...w.aria} />
    </Labelled>
  );
}

export type SelectFieldProps = FieldChrome & Omit<PartialSelectHTMLAttributes<HTMLSelectElement>, 'id' | 'label' | 'role'> & {
  options: ReadonlyArray<{ value: string; label: string }>;
};

/** A labelled <select> of `options`. */
export function SelectField({ label, hint, error, id, class: cls, options, ...select }: SelectFieldProps) {
  const w = useFieldWiring({ id, hint, error });
  return (
    <Labelled w={w} cls={cls} label={label}>
      <select class="input select" {...select} {...w.aria}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Labelled>
  );
}

export type CheckboxFieldProps = FieldChrome & Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'type' | 'role'>;

/** A checkbox with its label beside it (a switch-like toggle for settings). */
export function CheckboxField({ label, hint, error, id, class: cls, ...input }: CheckboxFieldProps) {
  const w = useFieldWiring({ id, hint, error }, 'field-checkbox');
  return (
    <div class={w.fieldClass(cls)}>
      <input class="checkbox" {...input} type="checkbox" {...w.aria} />
      <div>
        <label class="field-label" for={w.inputId}>
          {label}
        </label>
        {w.hint}
        {w.error}
      </div>
    </div>
  );
}
