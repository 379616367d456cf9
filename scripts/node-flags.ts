// Node flags and environment of the API process, in one place: `npm run api` (package.json),
// `npm start` (scripts/start.ts), the Docker image (Dockerfile, docker-compose.yml) and the
// benchmark's API process all use these (scripts/node-flags.test.ts checks the copies agree).
//
// --max-semi-space-size=12: V8's young generation may grow to 2 × 12 MB semi-spaces (16 MB by
// default here). At 4 MB, the setting until 2026-12-03, a scavenge ran every ~15 ms under the beacon
// load and copied (then promoted) the objects of the ~50 requests in flight; at 12 MB the API
// spends ~10 % less CPU per beacon and `/v1/collect` does ~11 % more (alternated runs under wrk,
// docs/performance.md "The API's heap flags"). 8 MB gave little; 16 MB made first rounds slow.
// --max-old-space-size=96: V8 grows the old space lazily under a long load (RSS 280+ MB after
// 2 × 10 s of ingest at 50 connections without a cap); 96 MB keeps the API at 182–187 MB RSS under
// the beacon load with the larger young generation (128 MB put it at 192–201 MB, against the 200 MB
// target). The live heap is ~45 MB (a third of it module sources); the largest CSV import
// (2,000,000 characters) needs under 19 MB more (it fails at a 48 MB cap and passes at 64), and
// three at once fit (not at a 72 MB cap). The import route runs two at once per process (IMPORT_SLOTS)
// and test/api-heap.int.test.ts sends four under these flags. A deployment with memory to
// spare raises it with NODE_OPTIONS=--max-old-space-size=256 (NODE_OPTIONS wins over these flags).
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=12', '--max-old-space-size=96'];

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's GC helpers) an
// arena of its own, which holds freed memory; two arenas cut the API's RSS by about 12 MB under
// the beacon load with no measurable cost. It must be in the environment before Node starts.
export const API_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
