// The tracker clips to the API's limits (core/shared/event-limits.ts) by importing them; the one
// it writes out for bytes, the event-type pattern, must stay the API's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_PATTERN } from '../../core/shared/event-limits.ts';

const source = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');

describe('tracker limits', () => {
  it('checks command names with the API event-type pattern, written out', () => {
    const literal = source.match(/a\?\.big && \/(.+?)\/\.test\(a\)/)?.[1];
    expect(literal).toBe(EVENT_TYPE_PATTERN.source);
  });

  it('takes every other limit from core/shared, no number of its own', () => {
    for (const call of source.matchAll(/clip\([^()]*(?:\([^()]*\)[^()]*)*,\s*([^)]+)\)/g)) expect(call[1]).toMatch(/^[A-Z_]+$/);
    expect(source).toMatch(/slice\(0, MAX_EVENT_PROPS\)/);
  });
});
