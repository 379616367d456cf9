import type { ComponentChildren } from 'preact';

/** A compact labelled <select> for filter bars (label above, no hint or error). */
export function FilterSelect({ id, label, value, onChange, children }: { id: string; label: string; value: string; onChange(value: string): void; children: ComponentChildren }) {
  return (
    <div class="select-label">
      <label for={id}>{label}</label>
      <select id={id} class="input select" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {children}
      </select>
    </div>
  );
}
