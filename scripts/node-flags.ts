// Node flags and environment of the API process, in one place: `npm run api` (package.json),
// `npm start` (scripts/start.ts), the Docker image (Dockerfile, docker-compose.yml) and the
// benchmark's API process all use these (scripts/node-flags.test.ts checks the copies agree).
//
// --max-semi-space-size=12: V8's young generation (2 × 12 MB semi-spaces). Under the beacon load
// most allocations are one request's and die within it; with the 4 MB semi-spaces used before,
// scavenges came so often that objects of requests still in flight were copied and promoted, and
// GC took about a third of the API's CPU per beacon. Measured at 50 connections: 12 MB gave
// 124–134 µs of API CPU per beacon against 186–205 µs at 4 MB (8 MB: no gain; 16 MB: the same
// as 12 for 16 MB more RSS) — docs/performance.md.
// --max-old-space-size=128: V8 grows the old space lazily under a long load (RSS 280+ MB after
// 2 × 10 s of ingest at 50 connections); capped, it collects sooner. The API's live heap is far
// below it (~45 MB, a third of it module sources; bodies ≤ 64 KB, CSV exports stream); raise it
// here if a deployment's API ever runs out of heap.
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=12', '--max-old-space-size=128'];

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's GC helpers) an
// arena of its own, which holds freed memory; two arenas cut the API's RSS by about 12 MB under
// the beacon load with no measurable cost. It must be in the environment before Node starts.
export const API_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
