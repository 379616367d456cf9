/** A determinate progress bar (role=progressbar) with its numbers as visible text. */
export function ProgressBar({ value, max, label, text }: { value: number; max: number; label: string; text?: string }) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 100;
  return (
    <div class="progress-block">
      <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-valuetext={text}>
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      {text && (
        <p class="progress-text" aria-hidden="true">
          {text}
        </p>
      )}
    </div>
  );
}
