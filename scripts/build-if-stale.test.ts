import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideBuild } from './build-if-stale.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'porchlight-build-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const T0 = new Date('2026-11-01T10:00:00Z');
/** Writes `path` under the temp root with its mtime `minutes` after T0. */
function put(path: string, minutes: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, path);
  const at = new Date(T0.getTime() + minutes * 60_000);
  utimesSync(full, at, at);
}
const target = { sources: ['admin', 'core/shared', 'package-lock.json'], outputs: ['dist/admin'] };

describe('decideBuild', () => {
  it('builds when nothing was built yet', () => {
    put('admin/main.tsx', 0);
    expect(decideBuild(root, target)).toEqual({ build: true, reason: 'not built yet' });
  });

  it('skips when every output is newer than every source', () => {
    put('admin/main.tsx', 0);
    put('core/shared/field-limits.ts', 1);
    put('package-lock.json', 2);
    put('dist/admin/index.html', 5);
    put('dist/admin/assets/index-abc.js', 5);
    expect(decideBuild(root, target)).toEqual({ build: false, reason: 'up to date' });
  });

  it.each([
    ['an admin source', 'admin/pages/leads-page.tsx'],
    ['a shared core module the admin bundles', 'core/shared/field-limits.ts'],
    ['the lockfile (a dependency changed)', 'package-lock.json'],
  ])('builds when %s changed after the last build', (_name, path) => {
    put('admin/main.tsx', 0);
    put('dist/admin/index.html', 5);
    put('dist/admin/assets/index-abc.js', 5);
    put(path, 6);
    expect(decideBuild(root, target).build).toBe(true);
  });

  it('ignores tests and docs next to the sources', () => {
    put('admin/main.tsx', 0);
    put('dist/admin/index.html', 5);
    put('admin/lead-format.test.ts', 9);
    put('admin/README.md', 9);
    expect(decideBuild(root, target).build).toBe(false);
  });
});
