// What a bench scenario is and what it reports. A scenario gets the running stack and the
// run's options, measures, and returns one Measurement per target (see `measure`, which computes
// the ratio and whether the target is met from the measured value — never by hand).
import type { LoadResult } from '../lib/load.ts';
import type { Stack } from '../lib/stack.ts';

export interface BenchOptions {
  /** `--quick`: every scenario briefly (the whole run under 60 s), for a smoke check. */
  quick: boolean;
  /** Seconds of measured load per target in a throughput scenario. */
  loadSeconds: number;
  /** Seconds of unmeasured warm-up load before each. */
  warmupSeconds: number;
  /** How often a throughput scenario measures each target (interleaved); results combine all rounds. */
  rounds: number;
}

export interface Target {
  /** What the target applies to: the measured value, or the value divided by the baseline. */
  on: 'value' | 'ratio';
  op: '<' | '<=' | '>=' | '>';
  threshold: number;
}

export interface Measurement {
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target: Target;
  met: boolean;
}

/** A latency distribution for the chart (bench/results/latency.svg). */
export interface LatencySeries {
  label: string;
  latencyMs: LoadResult['latencyMs'];
}

export interface ScenarioContext {
  stack: Stack;
  options: BenchOptions;
  /** Adds a latency distribution to the chart. */
  chart(series: LatencySeries): void;
  /** Progress lines on stderr. */
  log(message: string): void;
}

export interface Scenario {
  /** Prefix of its measurements' names: ingest, widget, memory, webhook, dashboard, rescore. */
  name: string;
  run(ctx: ScenarioContext): Promise<Measurement[]>;
}

function compare(op: Target['op'], a: number, b: number): boolean {
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>=') return a >= b;
  return a > b;
}

/** A measurement with its ratio (when there is a baseline) and `met` computed from the value. */
export function measure(m: { name: string; metric: string; value: number; unit: string; baseline?: number; target: Target }): Measurement {
  const ratio = m.baseline !== undefined && m.baseline > 0 ? m.value / m.baseline : undefined;
  const subject = m.target.on === 'ratio' ? ratio : m.value;
  const met = subject !== undefined && Number.isFinite(subject) && compare(m.target.op, subject, m.target.threshold);
  return { name: m.name, metric: m.metric, value: m.value, unit: m.unit, ...(m.baseline !== undefined ? { baseline: m.baseline } : {}), ...(ratio !== undefined ? { ratio } : {}), target: m.target, met };
}
