// Architecture check: core imports neither api nor worker; api and worker never import each other;
// core/shared imports nothing outside itself (no packages, no node:*), so browser code (widget,
// admin) may import it at runtime and only `import type` from the rest of core; no import cycles.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './source-files.ts';

const AREAS = ['core', 'api', 'worker', 'widget', 'admin'];
const ALIASES: Record<string, string> = { '#core/': 'core/', '#api/': 'api/', '#worker/': 'worker/', '#test/': 'test/' };

/** `to` is a repository path, or for a package or `node:` import the specifier itself (`external`). */
interface Edge { from: string; to: string; typeOnly: boolean; external: boolean }

function importsOf(file: string): Edge[] {
  const src = readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of src.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5];
    let target: string | null = null;
    if (spec.startsWith('.')) target = resolve(dirname(file), spec);
    else for (const [alias, dir] of Object.entries(ALIASES)) if (spec.startsWith(alias)) target = join(ROOT, dir, spec.slice(alias.length));
    const from = relative(ROOT, file);
    const typeOnly = Boolean(m[2]);
    if (target) edges.push({ from, to: relative(ROOT, target), typeOnly, external: false });
    else edges.push({ from, to: spec, typeOnly, external: true });
  }
  return edges;
}

const files = sourceFiles(AREAS);
const allEdges = files.flatMap(importsOf);
const edges = allEdges.filter((e) => !e.external);
const area = (p: string) => p.split('/')[0];
const SHARED = 'core/shared/';
const isShared = (p: string) => p.startsWith(SHARED);

describe('module boundaries', () => {
  it('core imports nothing from api, worker, widget or admin', () => {
    expect(edges.filter((e) => area(e.from) === 'core' && ['api', 'worker', 'widget', 'admin'].includes(area(e.to)))).toEqual([]);
  });
  it('api and worker never import each other', () => {
    expect(edges.filter((e) => (area(e.from) === 'api' && area(e.to) === 'worker') || (area(e.from) === 'worker' && area(e.to) === 'api'))).toEqual([]);
  });
  it('core/shared imports nothing outside itself: no package, no node:*, no other module', () => {
    const bad = allEdges.filter((e) => isShared(e.from) && (e.external || !isShared(e.to)));
    expect(bad).toEqual([]);
  });
  it('browser code imports core/shared at runtime, only types from the rest of core, nothing from api or worker', () => {
    const bad = edges.filter(
      (e) => ['widget', 'admin'].includes(area(e.from)) && (['api', 'worker'].includes(area(e.to)) || (area(e.to) === 'core' && !isShared(e.to) && !e.typeOnly)),
    );
    expect(bad).toEqual([]);
  });
  it('has no import cycles among runtime imports', () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' → '));
        return;
      }
      state.set(n, 'visiting');
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
  it('actually sees the code (guards against a broken scan)', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(edges.some((e) => e.from.startsWith('api/') && e.to.startsWith('core/'))).toBe(true);
    expect(allEdges.some((e) => e.external && e.to === 'zod')).toBe(true);
    expect(files.some((f) => f.includes(`/${SHARED}`))).toBe(true);
  });
});
