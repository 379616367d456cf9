import type { ComponentChildren } from 'preact';

/** hot / warm / cold are lead score bands; the rest are statuses. */
export type BadgeTone = 'hot' | 'warm' | 'cold' | 'success' | 'warning' | 'danger' | 'neutral' | 'info';

export function Badge({ tone = 'neutral', children, title }: { tone?: BadgeTone; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}
