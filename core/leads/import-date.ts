// The `createdAt` cell of an imported row (docs/import.md): ISO 8601 (a date-time without an offset
// is read as UTC), YYYY-MM-DD or US M/D/YYYY (both midnight UTC). Calendar checks are our own:
// Date.parse rolls "2026-02-30" over into March.

/** Dates before this read as a typo rather than a contact's first date. */
const EARLIEST_YEAR = 1900;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

export type ImportDate =
  /** `iso`: what Postgres stores (an offset always given; fractions kept to the microsecond); `ms` for comparisons and previews. */
  | { ok: true; iso: string; ms: number }
  | { ok: false; reason: 'unparseable' | 'future' };

function validDay(y: number, m: number, d: number): boolean {
  if (y < EARLIEST_YEAR || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The instant `text` names, or why it cannot be used (`future`: after `now`). */
export function parseImportDate(text: string, now: Date): ImportDate {
  const s = text.trim();
  let iso: string | null = null;
  const us = US.exec(s);
  if (us) {
    const [m, d, y] = [Number(us[1]), Number(us[2]), Number(us[3])];
    if (validDay(y, m, d)) iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00Z`;
  }
  const match = us ? null : ISO.exec(s);
  if (match) {
    const [, y, mo, d, h = '00', mi = '00', sec = '00', fraction = '', zone] = match;
    const zoneText = !zone || zone === 'z' || zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    if (validDay(Number(y), Number(mo), Number(d)) && Number(h) < 24 && Number(mi) < 60 && Number(sec) < 60 && (zoneText === 'Z' || Number(zoneText.slice(1, 3)) <= 14)) {
      iso = `${y}-${mo}-${d}T${h}:${mi}:${sec}${fraction}${zoneText}`;
    }
  }
  if (!iso) return { ok: false, reason: 'unparseable' };
  // Date.parse reads at most milliseconds; Postgres keeps the microseconds of `iso`.
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  if (!Number.isFinite(ms)) return { ok: false, reason: 'unparseable' };
  if (ms > now.getTime()) return { ok: false, reason: 'future' };
  return { ok: true, iso, ms };
}
