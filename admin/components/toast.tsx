// Short notices that outlive a navigation ("Site deleted"). showToast() works from anywhere;
// <ToastRegion/> (rendered once by the app) announces them politely.
import { useEffect, useState } from 'preact/hooks';

export type ToastTone = 'success' | 'info' | 'error';

/** A button on the notice ("Undo"): runs once, then the notice goes. */
export interface ToastAction {
  label: string;
  run(): void | Promise<void>;
}

interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
  action?: ToastAction;
}

const DEFAULT_TIMEOUT_MS = 6000;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(list: Toast[]) => void>();

function publish(next: Toast[]): void {
  toasts = next;
  for (const fn of listeners) fn(next);
}

export function dismissToast(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

/** The notices on screen, oldest first. */
export function currentToasts(): readonly Toast[] {
  return toasts;
}

/**
 * Shows a notice for `timeoutMs` (default 6 s; 0 keeps it until dismissed). The same notice
 * shown again replaces the one on screen (its time starts again): requests that fail together,
 * such as the polls that all get a 401 when a session ends, say it once.
 */
export function showToast(message: string, tone: ToastTone = 'success', timeoutMs = DEFAULT_TIMEOUT_MS, action?: ToastAction): void {
  const id = nextId++;
  publish([...toasts.filter((t) => t.message !== message || t.tone !== tone), { id, message, tone, ...(action ? { action } : {}) }]);
  if (timeoutMs > 0) setTimeout(() => dismissToast(id), timeoutMs);
}

export function ToastRegion() {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    setList(toasts);
    listeners.add(setList);
    return () => {
      listeners.delete(setList);
    };
  }, []);
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`}>
          <span class="toast-message">{t.message}</span>
          {t.action && (
            <button
              type="button"
              class="toast-action"
              onClick={() => {
                const { action } = t;
                dismissToast(t.id);
                void action?.run();
              }}
            >
              {t.action.label}
            </button>
          )}
          <button type="button" class="toast-close" aria-label="Dismiss notice" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** Removes every notice (e.g. "You have logged out." once the user is back in). */
export function clearToasts(): void {
  publish([]);
}
