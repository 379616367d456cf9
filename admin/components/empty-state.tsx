import type { ComponentChildren } from 'preact';

/** What a list shows when there is nothing in it yet, with the next step to take. */
export function EmptyState({ title, children, action, icon }: { title: string; children?: ComponentChildren; action?: ComponentChildren; icon?: ComponentChildren }) {
  return (
    <div class="empty-state">
      {icon && (
        <div class="empty-state-icon" aria-hidden="true">
          {icon}
        </div>
      )}
      <h2 class="empty-state-title">{title}</h2>
      {children && <div class="empty-state-body">{children}</div>}
      {action && <div class="empty-state-action">{action}</div>}
    </div>
  );
}
