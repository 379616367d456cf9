// Wall-clock time in a realtor's IANA time zone, with nothing but Intl: "tomorrow 9:00",
// "7:00 every morning", "after quiet hours end". Instants are `Date`s (UTC); wall times are the
// calendar fields a clock on the realtor's wall shows.
//
// DST: a wall time that does not exist (the spring-forward gap, 02:30 in New York on the second
// Sunday of March) moves forward by the gap (03:30), and one that happens twice (01:30 on the
// first Sunday of November) resolves to the earlier instant — Temporal's 'compatible' rule, so
// code written against Temporal later agrees.
import { z } from 'zod';
import { DAY_MS } from '../shared/time.ts';

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  second: number;
}

// Formatters are costly to build and immutable: one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone name Intl knows (IANA names and their aliases; not bare offsets like +05:30). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z]/.test(timeZone) || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}": use an IANA name such as America/New_York`);
}

/**
 * The usual spelling of a zone name typed in another case ("america/new_york" → "America/New_York").
 * Only the case changes: Intl's own canonical name can be a legacy alias (Node 24 resolves
 * Asia/Kolkata to Asia/Calcutta), and a realtor should see the name they chose.
 */
export function normaliseTimeZone(timeZone: string): string {
  const lower = timeZone.toLowerCase();
  const known = [...Intl.supportedValuesOf('timeZone'), formatterFor(timeZone).resolvedOptions().timeZone];
  return known.find((tz) => tz.toLowerCase() === lower) ?? timeZone;
}

/** An IANA time zone name (aliases too), spelled as usual. */
export const ZTimeZone = z
  .string()
  .trim()
  .refine(isValidTimeZone, { message: 'Unknown time zone: use an IANA name such as America/New_York' })
  .transform(normaliseTimeZone);

/** A wall-clock time of day, `HH:MM` on a 24-hour clock. */
export const ZLocalTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time such as 21:00');

/** The wall-clock fields of `instant` in `timeZone`. */
export function toWallTime(instant: Date, timeZone: string): WallTime {
  assertTimeZone(timeZone);
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC at `instant`, in ms (New York in winter: −5 h). */
function offsetMs(instant: number, timeZone: string): number {
  const w = toWallTime(new Date(instant), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

function sameWallTime(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

/**
 * The instant a wall clock in `timeZone` shows `wall`. Out-of-range fields roll over like
 * Date.UTC (day 32 is the 1st of the next month). Gaps and repeats follow the rule above.
 */
export function fromWallTime(wall: Omit<WallTime, 'second'> & { second?: number }, timeZone: string): Date {
  assertTimeZone(timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  const normalised = toWallTime(new Date(asUtc), 'UTC');
  // Any transition near this wall time lies between the offsets a day either side of it.
  const before = offsetMs(asUtc - DAY_MS, timeZone);
  const after = offsetMs(asUtc + DAY_MS, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((t) => sameWallTime(toWallTime(new Date(t), timeZone), normalised));
  if (matches.length > 0) return new Date(Math.min(...matches));
  // In a gap: read the wall time with the offset in force before it, which lands after the gap.
  return new Date(asUtc - before);
}

function assertClock(hour: number, minute: number): void {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be a whole number 0–23, got ${hour}`);
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new RangeError(`minute must be a whole number 0–59, got ${minute}`);
}

/**
 * `hour:minute` on a local calendar day in `timeZone`.
 * With `dayOffset` (0 today, 1 tomorrow…): that day's time, even if it is already past
 * ("tomorrow 9:00" for a snooze). Without: the next such time strictly after `now`.
 */
export function nextLocalTime(now: Date, opts: { hour: number; minute?: number; timeZone: string; dayOffset?: number }): Date {
  const minute = opts.minute ?? 0;
  assertClock(opts.hour, minute);
  if (opts.dayOffset !== undefined && !Number.isInteger(opts.dayOffset)) throw new RangeError(`dayOffset must be a whole number, got ${opts.dayOffset}`);
  const today = toWallTime(now, opts.timeZone);
  const on = (dayOffset: number) => fromWallTime({ year: today.year, month: today.month, day: today.day + dayOffset, hour: opts.hour, minute }, opts.timeZone);
  if (opts.dayOffset !== undefined) return on(opts.dayOffset);
  const todays = on(0);
  return todays.getTime() > now.getTime() ? todays : on(1);
}

/** The next morning digest: `hour:00` in the realtor's zone, strictly after `now`. */
export function nextDigestTime(now: Date, opts: { hour: number; timeZone: string }): Date {
  return nextLocalTime(now, { hour: opts.hour, minute: 0, timeZone: opts.timeZone });
}

function parseLocalTime(value: string): number {
  const parsed = ZLocalTime.safeParse(value);
  if (!parsed.success) throw new RangeError(`quiet hours must be HH:MM, got "${value}"`);
  const [h, m] = value.split(':').map(Number);
  return h * 60 + m;
}

/**
 * When an alert caused at `now` may be sent: `now` outside quiet hours, else the moment they
 * end. The window is [quietStart, quietEnd) in wall-clock time; quietStart > quietEnd spans
 * midnight (21:00–07:00). No quiet hours (null, or start = end): always `now`.
 */
export function nextAllowedSendTime(now: Date, opts: { quietStart: string | null; quietEnd: string | null; timeZone: string }): Date {
  assertTimeZone(opts.timeZone);
  if (opts.quietStart === null || opts.quietEnd === null) return now;
  const start = parseLocalTime(opts.quietStart);
  const end = parseLocalTime(opts.quietEnd);
  if (start === end) return now;
  const wall = toWallTime(now, opts.timeZone);
  const t = wall.hour * 60 + wall.minute;
  const overnight = start > end;
  const quiet = overnight ? t >= start || t < end : t >= start && t < end;
  if (!quiet) return now;
  // Before midnight in an overnight window, the window ends tomorrow.
  const endsTomorrow = overnight && t >= start;
  const endAt = fromWallTime(
    { year: wall.year, month: wall.month, day: wall.day + (endsTomorrow ? 1 : 0), hour: Math.floor(end / 60), minute: end % 60 },
    opts.timeZone,
  );
  // On a fall-back night the window's end can resolve to the first 01:30 while `now` is in the second.
  return endAt.getTime() > now.getTime() ? endAt : now;
}

