// Dates as people read them. Relative times say "3 minutes ago"; exact ones go in a title.

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "never", "just now", "3 minutes ago", "yesterday", "in 2 hours". */
export function formatRelativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  // A time well ahead (a reminder about to fall due) is not "just now"; a few seconds ahead is the
  // server's clock running ahead of the browser's (a contact logged now).
  if (seconds >= 10 && seconds < 45) return 'in under a minute';
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** "12 Mar 2026, 14:05" in the viewer's time zone; "" for null. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? absolute.format(new Date(iso)) : '';
}

/**
 * Formats in `timeZone` (an IANA name: the realtor's, from the API) rather than the browser's,
 * for pages that say whose times they show (Today). An unknown zone falls back to the browser's
 * rather than breaking the page.
 */
function inZone(options: Intl.DateTimeFormatOptions, timeZone: string | undefined, locale?: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(locale, options);
  }
}

/** "2:30 PM" (in the viewer's locale) as the clock reads in `timeZone`. */
export function formatTimeIn(iso: string, timeZone: string, locale?: string): string {
  return inZone({ hour: 'numeric', minute: '2-digit' }, timeZone, locale).format(new Date(iso));
}

/** "Dec 1, 2026, 2:30 PM" as the clock reads in `timeZone` (formatDateTime's style). */
export function formatDateTimeIn(iso: string, timeZone: string): string {
  return inZone({ dateStyle: 'medium', timeStyle: 'short' }, timeZone, 'en').format(new Date(iso));
}

/** The browser's time zone (an IANA name), or undefined when it names none. */
export function browserTimeZone(): string | undefined {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
}

/** The date ("YYYY-MM-DD") the clock shows at `now` in `timeZone` (the browser's by default). */
export function dateIn(now: Date, timeZone?: string): string {
  const parts = Object.fromEntries(inZone({ year: 'numeric', month: '2-digit', day: '2-digit' }, timeZone, 'en').formatToParts(now).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** "1 origin", "3 origins". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** A whole number with thousands separators: 100000 → "100,000". */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}
