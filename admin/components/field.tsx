// Form fields with their label, hint and error wired together for assistive technology:
// the error sets aria-invalid, and hint + error are the input's aria-describedby.
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

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

function ErrorText({ error, id }: { error?: string | null; id: string }) {
  return error ? (
    <p class="field-error" id={id}>
      <span aria-hidden="true">! </span>
      {error}
    </p>
  ) : null;
}

export type FieldProps = FieldChrome & Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'role'>;

/** A labelled <input>. */
export function Field({ label, hint, error, id, class: cls, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  return (
    <div class={['field', error ? 'field-invalid' : '', cls].filter(Boolean).join(' ')}>
      <label class="field-label" for={inputId}>
        {label}
      </label>
      <Hint hint={hint} id={hintId} />
      <input
        class="input"
        // Preact 11 types <input> as a union keyed by `type`; the props are the same input attributes.
        {...(input as InputHTMLAttributes<HTMLInputElement>)}
        id={inputId}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(hint ? hintId : null, error ? errorId : null)}
      />
      <ErrorText error={error} id={errorId} />
    </div>
  );
}

export type TextAreaFieldProps = FieldChrome & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'label'>;

/** A labelled <textarea>. */
export function TextAreaField({ label, hint, error, id, class: cls, ...textarea }: TextAreaFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  return (
    <div class={['field', error ? 'field-invalid' : '', cls].filter(Boolean).join(' ')}>
      <label class="field-label" for={inputId}>
        {label}
      </label>
      <Hint hint={hint} id={hintId} />
      <textarea
        class="input textarea"
        {...textarea}
        id={inputId}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(hint ? hintId : null, error ? errorId : null)}
      />
      <ErrorText error={error} id={errorId} />
    </div>
  );
}

export type CheckboxFieldProps = FieldChrome & Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'type' | 'role'>;

/** A checkbox with its label beside it (a switch-like toggle for settings). */
export function CheckboxField({ label, hint, error, id, class: cls, ...input }: CheckboxFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  return (
    <div class={['field field-checkbox', error ? 'field-invalid' : '', cls].filter(Boolean).join(' ')}>
      <input
        class="checkbox"
        {...input}
        type="checkbox"
        id={inputId}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(hint ? hintId : null, error ? errorId : null)}
      />
      <div>
        <label class="field-label" for={inputId}>
          {label}
        </label>
        <Hint hint={hint} id={hintId} />
        <ErrorText error={error} id={errorId} />
      </div>
    </div>
  );
}
