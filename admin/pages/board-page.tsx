// The pipeline board: one column per stage, a card per lead (name, band, score). A card moves by
// drag and drop, by keyboard (focus it, Shift+→ / Shift+← moves it one stage; the arrows alone
// move focus), or with its "Move to…" menu (the way on phones, where columns scroll sideways).
// Each column shows its hottest BOARD_COLUMN_LIMIT leads and says how many more it holds.
// Every move shows at once and is rolled back if the server refuses it; the live-update stream
// refreshes the board when leads change elsewhere. Stages are managed in a section below.
import './board/board.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, type Lead } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { BandBadge } from '../components/score.tsx';
import { Loading } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { leadDisplayName } from '../lead-format.ts';
import { pipelineApi, type Stage } from '../pipeline-api.ts';
import { Link, navigate, type RouteProps } from '../router.tsx';
import { useLiveRefresh } from '../use-live-events.ts';
import { boardShows, type Column, createOwnMoves, createPendingMoves, withLeadMoved, withMoveUndone } from './board/board-columns.ts';
import { StageManager } from './board/stage-manager.tsx';

interface BoardState {
  columns: Column[];
  loading: boolean;
  error: unknown;
}

/** Loads the stages, then each column's hottest leads, in parallel. */
async function loadBoard(signal?: AbortSignal): Promise<Column[]> {
  const { items: stages } = await pipelineApi.stages({ signal });
  const pages = await Promise.all(stages.map((s) => pipelineApi.leadsInStage(s.stageId, { signal })));
  return stages.map((stage, i) => ({ stage, leads: pages[i].items }));
}

export function BoardPage(_: RouteProps) {
  const [state, setState] = useState<BoardState>({ columns: [], loading: true, error: null });
  const [tick, setTick] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const [managing, setManaging] = useState(false);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const focusAfterRender = useRef<string | null>(null);
  const ownMoves = useRef(createOwnMoves()).current;
  const reload = () => setTick((n) => n + 1);
  const pendingMoves = useRef(createPendingMoves(reload)).current;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    loadBoard(controller.signal).then(
      (columns) => !controller.signal.aborted && setState({ columns, loading: false, error: null }),
      (error: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, loading: false, error })),
    );
    return () => controller.abort();
  }, [tick]);

  // Leads created or changed elsewhere (the form, the worker's scores, another tab): reload —
  // once the last of our own moves on their way has its answer, as a reload before it would show
  // the board without them. The echo of our own move, and a change the board already shows,
  // reload nothing.
  useLiveRefresh(
    ['lead.created', 'lead.updated'],
    () => pendingMoves.reload(),
    { relevant: (e) => e.type !== 'lead.updated' || !(ownMoves.takeEcho(e.data) || boardShows(state.columns, e.data)) },
  );

  useEffect(() => {
    const id = focusAfterRender.current;
    if (!id) return;
    focusAfterRender.current = null;
    document.querySelector<HTMLElement>(`[data-lead-card="${id}"]`)?.focus();
  });

  const columns = state.columns;
  // What the board shows now, for a move's answer that comes after other moves were made.
  const shown = useRef(columns);
  shown.current = columns;

  const moveLead = async (leadId: string, toStageId: string, opts: { keepFocus?: boolean } = {}) => {
    const from = columns.find((c) => c.leads.some((l) => l.leadId === leadId));
    const to = columns.find((c) => c.stage.stageId === toStageId);
    const lead = from?.leads.find((l) => l.leadId === leadId);
    if (!from || !to || !lead || from.stage.stageId === toStageId) return;
    const name = leadDisplayName(lead);
    const position = columns.indexOf(to) + 1;
    setState((s) => ({ ...s, columns: withLeadMoved(s.columns, leadId, toStageId) }));
    if (opts.keepFocus) focusAfterRender.current = leadId;
    setAnnouncement(`Moved ${name} to ${to.stage.label}, stage ${position} of ${columns.length}.`);
    pendingMoves.start();
    ownMoves.add(leadId, toStageId);
    try {
      await pipelineApi.moveLead(leadId, toStageId);
    } catch (err) {
      ownMoves.remove(leadId, toStageId);
      // Only this move goes back: moves of other cards made meanwhile were accepted.
      const goesBack = withMoveUndone(shown.current, leadId, from.stage.stageId, toStageId) !== shown.current;
      setState((s) => ({ ...s, columns: withMoveUndone(s.columns, leadId, from.stage.stageId, toStageId) }));
      setAnnouncement(`Could not move ${name} to ${to.stage.label}: ${errorMessage(err)}.${goesBack ? ` It is back in ${from.stage.label}.` : ''}`);
      showToast(`Could not move ${name}: ${errorMessage(err)}`, 'error');
    } finally {
      pendingMoves.finish();
    }
  };

  const onCardKeyDown = (e: KeyboardEvent, leadId: string, columnIndex: number, cardIndex: number) => {
    if (e.target !== e.currentTarget) return; // keys inside the card's menu or link
    if (e.key === 'Enter') {
      e.preventDefault();
      navigate(`/leads/${leadId}`);
      return;
    }
    const horizontal = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const vertical = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (horizontal && e.shiftKey) {
      e.preventDefault();
      const target = columns[columnIndex + horizontal];
      if (target) void moveLead(leadId, target.stage.stageId, { keepFocus: true });
      else setAnnouncement(horizontal > 0 ? 'Already in the last stage.' : 'Already in the first stage.');
      return;
    }
    if (horizontal || vertical) {
      e.preventDefault();
      let c = columnIndex + horizontal;
      // Skip empty columns when moving sideways.
      while (horizontal && columns[c] && columns[c].leads.length === 0) c += horizontal;
      const column = columns[c];
      if (!column) return;
      const i = horizontal ? Math.min(cardIndex, column.leads.length - 1) : Math.max(0, Math.min(cardIndex + vertical, column.leads.length - 1));
      const next = column.leads[i];
      if (next) document.querySelector<HTMLElement>(`[data-lead-card="${next.leadId}"]`)?.focus();
    }
  };

  const total = columns.reduce((n, c) => n + c.stage.leadCount, 0);

  return (
    <>
      <PageHeader
        title="Pipeline"
        description={
          <>
            Drag a lead to another stage, or focus a card and press <kbd>Shift</kbd>+<kbd>→</kbd> / <kbd>Shift</kbd>+<kbd>←</kbd>, or use its “Move to…” menu.
          </>
        }
        actions={
          <Button variant="secondary" aria-expanded={managing} aria-controls="stage-manager" onClick={() => setManaging(!managing)}>
            {managing ? 'Done with stages' : 'Manage stages'}
          </Button>
        }
      />
      <p id="board-keys" class="visually-hidden">
        Enter opens the lead. Shift and the right or left arrow move it to the next or previous stage. The arrow keys move between cards.
      </p>
      <p class="visually-hidden" aria-live="polite" role="status" data-testid="board-announcer">
        {announcement}
      </p>

      {managing && columns.length > 0 && <StageManager stages={columns.map((c) => c.stage)} onChanged={reload} />}

      {state.loading && columns.length === 0 ? (
        <Loading label="Loading your pipeline…" />
      ) : state.error && columns.length === 0 ? (
        <LoadError title="Could not load your pipeline" onRetry={reload}>
          {errorMessage(state.error)}
        </LoadError>
      ) : (
        <>
          {total === 0 && <p class="board-empty-note">No leads yet. New leads start in “{columns[0]?.stage.label}”.</p>}
          <nav class="board-stage-nav" aria-label="Jump to a stage">
            {columns.map((column) => (
              <button
                key={column.stage.stageId}
                type="button"
                class="board-stage-chip"
                onClick={() => {
                  const el = document.querySelector<HTMLElement>(`[data-stage-column="${column.stage.key}"]`);
                  el?.scrollIntoView({ block: 'nearest', inline: 'start', behavior: 'smooth' });
                  el?.querySelector<HTMLElement>('[data-lead-card]')?.focus({ preventScroll: true });
                }}
              >
                {column.stage.label} <span class="board-stage-chip-count">{column.stage.leadCount}</span>
              </button>
            ))}
          </nav>
          <section class="board" aria-label="Pipeline board">
            {columns.map((column, ci) => {
              const headingId = `stage-${column.stage.stageId}`;
              const hidden = column.stage.leadCount - column.leads.length;
              return (
                <section
                  key={column.stage.stageId}
                  class={`board-column${dropTarget === column.stage.stageId ? ' is-drop-target' : ''} board-outcome-${column.stage.outcome}`}
                  aria-labelledby={headingId}
                  data-stage-column={column.stage.key}
                  onDragOver={(e) => {
                    if (!e.dataTransfer?.types.includes('text/x-porchlight-lead')) return;
                    e.preventDefault();
                    e.dataTransfer.dropEffect = 'move';
                    if (dropTarget !== column.stage.stageId) setDropTarget(column.stage.stageId);
                  }}
                  onDragLeave={(e) => {
                    if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setDropTarget(null);
                  }}
                  onDrop={(e) => {
                    e.preventDefault();
                    setDropTarget(null);
                    const leadId = e.dataTransfer?.getData('text/x-porchlight-lead');
                    if (leadId) void moveLead(leadId, column.stage.stageId);
                  }}
                >
                  <h2 class="board-column-title" id={headingId}>
                    <span>{column.stage.label}</span>
                    <span class="board-count">
                      {column.stage.leadCount}
                      <span class="visually-hidden"> {column.stage.leadCount === 1 ? 'lead' : 'leads'}</span>
                    </span>
                  </h2>
                  {column.leads.length === 0 ? (
                    <p class="board-column-empty">No leads</p>
                  ) : (
                    <ul class="board-cards">
                      {column.leads.map((lead, li) => (
                        <li key={lead.leadId}>
                          <LeadCard
                            lead={lead}
                            stages={columns.map((c) => c.stage)}
                            currentStageId={column.stage.stageId}
                            onMove={(stageId) => void moveLead(lead.leadId, stageId, { keepFocus: true })}
                            onKeyDown={(e) => onCardKeyDown(e, lead.leadId, ci, li)}
                          />
                        </li>
                      ))}
                    </ul>
                  )}
                  {hidden > 0 && (
                    <p class="board-more">
                      and {hidden} more (the hottest {column.leads.length} are shown)
                    </p>
                  )}
                </section>
              );
            })}
          </section>
        </>
      )}
    </>
  );
}

function LeadCard({ lead, stages, currentStageId, onMove, onKeyDown }: {
  lead: Lead; stages: Stage[]; currentStageId: string; onMove(stageId: string): void; onKeyDown(e: KeyboardEvent): void;
}) {
  const menuRef = useRef<HTMLDetailsElement>(null);
  const name = leadDisplayName(lead);
  const current = stages.find((s) => s.stageId === currentStageId);
  return (
    <article
      class="board-card"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the card is the keyboard handle that moves the lead (Shift+arrows, see #board-keys)
      tabIndex={0}
      draggable
      data-lead-card={lead.leadId}
      aria-label={`${name}, ${lead.scoreBand}, score ${lead.score}, in ${current?.label ?? 'this stage'}`}
      aria-describedby="board-keys"
      onDragStart={(e) => {
        e.dataTransfer?.setData('text/x-porchlight-lead', lead.leadId);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
        (e.currentTarget as HTMLElement).classList.add('is-dragging');
      }}
      onDragEnd={(e) => (e.currentTarget as HTMLElement).classList.remove('is-dragging')}
      onKeyDown={onKeyDown}
    >
      <div class="board-card-top">
        {/* The column cuts a long name short with an ellipsis: the whole name shows on hover. */}
        <Link href={`/leads/${lead.leadId}`} class="board-card-name" tabIndex={-1} title={name}>
          {name}
        </Link>
        <span class="board-card-score" title="Score">
          {lead.score}
        </span>
      </div>
      <div class="board-card-bottom">
        <BandBadge band={lead.scoreBand} />
        <details
          class="move-menu"
          ref={menuRef}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && menuRef.current?.open) {
              e.stopPropagation();
              menuRef.current.open = false;
              menuRef.current.querySelector('summary')?.focus();
            }
          }}
        >
          {/* Its accessible name starts with the visible “Move to…” (WCAG 2.5.3, label in name); the lead's name tells the cards apart. */}
          <summary aria-label={`Move to… (${name})`}>Move to…</summary>
          <ul class="move-menu-list">
            {stages.map((s) => (
              <li key={s.stageId}>
                <button
                  type="button"
                  disabled={s.stageId === currentStageId}
                  aria-current={s.stageId === currentStageId ? 'true' : undefined}
                  onClick={() => {
                    if (menuRef.current) menuRef.current.open = false;
                    onMove(s.stageId);
                  }}
                >
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
        </details>
      </div>
    </article>
  );
}
