// pgTimeToIso has a fast path for UTC text; it must answer exactly what parsing through Date does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pgTimeToIso } from './pg-values.ts';

/** An instant as Postgres prints a timestamptz in a UTC session: microseconds, trailing zeros dropped. */
function postgresUtcText(ms: number, micros: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('pgTimeToIso', () => {
  it.each([
    ['2026-11-25 06:01:55.802571+00', '2026-11-25T06:01:55.802Z'],
    ['2026-11-25 06:01:55.8+00', '2026-11-25T06:01:55.800Z'],
    ['2026-11-25 06:01:55.80+00', '2026-11-25T06:01:55.800Z'],
    ['2026-11-25 06:01:55.999999+00', '2026-11-25T06:01:55.999Z'],
    ['2026-11-25 06:01:55+00', '2026-11-25T06:01:55.000Z'],
    ['0099-01-01 00:00:00+00', '0099-01-01T00:00:00.000Z'],
    // Not UTC text: through Date.
    ['2026-11-25 08:01:55.802571+02', '2026-11-25T06:01:55.802Z'],
    ['2026-11-25 11:31:55.5+05:30', '2026-11-25T06:01:55.500Z'],
    ['2026-11-25 01:01:55-05', '2026-11-25T06:01:55.000Z'],
    ['2026-11-25T06:01:55.802Z', '2026-11-25T06:01:55.802Z'],
  ])('%s → %s', (text, iso) => {
    expect(pgTimeToIso(text)).toBe(iso);
  });

  it('keeps null, converts a Date, and refuses what is not a time', () => {
    expect(pgTimeToIso(null)).toBeNull();
    expect(pgTimeToIso(undefined)).toBeNull();
    expect(pgTimeToIso(new Date('2026-11-25T06:01:55.802Z'))).toBe('2026-11-25T06:01:55.802Z');
    expect(() => pgTimeToIso('soon')).toThrow(RangeError);
  });

  it('reads a BC time (year 1 BC is ISO year 0) instead of throwing', () => {
    expect(pgTimeToIso('0001-06-01 00:00:00+00 BC')).toBe('0000-06-01T00:00:00.000Z');
    expect(pgTimeToIso('0002-12-31 23:59:59.5+00 BC')).toBe('-000001-12-31T23:59:59.500Z');
  });

  it('answers what Date answers for any UTC instant from year 1 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), fc.integer({ min: 0, max: 999 }), (ms, micros) => {
        expect(pgTimeToIso(postgresUtcText(ms, micros))).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});
