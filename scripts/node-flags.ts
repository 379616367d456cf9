// Node flags and environment of the API process, in one place: `npm run api` (package.json),
// `npm start` (scripts/start.ts), the Docker image (Dockerfile, docker-compose.yml) and the
// benchmark's API process all use these (scripts/node-flags.test.ts checks the copies agree).
//
// --max-semi-space-size=4: V8's young generation grows to 2 × 16 MB semi-spaces (plus the copy)
// under a request load, and RSS follows it. Measured under the beacon load (50 connections,
// 2026-11-29): 4 MB keeps the API at 175–180 MB; 12 MB cut the API's CPU per beacon by a quarter
// to a third (fewer scavenges copying the objects of requests still in flight) but put RSS at
// 191–200 MB, on the 200 MB target; 8 MB gave neither the gain nor much RSS (a threshold between
// 8 and 10 MB). The CPU is there for a deployment with memory to spare (docs/performance.md).
// --max-old-space-size=128: V8 grows the old space lazily under a long load (RSS 280+ MB after
// 2 × 10 s of ingest at 50 connections); capped, it collects sooner. The API's live heap is far
// below it (~45 MB, a third of it module sources; bodies ≤ 64 KB, CSV exports stream); raise it
// here if a deployment's API ever runs out of heap.
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--max-old-space-size=128'];

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's GC helpers) an
// arena of its own, which holds freed memory; two arenas cut the API's RSS by about 12 MB under
// the beacon load with no measurable cost. It must be in the environment before Node starts.
export const API_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
