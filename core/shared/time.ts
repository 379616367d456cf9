// Time constants used by the server, the worker and the admin.

/** One UTC day. Scoring decays, analytics ranges and return gaps count in these. */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
