// Visits: a visitor's events less than 30 minutes apart read as one visit on the lead's timeline.
import { describe, expect, it } from 'vitest';
import { formatVisitDuration, groupIntoVisits, summariseVisit, type VisitInput } from './timeline-visits.ts';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
let n = 0;
/** An item `minutes` after T0 (the timeline lists newest first, so tests pass them in that order). */
function item(minutes: number, over: Partial<VisitInput> = {}): VisitInput {
  n += 1;
  return {
    kind: 'event', id: `e${n}`, at: new Date(T0 + minutes * 60_000).toISOString(), eventType: 'page_view', visitorId: 'v1', listingRef: null, listingTitle: null, ...over,
  };
}
const shape = (entries: ReturnType<typeof groupIntoVisits>) =>
  entries.map((e) => (e.kind === 'visit' ? `visit(${e.events.map((x) => x.id).join(',')})` : e.key));

describe('groupIntoVisits', () => {
  it('joins one visitor’s events less than 30 minutes apart, newest visit first, and counts pages, time and listings', () => {
    n = 0;
    const items = [
      item(60, { listingRef: 'maple-7', listingTitle: '7 Maple Avenue' }), // e1 ┐ second visit
      item(55, { eventType: 'tool_interaction', listingRef: null }), //         e2 │
      item(50, { listingRef: 'oak-12', listingTitle: '12 Oak Street' }), //     e3 ┘
      item(15, { listingRef: 'elm-4' }), //                                     e4 ┐ first visit (35 min before the second)
      item(14, { listingRef: 'oak-12', listingTitle: '12 Oak Street' }), //     e5 │
      item(11, { listingRef: 'elm-4' }), //                                     e6 ┘ a listing without a title reads as its ref
    ];
    const entries = groupIntoVisits(items);
    expect(shape(entries)).toEqual(['visit(e1,e2,e3)', 'visit(e4,e5,e6)']);
    const [second, first] = entries;
    if (second.kind !== 'visit' || first.kind !== 'visit') throw new Error('expected visits');
    expect(second).toMatchObject({ key: 'visit:e1', pageCount: 2, durationMs: 10 * 60_000, listings: ['12 Oak Street', '7 Maple Avenue'], startAt: items[2].at, endAt: items[0].at });
    expect(first).toMatchObject({ pageCount: 3, durationMs: 4 * 60_000, listings: ['elm-4', '12 Oak Street'] });
    expect(summariseVisit(second)).toBe('Visit · 2 pages · 10 min · 12 Oak Street, 7 Maple Avenue');
  });

  it('a gap of exactly 30 minutes starts a new visit; 29:59 does not', () => {
    n = 0;
    expect(shape(groupIntoVisits([item(30), item(0)]))).toEqual(['visit(e1)', 'visit(e2)']);
    expect(shape(groupIntoVisits([item(29.99), item(0)]))).toEqual(['visit(e3,e4)']);
  });

  it('keeps two visitors apart even when their events interleave, and other items in place', () => {
    n = 0;
    const entries = groupIntoVisits([
      item(10, { visitorId: 'phone' }), //                               e1
      { ...item(9), kind: 'inquiry', eventType: null, visitorId: null }, // e2: an inquiry mid-visit stays a single entry
      item(8, { visitorId: 'laptop' }), //                               e3
      item(7, { visitorId: 'phone' }), //                                e4
      { ...item(6), kind: 'activity', eventType: null, visitorId: null }, // e5
      item(5, { visitorId: 'laptop' }), //                               e6
      item(4, { visitorId: null }), //                                   e7 no visitor id: grouped among themselves
      item(3, { visitorId: null }), //                                   e8
    ]);
    expect(shape(entries)).toEqual(['visit(e1,e4)', 'inquiry:e2', 'visit(e3,e6)', 'activity:e5', 'visit(e7,e8)']);
  });

  it('a visit cut by a page boundary is whole once the next page is appended', () => {
    n = 0;
    const page1 = [item(20), item(15)];
    const page2 = [item(10), item(5), item(-60)];
    expect(shape(groupIntoVisits(page1))).toEqual(['visit(e1,e2)']);
    expect(shape(groupIntoVisits([...page1, ...page2]))).toEqual(['visit(e1,e2,e3,e4)', 'visit(e5)']);
  });

  it('counts events when a visit has no page views, and names at most three listings', () => {
    n = 0;
    const [visit] = groupIntoVisits([
      item(4, { eventType: 'tour_step', listingRef: 'd' }), item(3, { eventType: 'tour_step', listingRef: 'c' }),
      item(2, { eventType: 'tour_step', listingRef: 'b' }), item(1, { eventType: 'tour_step', listingRef: 'a' }),
    ]);
    if (visit.kind !== 'visit') throw new Error('expected a visit');
    expect(summariseVisit(visit)).toBe('Visit · 4 events · 3 min · a, b, c +1 more');
  });

  it('reads durations the way a person says them', () => {
    expect([0, 29_000, 60_000, 4 * 60_000 + 20_000, 60 * 60_000, 65 * 60_000].map(formatVisitDuration)).toEqual([
      'under a minute', 'under a minute', '1 min', '4 min', '1 h', '1 h 5 min',
    ]);
  });
});
