// Wall-clock time in a realtor's IANA time zone, with nothing but Intl: "tomorrow 9:00",
// "7:00 every morning", "after quiet hours end". Instants are `Date`s (UTC); wall times are the
// calendar fields a clock on the realtor's wall shows.
//
// DST: a wall time that does not exist (the spring-forward gap, 02:30 in New York on the second
// Sunday of March) moves forward by the gap (03:30), and one that happens twice (01:30 on the
// first Sunday of November) resolves to the earlier instant — Temporal's 'compatible' rule, so
// code written against Temporal later agrees. Quiet hours are the exception (nextAllowedSendTime):
// they are read on the clock, so they end when the clock next leaves them — the second 01:30 when
// the clock is back in the repeated hour, the jump itself when their end is skipped.
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

/**
 * Intl's canonical name of a zone (Asia/Kolkata → Asia/Calcutta on Node 24): a name Postgres's
 * tz database knows too (every zone Intl lists is in `pg_timezone_names` here), for `at time zone`.
 */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
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
 * Every instant at which a wall clock in `timeZone` shows `wall`, earliest first: one, two in a
 * fall-back repeat, none in a spring-forward gap — then `gap` holds the offsets (ms) in force
 * before and after it.
 */
function instantsOfWallTime(wall: Omit<WallTime, 'second'> & { second?: number }, timeZone: string): { asUtc: number; instants: number[]; gap: { before: number; after: number } | null } {
  assertTimeZone(timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  const normalised = toWallTime(new Date(asUtc), 'UTC');
  // Any transition near this wall time lies between the offsets a day either side of it.
  const before = offsetMs(asUtc - DAY_MS, timeZone);
  const after = offsetMs(asUtc + DAY_MS, timeZone);
  const instants = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((t) => sameWallTime(toWallTime(new Date(t), timeZone), normalised))
    .sort((a, b) => a - b);
  return { asUtc, instants, gap: instants.length === 0 ? { before, after } : null };
}

/**
 * The instant a wall clock in `timeZone` shows `wall`. Out-of-range fields roll over like
 * Date.UTC (day 32 is the 1st of the next month). Gaps and repeats follow the rule above.
 */
export function fromWallTime(wall: Omit<WallTime, 'second'> & { second?: number }, timeZone: string): Date {
  const { asUtc, instants, gap } = instantsOfWallTime(wall, timeZone);
  if (!gap) return new Date(instants[0]);
  // In a gap: read the wall time with the offset in force before it, which lands after the gap.
  return new Date(asUtc - gap.before);
}

/** A local calendar day in `timeZone`: from its midnight to the next day's (23, 24 or 25 hours across a DST change). */
export function localDayBounds({ year, month, day }: { year: number; month: number; day: number }, timeZone: string): { start: Date; end: Date } {
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return {
    start: fromWallTime({ year, month, day, hour: 0, minute: 0 }, timeZone),
    end: fromWallTime({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0 }, timeZone),
  };
}

/**
 * The instant the clock jumps over a wall time in a spring-forward gap: the first instant (to the
 * minute; zones change offset on whole minutes) at which the offset in force after it applies.
 * It lies between the wall time read with the later offset and with the earlier one.
 */
function gapTransition(asUtc: number, gap: { before: number; after: number }, timeZone: string): number {
  let lo = Math.floor((asUtc - gap.after) / 60_000); // still the earlier offset
  let hi = Math.ceil((asUtc - gap.before) / 60_000); // already the later offset
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid * 60_000, timeZone) === gap.after) hi = mid;
    else lo = mid;
  }
  return hi * 60_000;
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
 *
 * On the nights the clock changes, an alert waits while either of two things holds, and goes the
 * first minute neither does:
 * - the clock shows a time inside the window: quiet until 01:30, and at 02:00 EDT the clock falls
 *   back to 01:00 EST — an alert at the second 01:15 waits for the second 01:30;
 * - the night's quiet hours have begun (the clock passed quietStart) and not yet ended (it has not
 *   passed quietEnd since): quiet from 01:30, and the clock falls back from 01:59 EDT to 01:00
 *   EST — still the same night's quiet hours, until 07:00, though 01:00 is outside the window.
 * A clock that jumps over the end (quiet until 02:30, and 02:00 EST becomes 03:00 EDT) ends quiet
 * hours with the jump, not at 03:30; ordinary nights are unaffected (22:00 → 07:00, whatever the
 * offset at 07:00).
 */
export function nextAllowedSendTime(now: Date, opts: { quietStart: string | null; quietEnd: string | null; timeZone: string }): Date {
  assertTimeZone(opts.timeZone);
  if (opts.quietStart === null || opts.quietEnd === null) return now;
  const start = parseLocalTime(opts.quietStart);
  const end = parseLocalTime(opts.quietEnd);
  if (start === end) return now;
  const { timeZone } = opts;
  const overnight = start > end;
  const inWindow = (minutes: number) => (overnight ? minutes >= start || minutes < end : minutes >= start && minutes < end);

  /** The instants at which the clock reaches `minutes` on the local day `dayOffset` days after `day`: it shows it, or jumps over it. */
  const reaching = (day: WallTime, dayOffset: number, minutes: number): number[] => {
    const { asUtc, instants, gap } = instantsOfWallTime({ year: day.year, month: day.month, day: day.day + dayOffset, hour: Math.floor(minutes / 60), minute: minutes % 60 }, timeZone);
    return gap ? [gapTransition(asUtc, gap, timeZone)] : instants;
  };
  /** The first instant after `after` (a time on the local day `day`) at which the clock reaches the window's end. */
  const endAfter = (after: number, day: WallTime): number | undefined =>
    reaching(day, 0, end).find((t) => t > after) ?? reaching(day, 1, end).find((t) => t > after);

  // Each step moves `at` to an end of quiet hours; it stops when neither rule holds there (at
  // most a few steps: an hour's repeat can put the clock back in the window once).
  let at = now.getTime();
  for (let step = 0; step < 4; step++) {
    const wall = toWallTime(new Date(at), timeZone);
    if (inWindow(wall.hour * 60 + wall.minute)) {
      // Today's end, or tomorrow's before midnight in an overnight window.
      const until = endAfter(at, wall);
      if (until === undefined) break;
      at = until;
      continue;
    }
    // Outside the window, quiet hours can still run only if the clock went back within the last
    // day (the same offset a day ago: it has shown every minute of the day since, and left them).
    const offset = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - Math.floor(at / 1000) * 1000;
    if (offset === offsetMs(at - DAY_MS, timeZone)) break;
    // The night's quiet hours began at the latest time the clock reached quietStart (today's or
    // yesterday's, its first 01:30 if it shows it twice) and end when it next reaches quietEnd.
    const began = [-1, 0].map((d) => reaching(wall, d, start)[0]).filter((t) => t <= at).sort((a, b) => b - a)[0];
    const beganDay = began === undefined ? undefined : toWallTime(new Date(began), timeZone);
    const until = beganDay && endAfter(began!, beganDay);
    if (until === undefined || until <= at) break;
    at = until;
  }
  return at === now.getTime() ? now : new Date(at);
}

