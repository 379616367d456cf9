import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import { COLLECT_BODY_LIMIT_BYTES, ZCollectBody } from '#core/events/event-schemas.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from './deps.ts';
import { readJsonBody, type JsonBodySource } from './middleware/body.ts';
import { lazyLogger, logRequestLine, requestIdFrom, requestLineLevel } from './middleware/context.ts';
import { errorAnswer } from './middleware/error-handler.ts';
import { ingestCorsHeadersFor } from './middleware/ingest-cors.ts';
import { securityHeaderValues } from './middleware/security-headers.ts';
import { type BeaconHandlers, COLLECT_PATH } from './routes/ingest.routes.ts';

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

/** The answer to an accepted beacon (`ZIngestAccepted`), serialised once. */
const ACCEPTED_BODY = JSON.stringify({ ok: true });

/**
 * The beacon lane: `POST /v1/collect`, the bulk of all traffic (a busy listing site sends
 * thousands of beacons a minute), is served on Node's request and response directly, before Koa:
 * no Koa context, no middleware chain, no router, no access-log line per beacon. Measured under
 * the ingest bench, Koa's chain was about 40 % of the API's CPU per beacon (docs/performance.md).
 *
 * It answers exactly as the route through Koa would, from the same parts: the body is read by
 * `readJsonBody` (through a Koa request object, so content types and the client IP follow the
 * same rules and TRUST_PROXY), validated by `ZCollectBody`, handled by the ingest routes' own
 * `collect` (rate limits, recordEvents); errors become answers through `errorAnswer`, the
 * security headers are `securityHeaderValues`, CORS follows `ingestCors` (the request's site
 * accepted the Origin, or — for an answer given before the site was known — some enabled site
 * allows it; always `Vary: Origin`), a request refused for its Origin is counted for the install
 * check, and every answer carries its `x-request-id`.
 *
 * Accepted beacons (202) are counted into a summary line every BEACON_SUMMARY_INTERVAL_MS
 * (`beacons`: requests, statuses, p50/p99/max ms); every other answer is logged like any request,
 * and with LOG_LEVEL=debug every beacon is. The route stays registered (OpenAPI, the route
 * suites) and serves the same request if it ever reaches the router.
 */
export type BeaconLane = ReturnType<typeof beaconLane>;

export function beaconLane(deps: AppDeps, app: Koa, handlers: BeaconHandlers) {
  const stats = createBeaconStats();
  const level = requestLineLevel(deps.config);
  const security = securityHeaderValues(deps.config, COLLECT_PATH);
  const em = deps.orm.em as EntityManager;
  let since = performance.now();
  /** Logs the summary of the beacons since the last one (if any) and starts counting anew. */
  const flushSummary = () => {
    const summary = stats.take();
    const now = performance.now();
    if (summary) deps.logger.info({ path: COLLECT_PATH, ...summary, seconds: Math.round((now - since) / 100) / 10 }, 'beacons');
    since = now;
  };
  const timer = setInterval(flushSummary, BEACON_SUMMARY_INTERVAL_MS);
  timer.unref();

  /** Koa's request object over `req` alone: `is` (content types), `get` and `ip` exactly as a route sees them. */
  const koaRequest = (req: IncomingMessage): JsonBodySource & { ip: string } => Object.assign(Object.create(app.request) as Koa.Request, { app, req });

  async function answer(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    const request = koaRequest(req);
    const requestId = requestIdFrom(request.get('x-request-id'));
    const log = lazyLogger(() => deps.logger.child({ requestId }));
    const origin = request.get('origin') || undefined;
    let status = 202;
    let body = ACCEPTED_BODY;
    let extra: Record<string, string> | undefined;
    let originAccepted = false;
    try {
      const input = ZCollectBody.parse(await readJsonBody(request, { limitBytes: COLLECT_BODY_LIMIT_BYTES, allowTextPlain: true }));
      await handlers.collect({ body: input, ip: request.ip, origin, userAgent: request.get('user-agent') || undefined, now: deps.now?.() ?? new Date(), log });
      originAccepted = true;
    } catch (err) {
      await handlers.noteRefused(err, log);
      const refused = errorAnswer(err, log, requestId);
      status = refused.status;
      body = JSON.stringify(refused.body);
      extra = refused.headers;
    }
    const cors = await ingestCorsHeadersFor(em, origin, originAccepted);
    // A client that went away gets nothing written (as Koa does); its beacon still counts below.
    if (!res.destroyed) {
      res.writeHead(status, {
        'x-request-id': requestId,
        ...security,
        ...extra,
        Vary: 'Origin',
        ...cors,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    }
    stats.record(status, performance.now() - started);
    if (status !== 202 || deps.logger.isLevelEnabled('debug')) {
      logRequestLine(log, { method: 'POST', path: COLLECT_PATH, status, ip: request.ip }, started, status === 202 ? 'debug' : level);
    }
  }

  return {
    /** True for the requests the lane serves: POST /v1/collect (any query string). */
    takes(req: IncomingMessage): boolean {
      if (req.method !== 'POST' || !req.url?.startsWith(COLLECT_PATH)) return false;
      return req.url.length === COLLECT_PATH.length || req.url[COLLECT_PATH.length] === '?';
    },
    /** Serves one request; never rejects (a failure of the lane itself is a logged 500). */
    serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const started = performance.now();
      return answer(req, res, started).catch((err: unknown) => {
        const failed = errorAnswer(err, deps.logger.child({ path: COLLECT_PATH }), undefined);
        stats.record(failed.status, performance.now() - started);
        if (!res.headersSent) res.writeHead(failed.status, { ...failed.headers, 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(failed.body));
      });
    },
    flushSummary,
    /** Stops the summary timer and the ingest handlers' sync timers. */
    close: () => {
      clearInterval(timer);
      handlers.close();
    },
  };
}
