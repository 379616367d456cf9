// Builders shared by the scoring tests: a fixed clock and terse activity constructors.
import type { ScoringActivity, ScoringInquiry } from './compute-score.ts';
import { DAY_MS } from '../shared/time.ts';

export { DAY_MS };
/** The injected clock: midday UTC, so "n days ago" never straddles a date line by accident. */
export const NOW = new Date('2026-03-15T12:00:00.000Z');

export function daysAgo(days: number, now: Date = NOW): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export function pageView(at: Date, listingRef: string | null = null): ScoringActivity {
  return { kind: 'event', type: 'page_view', value: null, listingRef, at };
}

export function tool(value: string | null, at: Date): ScoringActivity {
  return { kind: 'event', type: 'tool_interaction', value, listingRef: null, at };
}

export function event(type: string, at: Date, value: string | null = null, listingRef: string | null = null): ScoringActivity {
  return { kind: 'event', type, value, listingRef, at };
}

export function inquiry(at: Date): ScoringInquiry {
  return { kind: 'inquiry', at };
}

export function times<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}
