// Turns a lead's timeline (newest first) into a story: analytics events of one visitor less than
// VISIT_GAP_MS apart become one visit ("Visit · 6 pages · 4 min · 12 Oak Street, 7 Maple
// Avenue"); inquiries and activities stay single entries at their own time. Pure and
// dependency-free so the admin runs it over the pages it has loaded: a visit cut by a page
// boundary grows when the next page arrives.
import { MINUTE_MS } from './time.ts';

/** Events of one visitor closer than this belong to the same visit (the web-analytics session convention). */
export const VISIT_GAP_MS = 30 * MINUTE_MS;

/** What grouping reads of an item (a `TimelineItem` has all of it). */
export interface VisitInput {
  kind: string;
  id: string;
  at: string;
  eventType: string | null;
  visitorId: string | null;
  listingRef: string | null;
  listingTitle: string | null;
}

export interface Visit<T extends VisitInput> {
  kind: 'visit';
  /** Stable across re-groupings: the visit's newest event id. */
  key: string;
  visitorId: string | null;
  /** Newest first, as on the timeline. */
  events: T[];
  /** The first and last event's time (ISO). */
  startAt: string;
  endAt: string;
  durationMs: number;
  /** Page views in the visit. */
  pageCount: number;
  /** The listings it touched, in the order first seen (title when known, else the ref). */
  listings: string[];
}

export type StoryEntry<T extends VisitInput> = { kind: 'item'; key: string; item: T } | Visit<T>;

/**
 * Groups `items` (newest first, as the timeline API answers) into entries, keeping the order:
 * a visit stands where its newest event stood. An event joins the open visit of its visitor when
 * it is less than VISIT_GAP_MS older than the visit's oldest event so far; events without a
 * visitor id group among themselves the same way.
 */
export function groupIntoVisits<T extends VisitInput>(items: readonly T[], gapMs = VISIT_GAP_MS): StoryEntry<T>[] {
  const entries: StoryEntry<T>[] = [];
  const open = new Map<string, Visit<T>>();
  for (const item of items) {
    if (item.kind !== 'event') {
      entries.push({ kind: 'item', key: `${item.kind}:${item.id}`, item });
      continue;
    }
    const visitor = item.visitorId ?? '';
    const at = Date.parse(item.at);
    const current = open.get(visitor);
    if (current && Date.parse(current.startAt) - at < gapMs) {
      current.events.push(item);
      current.startAt = item.at;
      continue;
    }
    const visit: Visit<T> = { kind: 'visit', key: `visit:${item.id}`, visitorId: item.visitorId, events: [item], startAt: item.at, endAt: item.at, durationMs: 0, pageCount: 0, listings: [] };
    open.set(visitor, visit);
    entries.push(visit);
  }
  for (const entry of entries) {
    if (entry.kind !== 'visit') continue;
    entry.durationMs = Math.max(0, Date.parse(entry.endAt) - Date.parse(entry.startAt));
    entry.pageCount = entry.events.filter((e) => e.eventType === 'page_view').length;
    // One name per listing ref, oldest first; its title when any of its events knows it.
    const names = new Map<string, string>();
    for (let i = entry.events.length - 1; i >= 0; i--) {
      const e = entry.events[i];
      if (!e.listingRef) continue;
      const title = e.listingTitle?.trim();
      if (!names.has(e.listingRef) || title) names.set(e.listingRef, title || names.get(e.listingRef) || e.listingRef);
    }
    entry.listings = [...names.values()];
  }
  return entries;
}

/** "4 min", "1 h 5 min", "under a minute". */
export function formatVisitDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "Visit · 6 pages · 4 min · 12 Oak Street, 7 Maple Avenue" (at most `maxListings` named, then "+N more"). */
export function summariseVisit(visit: Pick<Visit<VisitInput>, 'pageCount' | 'durationMs' | 'listings' | 'events'>, maxListings = 3): string {
  const parts = ['Visit'];
  if (visit.pageCount > 0) parts.push(`${visit.pageCount} ${visit.pageCount === 1 ? 'page' : 'pages'}`);
  else parts.push(`${visit.events.length} ${visit.events.length === 1 ? 'event' : 'events'}`);
  parts.push(formatVisitDuration(visit.durationMs));
  if (visit.listings.length) {
    const shown = visit.listings.slice(0, maxListings).join(', ');
    const more = visit.listings.length - maxListings;
    parts.push(more > 0 ? `${shown} +${more} more` : shown);
  }
  return parts.join(' · ');
}
