import { sql, type RawBuilder } from 'kysely';

/**
 * Kysely through MikroORM's pool returns timestamps as Postgres text (`2026-11-25 06:01:55.802571+00`)
 * and bigint counts as strings. These turn them into the API's shapes.
 */

/** Postgres timestamptz text (or a Date) → ISO 8601 with milliseconds; null stays null. */
export function pgTimeToIso(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
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
