import { expect, it } from 'vitest';

/**
 * A table test of a pure function: one test per row `[input, expected]`, named by `title` (with
 * vitest's `%j`/`%s` placeholders for the row's values), asserting `fn(input)` equals `expected`.
 */
export function itMaps<I, O>(fn: (input: I) => O, title: string, rows: ReadonlyArray<readonly [I, O]>): void {
  it.each(rows.map((row) => [...row] as [I, O]))(title, (input, expected) => {
    expect(fn(input)).toEqual(expected);
  });
}
