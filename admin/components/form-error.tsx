import { useLayoutEffect, useRef } from 'preact/hooks';
import type { FormProblem } from '../forms.ts';

/**
 * The error summary at the top of a form. It takes focus when it appears (so keyboard and
 * screen-reader users land on it) and links each field problem to its input. `takeFocus={false}`
 * for a summary that can appear while the person works a control elsewhere (a select whose change
 * re-checks): its `role="alert"` still announces it.
 */
export function FormError({ problem, title, takeFocus = true, class: cls }: { problem: FormProblem | null; title?: string; takeFocus?: boolean; class?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  // A layout effect: the summary takes focus as it appears, not a frame later, when the person
  // (or a browser test) may already be typing in a field.
  useLayoutEffect(() => {
    if (problem && takeFocus) ref.current?.focus();
  }, [problem, takeFocus]);
  if (!problem) return null;
  const issues = problem.issues ?? [];
  const focusField = (e: Event, id: string) => {
    const el = document.getElementById(id);
    if (!el) return;
    e.preventDefault();
    el.focus();
    el.scrollIntoView({ block: 'center' });
  };
  return (
    <div class={cls ? `form-error ${cls}` : 'form-error'} role="alert" tabIndex={-1} ref={ref}>
      <p class="form-error-title">{title ?? problem.message}</p>
      {title && <p>{problem.message}</p>}
      {issues.length > 0 && (
        <ul>
          {issues.map((issue, i) => (
            <li key={i}>
              {issue.fieldId ? (
                <a href={`#${issue.fieldId}`} onClick={(e) => focusField(e, issue.fieldId!)}>
                  {issue.message}
                </a>
              ) : (
                issue.message
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
