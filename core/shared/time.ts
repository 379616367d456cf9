// Time constants used by the server, the worker and the admin.

/** One minute. */
export const MINUTE_MS = 60_000;

/** One hour. */
export const HOUR_MS = 60 * MINUTE_MS;

/** One UTC day. Scoring decays, analytics ranges and return gaps count in these. */
export const DAY_MS = 24 * HOUR_MS;
