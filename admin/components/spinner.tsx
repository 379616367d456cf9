/** A small rotating ring; decorative (pair it with text). */
export function Spinner({ size = 'md' }: { size?: 'sm' | 'md' }) {
  return <span class={`spinner spinner-${size}`} aria-hidden="true" />;
}

/** A loading message announced to screen readers. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}
