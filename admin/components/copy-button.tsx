// Copies text with the async Clipboard API, falling back to a hidden textarea + execCommand
// (older browsers, insecure contexts, denied permission). The result is announced politely.
import { useEffect, useRef, useState } from 'preact/hooks';

const FEEDBACK_MS = 2000;

function copyViaSelection(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.top = '0';
  area.style.opacity = '0';
  const previous = document.activeElement as HTMLElement | null;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  previous?.focus();
  return ok;
}

/** Selects an element's text so the user can press Ctrl+C themselves. */
function selectElementText(id: string): void {
  const el = document.getElementById(id);
  const selection = window.getSelection();
  if (!el || !selection) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  selection.removeAllRanges();
  selection.addRange(range);
}

export interface CopyButtonProps {
  text: string;
  /** Default "Copy". */
  label?: string;
  /** Element whose text gets selected if copying fails. */
  targetId?: string;
}

export function CopyButton({ text, label = 'Copy', targetId }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    let ok = false;
    if (navigator.clipboard?.writeText && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        ok = false;
      }
    }
    if (!ok) ok = copyViaSelection(text);
    if (!ok && targetId) selectElementText(targetId);
    setState(ok ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), FEEDBACK_MS);
  };

  return (
    <span class="copy-button">
      <button type="button" class={`btn btn-secondary btn-sm${state === 'copied' ? ' is-copied' : ''}`} onClick={copy}>
        {state === 'copied' ? (
          <>
            <span aria-hidden="true">✓ </span>Copied
          </>
        ) : (
          label
        )}
      </button>
      <span class="visually-hidden" aria-live="polite">
        {state === 'copied' ? 'Copied to clipboard' : state === 'failed' ? 'Could not copy automatically; the text is selected, press Ctrl+C' : ''}
      </span>
    </span>
  );
}
