import { defineConfig } from 'vitest/config';
import { WAIT } from './test/env.ts';
import TestSequencer from './test/sequencer.ts';

const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx'];
const NEVER = ['node_modules/**', 'dist/**'];
const INTEGRATION_FILES = ['**/*.int.test.ts', '**/*.int.test.tsx'];
/** Chromium through playwright-core: the "browser" project (slow, but they share worker processes). */
const BROWSER_FILES = ['**/*.e2e.test.ts'];
/** Migrates the run's template database, which each integration and slow file clones (test/db.ts). */
const GLOBAL_SETUP = 'test/global-setup.ts';

/**
 * Suites that take tens of seconds (browsers, real processes killed mid-work, exports of
 * thousands of rows): the "slow" project. Of the rest, files that need no database or Redis
 * (`*.test.ts`) are the "unit" project (`npm run test:unit`, seconds) and the `*.int.test.ts`
 * files are "integration"; `npm run test:fast` runs both.
 */
const SLOW_TEST_FILES = [
  // Chromium through playwright-core (run by the "browser" project).
  ...BROWSER_FILES,
  // The real entry points as child processes: start-up, SIGTERM with a request in flight.
  'test/processes.int.test.ts',
  // The API process under its production heap flags: three of the largest CSV imports at once.
  'test/api-heap.int.test.ts',
  // `npm run api` / `npm start` as real processes on a busy port.
  'api/main.int.test.ts',
  // Holds the worker SIGKILL test (a worker process killed mid-rescore, then resumed).
  'worker/handlers/rescore.int.test.ts',
  // A worker process SIGKILLed mid-delivery; the resend waits out its 6 s lease.
  'worker/handlers/deliver-webhook-kill.int.test.ts',
  // CSV exports of thousands of leads, and clients hanging up mid-stream.
  'api/routes/leads-export-large.int.test.ts',
  // A throwaway redis-server stopped, frozen (SIGSTOP) and restarted under a live app.
  'test/redis-outage.int.test.ts',
  // 3,500 hostile payloads against every write route (≈ 45 s).
  'test/hostile-corpus.int.test.ts',
  // The reliability suite: worker processes killed, Redis flushed, Postgres stopped, two APIs and two workers.
  'test/reliability/**/*.int.test.ts',
  // Live updates: a throwaway redis-server stopped under open streams; the API process on SIGTERM with open streams.
  'api/routes/live-outage.int.test.ts',
  'api/live-shutdown.int.test.ts',
];

export default defineConfig({
  test: {
    // include/exclude live in the projects: a project extending this config would add to them, not replace them.
    setupFiles: ['test/leak-check.ts'],
    testTimeout: 30_000,
    // `expect.poll` waits like `vi.waitFor(…, WAIT)`: its own 1 s default failed a browser check on a
    // loaded machine (the capture e2e test's first DOM poll, with the page already rendered).
    expect: { poll: WAIT },
    hookTimeout: 60_000,
    pool: 'forks',
    // The slow project's files first, then the projects that share processes (test/sequencer.ts).
    sequence: { sequencer: TestSequencer },
    // Each file has its own database and queue prefix, so files run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
    // The JSON report feeds .ci/run's plain "N passed, N failed" line (both projects in one report).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      // No database: the unit files start neither Postgres clients nor the template migration.
      // The unit and integration files share their worker processes (`isolate: false`): a fresh
      // process per file re-imported Koa, MikroORM, BullMQ and the app for each file. `--project unit`
      // took 18-21 s with a process per file, 6.3-6.5 s shared (53 files, 1021 tests, 2 cores); with the
      // integration files, 355 s with a process per file against 230 s shared. Files stay apart through
      // their own database, queue prefix and servers (test/db.ts, test/app.ts), the leak check after
      // each file, and no module mocks, fake timers or env changes in any test. (The one failure once
      // blamed on sharing — ioredis "Command queue state error" in login-limits — was that file's own
      // MONITOR connection: see monitorRedis there.) The other slow files keep a process each: killed
      // processes, stopped Redis and Postgres.
      // The browser files share worker processes too: each starts its own test server and Chromium
      // and closes them in afterAll (the leak check holds it to that), and none mocks modules, fakes
      // Node's timers or changes the environment. A process per file cost ~2.2 s of start-up and
      // imports per file: 8 browser files took 99 s in their own processes, 81 s sharing two.
      { extends: true, test: { name: 'unit', isolate: false, include: TEST_FILES, exclude: [...NEVER, ...SLOW_TEST_FILES, ...INTEGRATION_FILES] } },
      { extends: true, test: { name: 'integration', isolate: false, include: INTEGRATION_FILES, exclude: [...NEVER, ...SLOW_TEST_FILES], globalSetup: [GLOBAL_SETUP] } },
      { extends: true, test: { name: 'slow', include: SLOW_TEST_FILES, exclude: [...NEVER, ...BROWSER_FILES], globalSetup: [GLOBAL_SETUP] } },
      { extends: true, test: { name: 'browser', isolate: false, include: BROWSER_FILES, exclude: NEVER, globalSetup: [GLOBAL_SETUP] } },
    ],
  },
});
