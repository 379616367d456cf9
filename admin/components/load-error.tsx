// A failed load inside a page (a list, a lazily loaded chunk), with a retry.
import type { ComponentChildren } from 'preact';
import { Button } from './button.tsx';

export function LoadError({ title, children, onRetry }: { title: string; children: ComponentChildren; onRetry(): void }) {
  return (
    <div class="form-error" role="alert">
      <p class="form-error-title">{title}</p>
      <p>{children}</p>
      <Button variant="secondary" size="sm" onClick={onRetry}>
        Try again
      </Button>
    </div>
  );
}
