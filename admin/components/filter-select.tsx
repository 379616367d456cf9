import type { ComponentChildren } from 'preact';

/**
 * A compact labelled <select> for filter bars (label above, no hint or error). It keeps its width
 * whatever its options say (`.filter-select`, at most 16rem): a long option — a site named at
 * length — is cut with an ellipsis when chosen, shown whole in the list of options and in `title`
 * (pass the chosen option's text), instead of stretching the select and pushing the bar out of line.
 */
export function FilterSelect({ id, label, value, onChange, title, children }: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** The chosen option's full text, for a pointer resting on a select that cuts it. */
  title?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="select-label filter-select">
      <label for={id}>{label}</label>
      <select id={id} class="input select" value={value} title={title || undefined} onChange={(e) => onChange(e.currentTarget.value)}>
        {children}
      </select>
    </div>
  );
}
