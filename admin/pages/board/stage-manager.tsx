// Managing the pipeline's stages, below the board's header: rename (and choose what a stage
// means: in progress, won, lost), reorder with up/down buttons, add, and delete with a
// confirmation that asks where the stage's leads should go.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { showToast } from '../../components/toast.tsx';
import { pipelineApi, type Stage, type StageOutcome } from '../../pipeline-api.ts';

/** How long a saved move keeps the rows locked when the board's reload never shows it. */
const RELOAD_WAIT_MS = 5_000;

const OUTCOMES: ReadonlyArray<{ value: StageOutcome; label: string }> = [
  { value: 'open', label: 'In progress' },
  { value: 'won', label: 'Won (closed)' },
  { value: 'lost', label: 'Lost' },
];

export function StageManager({ stages, onChanged }: { stages: Stage[]; onChanged(): void }) {
  const [busy, setBusy] = useState(false);
  const [newLabel, setNewLabel] = useState('');
  const [addError, setAddError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Stage | null>(null);
  const [moveTo, setMoveTo] = useState('');
  const [deleteError, setDeleteError] = useState<string | null>(null);
  // The ↑/↓ button just pressed is disabled while the move is saved, which drops the keyboard
  // focus to the page: once the list shows the stage at its new place, focus the same arrow
  // again (or the other one, at either end) so the stage can be moved on with the next key press.
  const refocus = useRef<{ stageId: string; index: number; by: number } | null>(null);
  // Presses of an arrow while the rows are locked (the realtor pressing ↓ twice in quick
  // succession): the arrows stay focusable meanwhile (aria-disabled, not disabled), and each press
  // is made, in order, once the list shows the move before it.
  const queued = useRef<Array<{ stageId: string; by: number }>>([]);
  // A saved move is shown only once the board has reloaded. Until the list shows the saved order,
  // the rows stay locked: a move computed from the list as it was would undo the one just saved
  // (two quick presses of ↑ after ↓↓ put the stage back two places, not one).
  const [awaiting, setAwaiting] = useState<string | null>(null);
  const order = stages.map((s) => s.stageId).join(' ');
  useEffect(() => {
    if (awaiting === null) return;
    if (awaiting === order) {
      setAwaiting(null);
      return;
    }
    // The board's reload failed or showed someone else's change: unlock on what the list shows, and
    // forget the arrow to refocus — a later reload that shows the move (a live update, while the
    // realtor types elsewhere) must not take the focus to it.
    const timer = setTimeout(() => {
      refocus.current = null;
      queued.current = [];
      setAwaiting(null);
    }, RELOAD_WAIT_MS);
    return () => clearTimeout(timer);
  }, [awaiting, order]);
  const locked = busy || awaiting !== null;
  // A layout effect: the arrow gets the focus in the same frame as it is enabled again, so no key
  // press can fall in between and be lost.
  useLayoutEffect(() => {
    if (locked) return;
    const want = refocus.current;
    if (want) {
      const index = stages.findIndex((s) => s.stageId === want.stageId);
      if (index === -1) refocus.current = null;
      if (index === want.index) {
        refocus.current = null;
        const arrows = document.querySelectorAll<HTMLButtonElement>(`[data-stage-row="${want.stageId}"] [data-move]`);
        const [up, down] = [...arrows];
        if (up && down) (want.by < 0 ? (up.disabled ? down : up) : down.disabled ? up : down).focus();
      } else if (index !== -1) return; // the list does not show the move yet
    }
    const next = queued.current.shift();
    if (!next) return;
    const index = stages.findIndex((s) => s.stageId === next.stageId);
    // A press that would take the stage past either end is dropped (with the rest: they were meant from there).
    if (index === -1 || index + next.by < 0 || index + next.by >= stages.length) queued.current = [];
    else move(index, next.by);
  });

  /** Runs a change, says how it went, reloads the board; true when it was saved. */
  const run = async (action: () => Promise<unknown>, done: string): Promise<boolean> => {
    setBusy(true);
    try {
      await action();
      showToast(done);
      onChanged();
      return true;
    } catch (err) {
      showToast(errorMessage(err), 'error');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const move = (index: number, by: number) => {
    const ids = stages.map((s) => s.stageId);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id);
    refocus.current = { stageId: id, index: index + by, by };
    void run(() => pipelineApi.reorder(ids), `Moved “${stages[index].label}” ${by < 0 ? 'up' : 'down'}.`).then((saved) => {
      if (saved) setAwaiting(ids.join(' '));
      else {
        refocus.current = null;
        queued.current = [];
      }
    });
  };

  /** An arrow pressed: moved now, or once the move being saved shows (see `queued`). */
  const pressArrow = (stage: Stage, index: number, by: number) => {
    if (locked) queued.current.push({ stageId: stage.stageId, by });
    else move(index, by);
  };

  const askDelete = (stage: Stage) => {
    setDeleting(stage);
    setDeleteError(null);
    setMoveTo(stages.find((s) => s.stageId !== stage.stageId)?.stageId ?? '');
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    setDeleteError(null);
    try {
      await pipelineApi.deleteStage(deleting.stageId, deleting.leadCount > 0 ? moveTo : undefined);
      showToast(`Deleted “${deleting.label}”.`);
      setDeleting(null);
      onChanged();
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card stage-manager" id="stage-manager" aria-labelledby="stage-manager-title">
      <h2 class="card-title" id="stage-manager-title">
        Stages
      </h2>
      <ol class="stage-list">
        {stages.map((stage, i) => (
          <li key={stage.stageId} class="stage-row" data-stage-row={stage.stageId}>
            <StageRow stage={stage} number={i + 1} disabled={locked} onSave={(label, outcome) => run(() => pipelineApi.updateStage(stage.stageId, { label, outcome }), `Saved “${label}”.`)} />
            <div class="stage-row-actions">
              <Button variant="ghost" size="sm" data-move="up" disabled={i === 0} aria-disabled={locked || undefined} onClick={() => pressArrow(stage, i, -1)} aria-label={`Move ${stage.label} up`}>
                ↑
              </Button>
              <Button variant="ghost" size="sm" data-move="down" disabled={i === stages.length - 1} aria-disabled={locked || undefined} onClick={() => pressArrow(stage, i, 1)} aria-label={`Move ${stage.label} down`}>
                ↓
              </Button>
              <Button variant="ghost" size="sm" disabled={locked || stages.length === 1} onClick={() => askDelete(stage)} aria-label={`Delete ${stage.label}`}>
                Delete
              </Button>
            </div>
          </li>
        ))}
      </ol>
      <form
        class="stage-add"
        onSubmit={(e) => {
          e.preventDefault();
          const label = newLabel.trim();
          if (!label) {
            setAddError('Give the stage a name');
            return;
          }
          setAddError(null);
          void run(async () => {
            try {
              await pipelineApi.createStage({ label });
              setNewLabel('');
            } catch (err) {
              setAddError(errorMessage(err));
              throw err;
            }
          }, `Added “${label}”.`);
        }}
      >
        <label for="new-stage-label">New stage</label>
        <input id="new-stage-label" class="input" maxLength={60} value={newLabel} onInput={(e) => setNewLabel((e.target as HTMLInputElement).value)} aria-invalid={addError ? true : undefined} aria-describedby={addError ? 'new-stage-error' : undefined} />
        <Button type="submit" variant="secondary" disabled={locked}>
          Add stage
        </Button>
        {addError && (
          <p id="new-stage-error" class="field-error" role="alert">
            {addError}
          </p>
        )}
      </form>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.label ?? ''}”?`}
        confirmLabel="Delete stage"
        danger
        busy={busy}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      >
        {deleting && deleting.leadCount > 0 ? (
          <>
            <p>
              It holds {deleting.leadCount} {deleting.leadCount === 1 ? 'lead' : 'leads'}. Move {deleting.leadCount === 1 ? 'it' : 'them'} to:
            </p>
            <label class="visually-hidden" for="delete-move-to">
              Move its leads to
            </label>
            <select id="delete-move-to" class="input" value={moveTo} onChange={(e) => setMoveTo((e.target as HTMLSelectElement).value)}>
              {stages
                .filter((s) => s.stageId !== deleting.stageId)
                .map((s) => (
                  <option key={s.stageId} value={s.stageId}>
                    {s.label}
                  </option>
                ))}
            </select>
          </>
        ) : (
          <p>The stage is empty. Reports keep the stage changes already recorded.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

/** `number`: the row's place in the list, 1-based (positions keep gaps where stages were deleted). */
function StageRow({ stage, number, disabled, onSave }: { stage: Stage; number: number; disabled: boolean; onSave(label: string, outcome: StageOutcome): void }) {
  const [label, setLabel] = useState(stage.label);
  const [outcome, setOutcome] = useState<StageOutcome>(stage.outcome);
  const changed = label.trim() !== stage.label || outcome !== stage.outcome;
  const id = `stage-label-${stage.stageId}`;
  return (
    <form
      class="stage-row-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (changed && label.trim()) onSave(label.trim(), outcome);
      }}
    >
      <label class="visually-hidden" for={id}>
        Name of stage {number}
      </label>
      <input id={id} class="input" maxLength={60} value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
      <label class="visually-hidden" for={`${id}-outcome`}>
        What {stage.label} means
      </label>
      <select id={`${id}-outcome`} class="input" value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value as StageOutcome)}>
        {OUTCOMES.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Button type="submit" size="sm" variant="secondary" disabled={disabled || !changed || !label.trim()}>
        Save
      </Button>
    </form>
  );
}
