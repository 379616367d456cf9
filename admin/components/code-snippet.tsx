import { useId } from 'preact/hooks';
import { CopyButton } from './copy-button.tsx';

/** Code shown as text (never as HTML) with a Copy button. */
export function CodeSnippet({ code, label, copyLabel = 'Copy' }: { code: string; label: string; copyLabel?: string }) {
  const id = useId();
  return (
    <figure class="code-snippet">
      <figcaption class="code-snippet-header">
        <span class="code-snippet-label">{label}</span>
        <CopyButton text={code} label={copyLabel} targetId={id} />
      </figcaption>
      <pre class="code-snippet-body">
        <code id={id}>{code}</code>
      </pre>
    </figure>
  );
}
