// Moved to core/db/pg-values.ts; this re-export keeps the scoring files' imports working until
// they import from core/db themselves. Delete it then.
export { pgTimeToIso, pgTimeToIsoStrict, sqlTimeKey } from '../db/pg-values.ts';
