import { z } from 'zod';

/** The earliest instant a client may send for a stored time (a reminder, a logged contact). */
export const EARLIEST_INPUT_INSTANT = '1970-01-01T00:00:00Z';

/** A zone offset at the end of an ISO time (`+14:00`, `-0530`, `+05`), hours and minutes. */
const OFFSET = /([+-])(\d{2}):?(\d{2})?$/;

/**
 * An ISO 8601 date and time with a zone, from 1970 on. The format alone accepts `0000-06-01T…`,
 * which Postgres stores as a BC date: no reminder or contact is that old, and a lower bound keeps
 * every stored time inside what the API and the admin show. It also accepts zone offsets up to
 * ±23:59, which no zone uses and Postgres refuses ("time zone displacement out of range", a 500
 * where the string reached SQL as it came): offsets stop at ±15:59 here. The string goes on as
 * given (not re-written in UTC): a time a list answered with microseconds must keep them.
 */
export function zInstant() {
  return z.iso
    // abort: a value that is no time at all ("soon") is told only that, not also "from 1970 on".
    .datetime({ offset: true, message: 'Use an ISO 8601 date and time with a zone, e.g. 2026-12-01T09:00:00Z', abort: true })
    .refine((v) => Number(OFFSET.exec(v)?.[2] ?? 0) <= 15, { message: 'Use a zone offset from -15:59 to +15:59', abort: true })
    .refine((v) => Date.parse(v) >= Date.parse(EARLIEST_INPUT_INSTANT), 'Use a date from 1970 on');
}
