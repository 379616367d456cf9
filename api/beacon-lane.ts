import compose from 'koa-compose';
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import type { AppDeps } from './deps.ts';
import { type AppShared, initRequestState, logRequestLine, requestLineLevel } from './middleware/context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { type RouteSpec, routeMiddleware } from './route.ts';

/** How often the beacon lane logs its summary line (when it served anything). */
export const BEACON_SUMMARY_INTERVAL_MS = 60_000;

/** Latency buckets of the summary (upper bounds in ms; the last catches the rest). */
const BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, Number.POSITIVE_INFINITY];

export interface BeaconSummary {
  requests: number;
  statuses: Record<string, number>;
  /** Upper bound of the bucket holding the median / 99th percentile (ms). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Counts requests by status and latency bucket between two summary lines. */
export function createBeaconStats() {
  let statuses: Record<string, number> = {};
  let buckets = BUCKETS_MS.map(() => 0);
  let requests = 0;
  let maxMs = 0;
  const quantile = (q: number) => {
    const rank = Math.ceil(q * requests);
    let seen = 0;
    for (const [i, n] of buckets.entries()) {
      seen += n;
      if (seen >= rank) return Number.isFinite(BUCKETS_MS[i]) ? BUCKETS_MS[i] : maxMs;
    }
    return maxMs;
  };
  return {
    record(status: number, ms: number) {
      requests++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      buckets[BUCKETS_MS.findIndex((b) => ms <= b)]++;
      if (ms > maxMs) maxMs = ms;
    },
    /** The counts since the last take (null when there were none), and a fresh start. */
    take(): BeaconSummary | null {
      if (!requests) return null;
      const summary = { requests, statuses, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxMs: Math.round(maxMs * 10) / 10 };
      statuses = {};
      buckets = BUCKETS_MS.map(() => 0);
      requests = 0;
      maxMs = 0;
      return summary;
    },
  };
}

/**
 * The beacon lane: `POST /v1/collect`, the bulk of all traffic (a busy listing site sends
 * thousands of beacons a minute), goes straight to its route's own chain — the same error
 * handler, security headers, CORS, body parsing, validation and handler as through the router —
 * without the router's matching over every route and without one access-log line per beacon:
 * accepted beacons (202) are counted into a summary line every BEACON_SUMMARY_INTERVAL_MS
 * (`beacons`: requests, statuses, p50/p99/max ms); every other answer (4xx, 5xx) is logged like
 * any request, and with LOG_LEVEL=debug every beacon is. Measured: about half the API's CPU per
 * beacon (docs/performance.md). Mount it before `requestContext`; the route stays registered (OpenAPI, the
 * route-isolation tests) and the router never sees the requests the lane takes.
 */
export type BeaconLane = ReturnType<typeof beaconLane>;

export function beaconLane(deps: AppDeps, spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>, shared: AppShared) {
  const method = spec.method.toUpperCase();
  const chain = compose([errorHandler(), securityHeaders(deps.config), ...routeMiddleware(spec)] as compose.Middleware<Context>[]);
  const stats = createBeaconStats();
  const level = requestLineLevel(deps.config);
  let since = performance.now();
  /** Logs the summary of the beacons since the last one (if any) and starts counting anew. */
  const flushSummary = () => {
    const summary = stats.take();
    const now = performance.now();
    if (summary) deps.logger.info({ path: spec.path, ...summary, seconds: Math.round((now - since) / 100) / 10 }, 'beacons');
    since = now;
  };
  const timer = setInterval(flushSummary, BEACON_SUMMARY_INTERVAL_MS);
  timer.unref();
  const middleware = async (ctx: Context, next: Next) => {
    if (ctx.path !== spec.path || ctx.method !== method) return next();
    const state = initRequestState(ctx, deps, shared);
    const started = performance.now();
    try {
      await chain(ctx);
    } finally {
      stats.record(ctx.status, performance.now() - started);
      if (ctx.status !== 202 || deps.logger.isLevelEnabled('debug')) logRequestLine(ctx, state, started, ctx.status === 202 ? 'debug' : level);
    }
  };
  return Object.assign(middleware, { flushSummary, close: () => clearInterval(timer) });
}
