// The bar that appears when leads are selected in the list: move them to a pipeline stage, add
// a reminder to each, export them, or delete them (behind a confirmation). One line of buttons
// fixed to the bottom edge, kept under a tenth of a phone screen; each form opens above it.
import { useState } from 'preact/hooks';
import { DAY_MS } from '#core/shared/time.ts';
import { errorMessage } from '../api-client.ts';
import { leadDisplayName } from '../lead-format.ts';
import { fromLocalInputValue, toLocalInputValue } from '../reminders-api.ts';
import { type PipelineStage, workdayApi } from '../workday-api.ts';
import { Button } from './button.tsx';
import { ConfirmDialog, useConfirmedAction } from './confirm-dialog.tsx';
import { showToast } from './toast.tsx';

interface SelectedLead {
  leadId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

type Panel = 'stage' | 'reminder' | null;

export function BulkBar({ leads, onClear, onStageChanged, onDeleted }: {
  leads: SelectedLead[];
  onClear(): void;
  onStageChanged(leadIds: string[], stage: { stageId: string; key: string; label: string }): void;
  onDeleted(leadIds: string[]): void;
}) {
  const ids = leads.map((l) => l.leadId);
  const [panel, setPanel] = useState<Panel>(null);
  const [stages, setStages] = useState<PipelineStage[] | null>(null);
  const [stageId, setStageId] = useState('');
  const [when, setWhen] = useState(() => toLocalInputValue(new Date(Date.now() + DAY_MS)));
  const [message, setMessage] = useState('Follow up');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = `${ids.length} lead${ids.length === 1 ? '' : 's'}`;

  const openPanel = async (next: Panel) => {
    setError(null);
    setPanel(panel === next ? null : next);
    if (next === 'stage' && stages === null) {
      try {
        const answer = await workdayApi.stages();
        setStages(answer.items);
        setStageId(answer.items[0]?.stageId ?? '');
      } catch (err) {
        setError(errorMessage(err));
      }
    }
  };

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      showToast(await action());
      setPanel(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const moveToStage = (e: Event) => {
    e.preventDefault();
    const stage = stages?.find((s) => s.stageId === stageId);
    if (!stage) return setError('Choose a stage');
    void run(async () => {
      const { affected } = await workdayApi.bulk(ids, { action: 'stage', stageId });
      onStageChanged(ids, { stageId: stage.stageId, key: stage.key, label: stage.label });
      return `Moved ${affected} to ${stage.label}.`;
    });
  };

  const addReminder = (e: Event) => {
    e.preventDefault();
    const at = fromLocalInputValue(when);
    if (!at || at.getTime() <= Date.now()) return setError('Choose a time in the future');
    if (!message.trim()) return setError('Write what to do');
    void run(async () => {
      const { affected } = await workdayApi.bulk(ids, { action: 'reminder', reminderDate: at.toISOString(), reminderMessage: message.trim() });
      return `Added a reminder to ${affected} lead${affected === 1 ? '' : 's'}.`;
    });
  };

  const deletion = useConfirmedAction(async () => {
    const { affected } = await workdayApi.bulk(ids, { action: 'delete' });
    onDeleted(ids);
    showToast(`Deleted ${affected} lead${affected === 1 ? '' : 's'} and everything recorded about them.`);
  });

  return (
    <section class="bulk-bar" aria-label="Selected leads">
      {panel && (
        // Escape closes the open panel and gives the focus back to the button that opened it.
        <div
          class="bulk-panel card"
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.preventDefault();
            document.getElementById(`bulk-${panel}-button`)?.focus();
            setPanel(null);
          }}
        >
          {panel === 'stage' &&
            (stages === null && !error ? (
              <p class="muted small">Loading stages…</p>
            ) : (
              <form class="bulk-form" onSubmit={moveToStage}>
                <label class="field-label" for="bulk-stage">
                  Move {count} to
                </label>
                <select id="bulk-stage" class="input select" value={stageId} onChange={(e) => setStageId(e.currentTarget.value)}>
                  {(stages ?? []).map((s) => (
                    <option key={s.stageId} value={s.stageId}>
                      {s.label}
                    </option>
                  ))}
                </select>
                <Button type="submit" size="sm" loading={busy} disabled={!stages?.length}>
                  Move
                </Button>
              </form>
            ))}
          {panel === 'reminder' && (
            <form class="bulk-form" onSubmit={addReminder}>
              <label class="field-label" for="bulk-reminder-when">
                Remind me about {count}
              </label>
              <input id="bulk-reminder-when" class="input" type="datetime-local" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
              <label class="visually-hidden" for="bulk-reminder-message">
                What to do
              </label>
              <input id="bulk-reminder-message" class="input" maxLength={500} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
              <Button type="submit" size="sm" loading={busy}>
                Add reminder
              </Button>
            </form>
          )}
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
      <div class="bulk-bar-inner">
        <p class="bulk-count" aria-live="polite">
          <strong>{ids.length}</strong> selected
          <button type="button" class="link-button" onClick={onClear}>
            Clear
          </button>
        </p>
        <div class="bulk-actions">
          <Button id="bulk-stage-button" size="sm" variant="secondary" aria-expanded={panel === 'stage'} onClick={() => openPanel('stage')}>
            Stage
          </Button>
          <Button id="bulk-reminder-button" size="sm" variant="secondary" aria-expanded={panel === 'reminder'} onClick={() => openPanel('reminder')}>
            Remind
          </Button>
          <a class="btn btn-secondary btn-sm" href={workdayApi.exportSelectionHref(ids)} download="porchlight-leads.csv">
            Export
          </a>
          <Button
            size="sm"
            variant="danger"
            onClick={() => {
              // The dialog takes over: an open panel would stay behind it.
              setPanel(null);
              deletion.ask();
            }}
          >
            Delete…
          </Button>
        </div>
      </div>
      {!panel && error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog {...deletion.dialog} title={`Delete ${count}?`} confirmLabel={`Delete ${count}`} danger>
        <p>This permanently erases {ids.length === 1 ? leadDisplayName(leads[0]) : `these ${count}`} — contact details, inquiries, recorded activity and reminders.</p>
        {ids.length > 1 && (
          <ul class="bulk-names">
            {leads.slice(0, 8).map((l) => (
              <li key={l.leadId}>{leadDisplayName(l)}</li>
            ))}
            {leads.length > 8 && <li>and {leads.length - 8} more</li>}
          </ul>
        )}
        <p>This can’t be undone.</p>
      </ConfirmDialog>
    </section>
  );
}
