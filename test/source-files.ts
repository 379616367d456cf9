// The repository's own sources, for the tests that check the code as text (import boundaries,
// tenant scope, SQL text): every .ts/.tsx file under the given folders, tests excluded.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (absolute). */
export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Absolute paths of the non-test sources under `dirs` (relative to ROOT), node_modules and dist skipped. */
export function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (name === 'node_modules' || name === 'dist') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(full);
    }
  };
  for (const dir of dirs) walk(join(ROOT, dir));
  return out;
}

/** A path relative to ROOT. */
export const fromRoot = (file: string): string => relative(ROOT, file);
