import { z } from 'zod';

/** The earliest instant a client may send for a stored time (a reminder, a logged contact). */
export const EARLIEST_INPUT_INSTANT = '1970-01-01T00:00:00Z';

/**
 * An ISO 8601 date and time with a zone, from 1970 on. The format alone accepts `0000-06-01T…`,
 * which Postgres stores as a BC date: no reminder or contact is that old, and a lower bound keeps
 * every stored time inside what the API and the admin show.
 */
export function zInstant() {
  return z.iso
    // abort: a value that is no time at all ("soon") is told only that, not also "from 1970 on".
    .datetime({ offset: true, message: 'Use an ISO 8601 date and time with a zone, e.g. 2026-12-01T09:00:00Z', abort: true })
    .refine((v) => Date.parse(v) >= Date.parse(EARLIEST_INPUT_INSTANT), 'Use a date from 1970 on');
}
