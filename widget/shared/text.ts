// Helpers both bundles need (each build inlines its own copy).

/**
 * `v` as a string of at most `max` UTF-16 units, without control characters and without a high
 * surrogate cut off at the end: the API refuses both with a 400 (for the tracker: the whole batch).
 */
export const clip = (v: unknown, max: number): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  `${v}`.slice(0, max).replace(/[\0-\x1f\x7f-\x9f]|[\ud800-\udbff]$/g, '');

/**
 * A random UUID v4 from crypto.getRandomValues, which — unlike crypto.randomUUID — also exists
 * on plain-http pages; one code path is smaller than two.
 */
export const uuid = (): string =>
  // (`c ^ …` and `c / 4` convert the digit to a number themselves: no `+c`)
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c: any) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
