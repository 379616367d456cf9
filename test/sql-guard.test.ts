// SQL check: values reach Postgres as bound parameters, never spliced into SQL text. Scans the
// sources of core/, api/ and worker/ (not tests) for `sql.raw(` and `sql.lit(` — the two ways a
// Kysely `sql` template puts text or a literal into a statement — and fails on any use outside
// the allow-list below. Each entry says why its text cannot come from input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot, sourceFiles } from './source-files.ts';

const SCANNED = ['core', 'api', 'worker'];
const INLINED = /\bsql\s*\.\s*(raw|lit)\s*\(/g;

/** Files that may inline SQL text, how many times, and why it is never input. */
const ALLOWED: Record<string, { uses: number; why: string }> = {
  // DDL takes no bind parameters: the partition bounds are ISO strings of Dates computed from `now`.
  'core/events/analytics-partitions.ts': { uses: 2, why: 'ATTACH PARTITION … FOR VALUES bounds (DDL)' },
  // Constant column lists of the delta tables (DELTA_TABLES), one statement shape per table.
  'core/analytics/lead-daily-counts.ts': { uses: 7, why: 'constant column names' },
  // Constant strings: the `kind` of each branch of the merged timeline; and its LIMIT when the page
  // size is one of inlinedLimit's constants (core/db/compiled-queries.ts), so the prepared statement gets a generic plan.
  'core/leads/lead-timeline.ts': { uses: 4, why: "constant 'event' / 'inquiry' / 'activity'; a LIMIT from inlinedLimit's fixed set" },
  // The page's LIMIT when it is one of inlinedLimit's constants (never the request's number itself).
  'core/leads/list-leads.ts': { uses: 1, why: "a LIMIT from inlinedLimit's fixed set" },
  // A constant `true` (the partial index's predicate, matched by the planner only as a literal).
  'core/scoring/score-lead.ts': { uses: 1, why: 'constant true' },
  // A constant format string (TIME_KEY_FORMAT), the same text as the indexes' expressions.
  'core/db/pg-values.ts': { uses: 1, why: 'constant TIME_KEY_FORMAT' },
};

describe('SQL text', () => {
  const uses = new Map<string, number>();
  for (const file of sourceFiles(SCANNED)) {
    const n = [...readFileSync(file, 'utf8').matchAll(INLINED)].length;
    if (n) uses.set(fromRoot(file), n);
  }

  it('core/, api/ and worker/ put values into SQL only as bound parameters (sql.raw / sql.lit only where allowed)', () => {
    const unexpected = [...uses].filter(([file, n]) => n > (ALLOWED[file]?.uses ?? 0)).map(([file, n]) => `${file}: ${n} sql.raw/sql.lit (allowed ${ALLOWED[file]?.uses ?? 0})`);
    expect(unexpected).toEqual([]);
  });

  it('the allow-list is exact (a use removed is removed from the list too)', () => {
    const stale = Object.entries(ALLOWED).filter(([file, { uses: n }]) => (uses.get(file) ?? 0) !== n).map(([file]) => file);
    expect(stale).toEqual([]);
  });

  it('recognises both helpers however they are spaced', () => {
    expect('sql.raw(q) sql.lit(x) sql . raw (y) sqlite.raw(z)'.match(INLINED)).toHaveLength(3);
  });
});
