// Node flags of the API process, in one place: `npm run api` (package.json), `npm start`
// (scripts/start.ts), the Docker image's CMD and the benchmark's API process all use these
// (scripts/node-flags.test.ts checks the first and the third agree with this list).
//
// --max-semi-space-size=4: V8's young generation grows to 2 × 16 MB semi-spaces (plus the
// copy) under a request load, and RSS follows it; 4 MB semi-spaces cost a small rise in scavenges.
// --max-old-space-size=128: V8 grows the old space lazily under a long load (RSS 280+ MB after
// 2 × 10 s of ingest at 50 connections); capped, it collects sooner and the API stays at ~160 MB
// (docs/performance.md). The API's live heap is far below it (bodies ≤ 64 KB, CSV exports stream);
// raise it here if a deployment's API ever runs out of heap.
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--max-old-space-size=128'];
