// A modal confirmation on the native <dialog>: showModal() makes the page behind inert, traps
// focus and maps Escape to "cancel". Focus starts on Cancel (the safe choice) and returns to
// whatever opened the dialog.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api-client.ts';
import { Button } from './button.tsx';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, in plain words. */
  children: ComponentChildren;
  confirmLabel: string;
  /** Default "Cancel". */
  cancelLabel?: string;
  /** Styles the confirm button as destructive. Default false. */
  danger?: boolean;
  /** Shows a spinner on the confirm button and ignores Cancel/Escape. */
  busy?: boolean;
  /** A failure of the confirmed action, shown inside the dialog. */
  error?: string | null;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ open, title, children, confirmLabel, cancelLabel = 'Cancel', danger = false, busy = false, error, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnFocus.current = document.activeElement as HTMLElement | null;
      dialog.showModal();
      cancelRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (returnFocus.current?.isConnected) returnFocus.current.focus();
    }
  }, [open]);

  const cancel = () => {
    if (!busy) onCancel();
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click has a keyboard twin, Escape (the dialog's cancel event)
    <dialog
      ref={dialogRef}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault();
        cancel();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === dialogRef.current) cancel();
      }}
    >
      <div class="dialog-body">
        <h2 class="dialog-title" id={titleId}>
          {title}
        </h2>
        <div id={bodyId} class="dialog-text">
          {children}
        </div>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button ref={cancelRef} type="button" class="btn btn-secondary" onClick={cancel} disabled={busy}>
            {cancelLabel}
          </button>
          <Button variant={danger ? 'danger' : 'primary'} loading={busy} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </div>
      </div>
    </dialog>
  );
}

/**
 * The state of a confirmed action (a delete that navigates away): `ask()` opens the dialog,
 * confirming runs `action` with a busy spinner, a failure stays in the dialog, cancelling clears
 * it. Spread `dialog` on <ConfirmDialog>.
 */
export function useConfirmedAction(action: () => Promise<void>) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onConfirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const onCancel = () => {
    setOpen(false);
    setError(null);
  };
  return { ask: () => setOpen(true), dialog: { open, busy, error, onConfirm, onCancel } };
}
