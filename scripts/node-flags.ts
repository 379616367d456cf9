// Node flags of the API process, in one place: `npm run api` (package.json), `npm start`
// (scripts/start.ts), the Docker image's CMD and the benchmark's API process all use these
// (scripts/node-flags.test.ts checks the first and the third agree with this list).
//
// --max-semi-space-size=4: V8's young generation grows to 2 × 16 MB semi-spaces (plus the
// copy) under a request load, and RSS follows it; with 4 MB semi-spaces the API process stays
// well under 200 MB at 50 connections of ingest for a small rise in scavenges (measured in
// docs/performance.md).
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
