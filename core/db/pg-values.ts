import { sql, type RawBuilder } from 'kysely';

/**
 * Kysely through MikroORM's pool returns timestamps as Postgres text (`2026-11-25 06:01:55.802571+00`)
 * and bigint counts as strings. These turn them into the API's shapes.
 */

/** Postgres timestamptz text (or a Date) → ISO 8601 with milliseconds; null stays null. */
export function pgTimeToIso(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return utcPgTimeToIso(value) ?? parsePgTime(value);
}

const ZEROS = '000';

/**
 * The common case without a Date: a UTC timestamp (a server or session time zone of UTC prints
 * `+00`) with a 4-digit year, `YYYY-MM-DD HH:MM:SS[.f…]+00` → `YYYY-MM-DDTHH:MM:SS.mmmZ`, the
 * fraction truncated to milliseconds as `parsePgTime` does. A list page converts hundreds of
 * these per request (50 leads × 7 times); through `new Date()` they were ~9 % of the API's CPU
 * under the dashboard load. Anything else (another offset, a 5-digit year, BC) returns undefined.
 */
function utcPgTimeToIso(value: string): string | undefined {
  const n = value.length;
  if (n < 22 || n > 29 || n === 23 || value.charCodeAt(10) !== 32 /* ' ' */ || value.charCodeAt(4) !== 45 /* - */ || value.charCodeAt(7) !== 45
    || value.charCodeAt(13) !== 58 /* : */ || value.charCodeAt(16) !== 58 || !value.endsWith('+00')) return undefined;
  const date = value.slice(0, 10);
  const time = value.slice(11, 19);
  if (n === 22) return `${date}T${time}.000Z`;
  if (value.charCodeAt(19) !== 46 /* . */) return undefined;
  const fraction = value.slice(20, Math.min(n - 3, 23));
  return `${date}T${time}.${fraction}${ZEROS.slice(fraction.length)}Z`;
}

function parsePgTime(value: string): string {
  // A year before 1 AD prints `… BC` (year 1 BC is ISO year 0): no input takes such a date any
  // more, but a row stored before must not make every read of it fail.
  if (value.endsWith(' BC')) {
    const ad = new Date(parsePgTime(value.slice(0, -3)));
    ad.setUTCFullYear(1 - ad.getUTCFullYear());
    return ad.toISOString();
  }
  // `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]` → ISO 8601 that Date parses on every engine.
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2})(?::?(\d{2}))?$/.exec(value);
  if (!m) {
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) throw new RangeError(`not a timestamp: ${value}`);
    return parsed.toISOString();
  }
  const ms = (m[3] ?? '.000').slice(0, 4).padEnd(4, '0');
  return new Date(`${m[1]}T${m[2]}${ms}${m[4]}:${m[5] ?? '00'}`).toISOString();
}

/** Same as `pgTimeToIso` for a column that is never null. */
export function pgTimeToIsoStrict(value: string | Date): string {
  return pgTimeToIso(value)!;
}

/** A Postgres count/bigint (string) → number. */
export function pgCount(value: string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

const TIME_KEY_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/**
 * A timestamptz column rendered as an exact UTC key with microseconds
 * (`2026-11-25T06:01:55.802571Z`), for Kysely selects (`timeKey('l.created_at').as('k')`).
 * Keyset cursors must carry the full precision: a millisecond-rounded key would repeat or skip
 * rows that share a millisecond. The key goes back in as `${key}::timestamptz`, exact.
 */
export function timeKey(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', ${sql.lit(TIME_KEY_FORMAT)})`;
}

/** Escapes `%`, `_` and `\` for a `LIKE … escape '\'` pattern. */
export function escapeLike(input: string): string {
  return input.replace(/[\\%_]/g, (c) => `\\${c}`);
}
