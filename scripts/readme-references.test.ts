// Messages that send people to "README.md → <heading>" must name a heading that exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CODE_DIRS = ['api', 'core', 'worker', 'scripts', 'examples'];

function listSourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'public') return [];
    if (statSync(path).isDirectory()) return listSourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(entry) && !entry.endsWith('.test.ts') ? [path] : [];
  });
}

describe('README references in messages', () => {
  it('every "README.md → Heading" in the code names a heading of README.md', () => {
    const headings = new Set([...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^#+\s+(.+?)\s*$/gm)].map((m) => m[1]));
    const references = CODE_DIRS.flatMap((dir) => listSourceFiles(join(ROOT, dir))).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/README\.md → ([A-Za-z][\w ]*[\w])/g)].map((m) => ({ file: file.slice(ROOT.length), heading: m[1] })),
    );
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) expect(headings.has(ref.heading), `${ref.file}: "${ref.heading}"`).toBe(true);
  });
});
