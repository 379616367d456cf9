// The scenarios `npm run bench` runs, in order. Extension point: a scenario for the other
// targets of issue #11 — `webhook.*` (inquiry → signed webhook latency, fan-out deliveries/s),
// `dashboard.*` (100k leads / 5M events, p95 over HTTP), `rescore.*` (rule change over 100k
// leads) — is a `Scenario` (scenario.ts) in its own `<name>.scenario.ts`, added to this list.
// It gets the running stack (API + worker processes, bench database, a realtor session) and
// returns one `measure(...)` per target; load goes through `runLoad` (lib/load.ts, a separate
// process). Nothing here fakes a scenario that is not written yet.
import { dashboardScenario } from './dashboard.scenario.ts';
import type { Scenario } from './scenario.ts';
import { widgetScenario } from './widget.scenario.ts';
import { ingestScenario } from './ingest.scenario.ts';
import { webhookScenario } from './webhook.scenario.ts';
import { rescoreScenario } from './rescore.scenario.ts';

// One line each, so scenarios added in parallel merge cleanly.
export const SCENARIOS: Scenario[] = [];
SCENARIOS.push(ingestScenario); // also memory.api-rss: the API's RSS under the ingest load
SCENARIOS.push(webhookScenario);
SCENARIOS.push(rescoreScenario);
SCENARIOS.push(dashboardScenario);
// Last: its widget build and Chromium pages must not spill CPU into the throughput scenarios.
SCENARIOS.push(widgetScenario);
