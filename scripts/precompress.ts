// `npm run build` (after the widget and admin builds): writes a Brotli (`.br`) and a gzip (`.gz`)
// copy beside every compressible file under dist/widget and dist/admin, at maximum quality, so the
// API sends compressed bytes without compressing per request (api/routes/static.routes.ts picks the
// copy from Accept-Encoding). node:zlib only: no dependency. A copy that is not smaller than the
// original is not written (the server then sends the original).
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Extensions worth compressing (images such as PNG are compressed already). */
export const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.map', '.txt']);

export interface PrecompressResult {
  file: string;
  bytes: number;
  gzip: number | null;
  br: number | null;
}

/** Compresses one file to `file.br` and `file.gz` (stale copies are removed when not worth it). */
export function precompressFile(file: string): PrecompressResult {
  const raw = readFileSync(file);
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const gz = gzipSync(raw, { level: 9 });
  const write = (suffix: string, data: Buffer) => {
    if (data.length < raw.length) {
      writeFileSync(file + suffix, data);
      return data.length;
    }
    rmSync(file + suffix, { force: true });
    return null;
  };
  return { file, bytes: raw.length, br: write('.br', br), gzip: write('.gz', gz) };
}

/** Precompresses every compressible file under `dir` (recursively). */
export function precompressDir(dir: string): PrecompressResult[] {
  const results: PrecompressResult[] = [];
  const visit = (path: string) => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (COMPRESSIBLE.has(extname(path))) {
      results.push(precompressFile(path));
    }
  };
  visit(dir);
  return results;
}

if (import.meta.main) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  const dirs = process.argv.slice(2);
  for (const name of dirs.length ? dirs : ['widget', 'admin']) {
    const results = precompressDir(join(dist, name));
    for (const r of results) {
      if (name === 'widget') process.stdout.write(`  ${r.file.slice(dist.length + 1)}: ${r.bytes} B, gzip ${r.gzip ?? '-'} B, br ${r.br ?? '-'} B\n`);
    }
    process.stdout.write(`${name}: precompressed ${results.length} files (.br, .gz)\n`);
  }
}
