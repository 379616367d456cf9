// `npm start` (prestart): build the widget and the admin only when their outputs are missing or
// older than their sources, so a second start does not spend half a minute rebuilding nothing.
// `npm run build` still always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What each build reads (files or folders, from the repository root) and writes. */
export const BUILD_TARGETS = {
  widget: { script: 'build:widget', sources: ['widget', 'core/shared', 'scripts/precompress.ts', 'package-lock.json', 'tsconfig.json'], outputs: ['dist/widget'] },
  admin: { script: 'build:admin', sources: ['admin', 'core/shared', 'scripts/precompress.ts', 'package-lock.json', 'tsconfig.json'], outputs: ['dist/admin'] },
} as const;

/** Tests and docs next to the sources do not change what is built. */
const IGNORED = /(\.test\.tsx?|\.md)$/;

/** mtimes (ms) of every file under `paths` (relative to `root`); missing paths give none. */
function listFileTimes(root: string, paths: readonly string[], ignore?: RegExp): number[] {
  const times: number[] = [];
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry));
    } else if (!ignore?.test(path)) {
      times.push(stat.mtimeMs);
    }
  };
  for (const p of paths) visit(join(root, p));
  return times;
}

/** Whether a build must run: its outputs are missing, or a source changed after the oldest output was written. */
export function decideBuild(root: string, target: { sources: readonly string[]; outputs: readonly string[] }): { build: boolean; reason: string } {
  const outputs = listFileTimes(root, target.outputs);
  if (outputs.length === 0) return { build: true, reason: 'not built yet' };
  const newestSource = Math.max(0, ...listFileTimes(root, target.sources, IGNORED));
  const oldestOutput = Math.min(...outputs);
  return newestSource > oldestOutput ? { build: true, reason: 'sources changed since the last build' } : { build: false, reason: 'up to date' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, target] of Object.entries(BUILD_TARGETS)) {
    const { build, reason } = decideBuild(ROOT, target);
    if (!build) {
      process.stdout.write(`${name}: ${reason}, skipping its build (npm run ${target.script} forces one)\n`);
      continue;
    }
    process.stdout.write(`${name}: ${reason}, building\n`);
    const result = spawnSync('npm', ['run', '--silent', target.script], { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
