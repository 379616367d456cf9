// Short notices that outlive a navigation ("Site deleted"). showToast() works from anywhere;
// <ToastRegion/> (rendered once by the app) announces them politely. A notice with an action
// ("Undo") stays while the pointer is over it or it has keyboard focus: its time is for reading,
// not a race for someone tabbing to the button (WCAG 2.2.1). Notices never hide a control for
// good: the page keeps room below its end for them (reserveRoomForToasts) and clicks pass between
// them (styles.css).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export type ToastTone = 'success' | 'info' | 'error';

/** A button on the notice ("Undo"): runs once, then the notice goes. */
export interface ToastAction {
  label: string;
  run(): void | Promise<void>;
  /**
   * The control the action undoes, about to leave the page (a reminder completed in a list): when
   * focus is inside it, or already lost to the page, the notice's button takes it, so a keyboard
   * user lands on "Undo" instead of the top of the page. Default: focus stays where it is.
   */
  takeFocusFrom?: Element | null;
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
  if (timeoutMs > 0) setTimeout(() => expireToast(id), timeoutMs);
}

/** How often a notice kept on screen (pointer over it, keyboard focus in it, a menu over it) looks again. */
const HELD_RECHECK_MS = 1000;

/**
 * Its time is up: gone, unless the realtor is on it (hovering, or focused from the keyboard), or
 * an open menu lies over it. Menus sit above notices (styles.css), so a Log or Snooze menu opened
 * near the bottom hides an "Undo" until it closes: the notice waits, and once uncovered gets its
 * full time again (`wasCovered`) rather than going before the realtor has seen it.
 */
function expireToast(id: number, wasCovered = false): void {
  const el = typeof document === 'undefined' ? null : document.querySelector(`[data-toast-id="${id}"]`);
  if (el?.matches(':hover, :has(:focus-visible)')) setTimeout(() => expireToast(id, wasCovered), HELD_RECHECK_MS);
  else if (el && coveredByMenu(el)) setTimeout(() => expireToast(id, true), HELD_RECHECK_MS);
  else if (el && wasCovered) setTimeout(() => expireToast(id), DEFAULT_TIMEOUT_MS);
  else dismissToast(id);
}

/** An open menu (a `.menu-popover`, rendered only while open, or a board card's open "Move to…") overlaps the notice. */
function coveredByMenu(el: Element): boolean {
  const r = el.getBoundingClientRect();
  for (const menu of document.querySelectorAll('.menu-popover, .move-menu[open] > .move-menu-list')) {
    const m = menu.getBoundingClientRect();
    if (m.width > 0 && m.left < r.right && m.right > r.left && m.top < r.bottom && m.bottom > r.top) return true;
  }
  return false;
}

/**
 * Keeps the page scrollable past the notices, so its last rows can be brought out from under them.
 * The room is a spacer after the page's content, as tall as the notices reach up from the window's
 * bottom edge (measured: they wrap, stack, and sit higher over the bulk bar), less what the window
 * already leaves empty below a short page — which then gets no scroll bar it does not need. The same
 * height goes to `--toast-space` on <html> (styles.css: Tab scrolls a control above the notices).
 * The room grows at once but shrinks only by what lies below the window: taking away room in view
 * would pull the page down under the pointer as a notice goes; it goes as the realtor scrolls up or
 * moves to another page. Returns the cleanup.
 */
function reserveRoomForToasts(region: HTMLElement, spacer: HTMLElement): () => void {
  const root = document.documentElement;
  let room = 0;
  let frame = 0;
  const fit = () => {
    frame = 0;
    const viewport = root.clientHeight;
    const cover = region.childElementCount ? Math.max(0, Math.ceil(viewport - region.getBoundingClientRect().top)) : 0;
    if (cover) root.style.setProperty('--toast-space', `${cover}px`);
    else root.style.removeProperty('--toast-space');
    const contentEnd = spacer.getBoundingClientRect().top + window.scrollY;
    const need = Math.max(0, cover - Math.max(0, viewport - contentEnd));
    // Scrolled down, only what is left to scroll can go without moving what is on screen.
    const removable = window.scrollY > 0 ? Math.max(0, root.scrollHeight - viewport - window.scrollY) : room;
    const next = need >= room ? need : Math.max(need, room - removable);
    if (next !== room) {
      room = next;
      spacer.style.height = room ? `${room}px` : '';
    }
  };
  // A frame later, not inside the observer: the spacer resizes the body it watches.
  const schedule = () => {
    frame ||= requestAnimationFrame(fit);
  };
  const observer = new ResizeObserver(schedule);
  observer.observe(region);
  observer.observe(document.body); // the page's content changes (a list loads, the bulk bar's padding)
  window.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);
  return () => {
    observer.disconnect();
    window.removeEventListener('scroll', schedule);
    window.removeEventListener('resize', schedule);
    cancelAnimationFrame(frame);
    root.style.removeProperty('--toast-space');
  };
}

export function ToastRegion() {
  const [list, setList] = useState(toasts);
  const region = useRef<HTMLDivElement>(null);
  const spacer = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setList(toasts);
    listeners.add(setList);
    return () => {
      listeners.delete(setList);
    };
  }, []);
  useLayoutEffect(() => reserveRoomForToasts(region.current!, spacer.current!), []);
  return (
    <>
      <div class="toast-spacer" ref={spacer} aria-hidden="true" />
      <div class="toast-region" ref={region} role="status" aria-live="polite">
        {list.map((t) => (
          // A long action ("Remind me to call back") goes under the message on a phone (styles.css); "Undo" stays beside it.
          <div key={t.id} class={`toast toast-${t.tone}${t.action && t.action.label.length > 12 ? ' toast-long-action' : ''}`} data-toast-id={t.id}>
            <span class="toast-message" id={`toast-${t.id}-message`}>
              {t.message}
            </span>
            {t.action && <ToastActionButton toast={t} action={t.action} />}
            <button type="button" class="toast-close" aria-label="Dismiss notice" onClick={() => dismissToast(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </>
  );
}

function ToastActionButton({ toast, action }: { toast: Toast; action: ToastAction }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const from = action.takeFocusFrom;
    if (!from) return;
    const active = document.activeElement;
    if (!active || active === document.body || from.contains(active)) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <button
      ref={ref}
      type="button"
      class="toast-action"
      // Read with what it undoes ("Undo, Reminder done: Call Jordan").
      aria-describedby={`toast-${toast.id}-message`}
      onClick={() => {
        dismissToast(toast.id);
        void action.run();
      }}
    >
      {action.label}
    </button>
  );
}

/** Removes every notice (e.g. "You have logged out." once the user is back in). */
export function clearToasts(): void {
  publish([]);
}
