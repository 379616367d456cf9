import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * Opaque keyset-pagination cursors: base64url of a small JSON array holding the last row's sort
 * key(s) and id — after the list's scope (`cursorScope`) when it has one. Opaque so clients cannot
 * depend on the shape; validated on the way back in so a tampered cursor is a 400, never a SQL error.
 */
export function encodeCursor(parts: readonly (string | number | null)[], scope?: string): string {
  return Buffer.from(JSON.stringify(scope === undefined ? parts : [scope, ...parts]), 'utf8').toString('base64url');
}

/**
 * A list's identity in its cursors: a short digest of what names the list (`cursorScope('inquiries',
 * leadId)`). Keys alone are alike across lists (a time and an id), so one lead's inquiries cursor
 * passed to another lead's activities used to answer 200 from the middle of that list, silently
 * skipping rows; with the scope it is a 400 naming `cursor` (docs/api-leads.md, Pagination).
 */
export function cursorScope(...names: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256').update(names.map((n) => n ?? '').join('\u001f')).digest('base64url').slice(0, 12);
}

/**
 * Decodes a cursor against the tuple it must match (`schema`), and the list it must come from
 * (`scope`, as the page that issued it gave it); throws a 400 naming `cursor` otherwise.
 */
export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T, scope?: string): z.output<T> {
  try {
    let json: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (scope !== undefined) json = Array.isArray(json) && json[0] === scope ? json.slice(1) : undefined;
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
  } catch {
    /* fall through */
  }
  throw new AppError('validation_failed', 'The request is not valid', [{ path: 'cursor', message: 'Invalid cursor: pass back a nextCursor from a previous page of the same list, with the same sort' }]);
}

/** The paging part of a list request: the previous page's `nextCursor` (none for the first page) and the page size. */
export interface KeysetPageArgs {
  cursor?: string | null;
  limit: number;
}

/** One page of a keyset-paginated list; `nextCursor` is null on the last page. */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page from `limit + 1` rows fetched in order: the first `limit` mapped with `toItem`, and a
 * cursor from the last of them (`cursorOf`) when the extra row shows there is more.
 */
export function toKeysetPage<R, T>(rows: readonly R[], limit: number, toItem: (row: R) => T, cursorOf: (last: R) => readonly (string | number | null)[], scope?: string): KeysetPage<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last), scope) : null };
}

/**
 * A microsecond UTC time key as produced by `timeKey` (core/db/pg-values.ts). The shape alone would let a forged
 * `2026-13-45T25:61:61…` or year 0 through to Postgres as a SQL error (a 500): the instant must
 * also exist, which a millisecond round trip through Date checks.
 */
export const ZTimeKey = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((s) => {
    const d = new Date(`${s.slice(0, 23)}Z`);
    return !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.toISOString().slice(0, 23) === s.slice(0, 23);
  });
export const ZUuidKey = z.uuid();

/** `limit` query parameter: 1..max, default `def`. */
export function zLimit(def: number, max: number) {
  // Not a number ('abc', or `limit` given twice, which coerces from an array) would otherwise read
  // "expected number, received NaN".
  return z.coerce
    .number({ error: `Use one whole number from 1 to ${max}` })
    .int('Use a whole number')
    .min(1, 'At least 1')
    .max(max, `At most ${max}`)
    .default(def);
}
