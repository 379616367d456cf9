import type { ButtonHTMLAttributes } from 'preact';
import { Spinner } from './spinner.tsx';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** Default "primary". */
  variant?: ButtonVariant;
  /** Default "md". */
  size?: 'sm' | 'md';
  /** Disables the button and shows a spinner (e.g. while a form submits). */
  loading?: boolean;
  /** Shown instead of the children while `loading` ("Saving…"). Default: the children. */
  busyLabel?: string;
};

/** A button from the design system. `type` defaults to "button" (pass type="submit" in forms). */
export function Button({ variant = 'primary', size = 'md', loading = false, busyLabel, class: cls, className, children, disabled, type = 'button', ...rest }: ButtonProps) {
  const classes = ['btn', `btn-${variant}`, size === 'sm' ? 'btn-sm' : '', cls, className].filter(Boolean).join(' ');
  return (
    <button {...rest} type={type} class={classes} disabled={disabled || loading} aria-busy={loading || undefined}>
      {loading && <Spinner size="sm" />}
      {loading && busyLabel !== undefined ? busyLabel : children}
    </button>
  );
}
