// The board's optimistic move, taking back a refused one, the reloads held back while moves are
// on their way, and which live events it reloads for.
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../api-client.ts';
import type { Stage } from '../../pipeline-api.ts';
import { boardShows, type Column, createOwnMoves, createPendingMoves, withLeadMoved, withMoveUndone } from './board-columns.ts';

const stage = (n: number, key: string, leadCount: number): Stage => ({ stageId: `00000000-0000-4000-8000-00000000000${n}`, key, label: key, position: n, outcome: 'open', leadCount });
const NEW = stage(1, 'new', 2);
const SHOWING = stage(2, 'showing', 1);

function lead(n: number, name: string, score: number, at: Stage): Lead {
  return {
    leadId: `00000000-0000-4000-8000-0000000001${n}0`, name, contactInfo: null, email: null, phone: null, status: 'new', score, scoreBand: score >= 60 ? 'hot' : 'warm',
    scoreBreakdown: null, siteId: null, lastActivityAt: null, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z', scoredAt: null,
    firstContactedAt: null, lastContactedAt: null, nextFollowUpAt: null, speedToLeadSeconds: null, stage: { stageId: at.stageId, key: at.key, label: at.label }, importId: null,
  };
}

const jordan = lead(1, 'Jordan Avery', 82, NEW);
const priya = lead(2, 'Priya Natarajan', 12, NEW);
const sam = lead(3, 'Sam Okafor', 64, SHOWING);
const columns: Column[] = [{ stage: NEW, leads: [jordan, priya] }, { stage: SHOWING, leads: [sam] }];
const echo = (l: Lead, at: Stage, changes: Partial<Lead> = {}) => ({ leadId: l.leadId, name: l.name, email: l.email, phone: l.phone, score: l.score, scoreBand: l.scoreBand, stage: { stageId: at.stageId, key: at.key, label: at.label }, ...changes });

describe('withLeadMoved', () => {
  it('puts the lead first in the target column and moves one from each count', () => {
    const moved = withLeadMoved(columns, priya.leadId, SHOWING.stageId);
    expect(moved.map((c) => [c.stage.leadCount, c.leads.map((l) => l.name)])).toEqual([[1, ['Jordan Avery']], [2, ['Priya Natarajan', 'Sam Okafor']]]);
    expect(moved[1].leads[0].stage?.stageId).toBe(SHOWING.stageId);
    expect(columns[0].leads).toHaveLength(2); // a copy
  });

  it('leaves the board as it is for a lead it does not show', () => {
    expect(withLeadMoved(columns, '00000000-0000-4000-8000-000000000999', SHOWING.stageId)).toBe(columns);
  });
});

describe('withMoveUndone (a move the server refused)', () => {
  const OFFER = stage(3, 'offer', 0);
  const three: Column[] = [...columns, { stage: OFFER, leads: [] }];

  it('takes back only that move: another card moved meanwhile stays where the server put it', () => {
    // Priya to Showing (will fail), then Jordan to Offer (accepted) before the first answer.
    const shown = withLeadMoved(withLeadMoved(three, priya.leadId, SHOWING.stageId), jordan.leadId, OFFER.stageId);
    const undone = withMoveUndone(shown, priya.leadId, NEW.stageId, SHOWING.stageId);
    expect(undone.map((c) => [c.stage.key, c.stage.leadCount, c.leads.map((l) => l.name)])).toEqual([
      ['new', 1, ['Priya Natarajan']],
      ['showing', 1, ['Sam Okafor']],
      ['offer', 1, ['Jordan Avery']],
    ]);
  });

  it('leaves a later move of the same lead standing', () => {
    // Priya to Showing (will fail), then on to Offer (accepted: the server puts her there).
    const shown = withLeadMoved(withLeadMoved(three, priya.leadId, SHOWING.stageId), priya.leadId, OFFER.stageId);
    expect(withMoveUndone(shown, priya.leadId, NEW.stageId, SHOWING.stageId)).toBe(shown);
  });
});

describe('createPendingMoves (live reloads while moves are on their way)', () => {
  it('reloads at once when no move is pending', () => {
    let reloads = 0;
    const moves = createPendingMoves(() => reloads++);
    moves.reload();
    expect(reloads).toBe(1);
  });

  it('holds a reload asked for during moves and runs it once, when the last one has its answer', () => {
    let reloads = 0;
    const moves = createPendingMoves(() => reloads++);
    moves.start();
    moves.start();
    moves.reload();
    moves.reload();
    moves.finish();
    expect(reloads).toBe(0);
    moves.finish();
    expect(reloads).toBe(1);
    moves.start();
    moves.finish();
    expect(reloads).toBe(1); // nothing was held back this time
  });
});

describe('boardShows (a live lead.updated the board needs no reload for)', () => {
  const moved = withLeadMoved(columns, priya.leadId, SHOWING.stageId);

  it('is true for the echo of a move the board already made', () => {
    expect(boardShows(moved, echo(priya, SHOWING))).toBe(true);
  });

  it.each([
    ['the lead in another stage', echo(priya, NEW)],
    ['a new score', echo(priya, SHOWING, { score: 40 })],
    ['a new band', echo(priya, SHOWING, { scoreBand: 'hot' })],
    ['a new name', echo(priya, SHOWING, { name: 'Priya N.' })],
    ['a new email (a card without a name shows it)', echo(priya, SHOWING, { email: 'priya@example.com' })],
    ['a new phone', echo(priya, SHOWING, { phone: '+14155550134' })],
    ['a lead not on the board', { ...echo(priya, SHOWING), leadId: '00000000-0000-4000-8000-000000000999' }],
    ['a stage not on the board', { ...echo(priya, SHOWING), stage: { stageId: '00000000-0000-4000-8000-000000000009' } }],
    ['the stream\'s reset (no lead)', {}],
    ['a lead without a stage', { ...echo(priya, SHOWING), stage: null }],
  ])('is false for %s', (_, data) => {
    expect(boardShows(moved, data)).toBe(false);
  });
});

describe('createOwnMoves (echoes of this tab\'s own moves)', () => {
  const NEXT = stage(3, 'offer', 0);

  it('takes the echo of each move once, also the first of two quick moves of one lead', () => {
    const own = createOwnMoves();
    own.add(priya.leadId, SHOWING.stageId);
    own.add(priya.leadId, NEXT.stageId);
    // The first move's echo arrives after the card has moved on: still ours.
    expect(own.takeEcho(echo(priya, SHOWING))).toBe(true);
    expect(own.takeEcho(echo(priya, SHOWING))).toBe(false);
    expect(own.takeEcho(echo(priya, NEXT))).toBe(true);
    expect(own.takeEcho(echo(priya, NEXT))).toBe(false);
  });

  it('does not take a move of another tab, or of a lead it did not move', () => {
    const own = createOwnMoves();
    own.add(priya.leadId, SHOWING.stageId);
    expect(own.takeEcho(echo(priya, NEXT))).toBe(false);
    expect(own.takeEcho(echo(jordan, SHOWING))).toBe(false);
    expect(own.takeEcho({})).toBe(false);
  });

  it('forgets a refused move: no echo of it will come', () => {
    const own = createOwnMoves();
    own.add(priya.leadId, SHOWING.stageId);
    own.add(priya.leadId, SHOWING.stageId);
    own.remove(priya.leadId, SHOWING.stageId);
    expect(own.takeEcho(echo(priya, SHOWING))).toBe(true);
    expect(own.takeEcho(echo(priya, SHOWING))).toBe(false);
  });
});
