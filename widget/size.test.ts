// The widget's size budgets, measured on the built files (`npm run build:widget`; `npm test`
// builds first through `pretest`): every visitor downloads w.js, and every visitor of a page with
// a form downloads w-form.js, so both stay small. gzip level 9, as `gzip -9`.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** Budgets in gzip bytes (DESIGN.md → Widget). */
const BUDGETS = [
  { file: 'w.js', maxGzipBytes: 1536, what: 'the tracker' },
  { file: 'w-form.js', maxGzipBytes: 8192, what: 'the inquiry form (Preact included)' },
];

const gzipSize = (file: string) => {
  const path = new URL(`../dist/widget/${file}`, import.meta.url);
  if (!existsSync(path)) throw new Error(`dist/widget/${file} is missing: run \`npm run build:widget\` first`);
  return gzipSync(readFileSync(path), { level: 9 }).length;
};

describe('widget size budgets', () => {
  for (const { file, maxGzipBytes, what } of BUDGETS) {
    const size = gzipSize(file);
    it(`${file} (${what}) is ${size} B gzip, within ${maxGzipBytes} B`, () => {
      expect(size).toBeLessThanOrEqual(maxGzipBytes);
    });
  }
});
