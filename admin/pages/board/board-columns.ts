// The board's columns as data: the optimistic move (and taking back a refused one), the live
// reloads held back while moves are on their way, and whether a live event brings anything the
// board does not already show (a move's own echo does not: reloading for it redrew every column
// 0.4 s later and could close a menu the realtor had just opened).
import type { Lead } from '../../api-client.ts';
import type { Stage } from '../../pipeline-api.ts';

export interface Column {
  stage: Stage;
  leads: Lead[];
}

/** Moves `leadId` to `toStageId` in a copy of `columns` (first in the column, as the newest move). */
export function withLeadMoved(columns: Column[], leadId: string, toStageId: string): Column[] {
  const lead = columns.flatMap((c) => c.leads).find((l) => l.leadId === leadId);
  if (!lead) return columns;
  return columns.map((c) => {
    const leads = c.leads.filter((l) => l.leadId !== leadId);
    const had = leads.length !== c.leads.length;
    if (c.stage.stageId === toStageId) {
      const moved = { ...lead, stage: { stageId: c.stage.stageId, key: c.stage.key, label: c.stage.label } };
      return { stage: { ...c.stage, leadCount: c.stage.leadCount + 1 }, leads: [moved, ...leads] };
    }
    return had ? { stage: { ...c.stage, leadCount: c.stage.leadCount - 1 }, leads } : c;
  });
}

/**
 * Takes back one refused move of `leadId` from `fromStageId` to `toStageId`, and nothing else:
 * other moves made meanwhile stay (the server accepted them and their echoes reload nothing).
 * The lead goes back only if it is still where that move put it: a later move of it stands.
 */
export function withMoveUndone(columns: Column[], leadId: string, fromStageId: string, toStageId: string): Column[] {
  const column = columns.find((c) => c.stage.stageId === toStageId);
  if (!column?.leads.some((l) => l.leadId === leadId)) return columns;
  return withLeadMoved(columns, leadId, fromStageId);
}

/**
 * Counts the board's moves on their way to the server and holds back the live reloads asked for
 * meanwhile (a reload would show the board without the moves not yet answered): one runs when the
 * last move has its answer.
 */
export function createPendingMoves(reload: () => void) {
  let pending = 0;
  let reloadWanted = false;
  return {
    start(): void {
      pending++;
    },
    /** A move has its answer (either way); runs a held-back reload when it was the last one. */
    finish(): void {
      pending--;
      if (pending === 0 && reloadWanted) {
        reloadWanted = false;
        reload();
      }
    },
    /** Reloads now, or once no move is pending. */
    reload(): void {
      if (pending === 0) reload();
      else reloadWanted = true;
    },
  };
}

/** What a `lead.updated` live event says about a lead (docs/live-updates.md). */
export interface LiveLeadData {
  leadId?: unknown;
  name?: unknown;
  email?: unknown;
  phone?: unknown;
  score?: unknown;
  scoreBand?: unknown;
  stage?: { stageId?: unknown } | null;
}

/**
 * True when the board already shows `data` as it is: the lead's card in its stage's column with
 * the same name, email and phone (what the card's title is made of), score and band. Anything else
 * (another lead, a new stage, a changed score or contact, an event without a lead: the stream's
 * reset) needs a reload.
 */
export function boardShows(columns: readonly Column[], data: LiveLeadData): boolean {
  const stageId = data.stage?.stageId;
  if (typeof data.leadId !== 'string' || typeof stageId !== 'string') return false;
  const column = columns.find((c) => c.stage.stageId === stageId);
  const lead = column?.leads.find((l) => l.leadId === data.leadId);
  return lead !== undefined && lead.name === data.name && lead.email === data.email && lead.phone === data.phone
    && lead.score === data.score && lead.scoreBand === data.scoreBand;
}

/**
 * This tab's moves whose live echo has not come back yet. Two quick moves of one lead (Shift+→
 * twice) see the first one's echo after the second has already moved the card: that echo is not
 * news either.
 */
export function createOwnMoves() {
  const pending = new Map<string, string[]>();
  /** Forgets one move of `leadId` to `stageId`. */
  const remove = (leadId: string, stageId: string): void => {
    const left = (pending.get(leadId) ?? []).filter((id, i, all) => id !== stageId || all.indexOf(stageId) !== i);
    if (left.length) pending.set(leadId, left);
    else pending.delete(leadId);
  };
  return {
    add(leadId: string, stageId: string): void {
      pending.set(leadId, [...(pending.get(leadId) ?? []), stageId]);
    },
    /** Forgets a move the server refused (no echo will come). */
    remove,
    /** True, and forgets the move, when `data` is the echo of one of this tab's moves. */
    takeEcho(data: LiveLeadData): boolean {
      const stageId = data.stage?.stageId;
      if (typeof data.leadId !== 'string' || typeof stageId !== 'string' || !pending.get(data.leadId)?.includes(stageId)) return false;
      remove(data.leadId, stageId);
      return true;
    },
  };
}
