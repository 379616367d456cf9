import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Next } from 'koa';
import { randomUUID } from 'node:crypto';
import type { ApiKeyScope } from '#core/accounts/api-key.entity.ts';
import type { SessionCache } from '#core/accounts/session-cache.ts';
import type { AnswerCache } from '../answer-cache.ts';
import type { Logger } from '#core/logger.ts';
import type { AppDeps } from '../deps.ts';

/** Per-request state every middleware and route can rely on. */
export interface RequestState {
  requestId: string;
  log: Logger;
  /**
   * The same child logger, made only when something is logged through it: for hot paths that
   * hand a logger down but rarely log (a pino child per beacon was a measurable share of its CPU).
   */
  lazyLog: Logger;
  em: EntityManager;
  deps: AppDeps;
  /** This process's session cache (api/middleware/auth.ts reads sessions through it). */
  sessionCache: SessionCache;
  /** This app's answer cache (api/route.ts serves `RouteSpec.cached` routes through it). */
  answerCache: AnswerCache;
  /** How a realtor route authenticated (set by authenticateRealtor; the tenant goes to the handler). */
  auth?: { via: 'session'; sessionId: string; csrfToken: string } | { via: 'apiKey'; apiKeyId: string; scope: ApiKeyScope };
}

export type AppContext = Context & { state: RequestState };

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** What every request of one app shares (made by createApp). */
export type AppShared = Pick<RequestState, 'sessionCache' | 'answerCache'>;

/**
 * `ctx.state` of every request. The child logger and the forked EntityManager are made on first
 * use (getters on the prototype, not per-request property definitions): the beacon path
 * (POST /v1/collect) never needs an EntityManager of its own, and a request that logs nothing but
 * its access line needs no child logger.
 */
class State implements RequestState {
  requestId: string;
  deps: AppDeps;
  sessionCache: SessionCache;
  answerCache: AnswerCache;
  auth?: RequestState['auth'];
  #log: Logger | undefined;
  #em: EntityManager | undefined;

  constructor(requestId: string, deps: AppDeps, shared: AppShared) {
    this.requestId = requestId;
    this.deps = deps;
    this.sessionCache = shared.sessionCache;
    this.answerCache = shared.answerCache;
  }

  get log(): Logger {
    this.#log ??= this.deps.logger.child({ requestId: this.requestId });
    return this.#log;
  }

  set log(value: Logger) {
    this.#log = value;
  }

  get lazyLog(): Logger {
    return this.#log ?? lazyLogger(() => this.log);
  }

  get em(): EntityManager {
    this.#em ??= this.deps.orm.em.fork() as EntityManager;
    return this.#em;
  }

  set em(value: EntityManager) {
    this.#em = value;
  }
}

/**
 * Fills `ctx.state` for a request: its id (a valid incoming `x-request-id`, else a new UUID, echoed
 * in the answer), `deps`, the app's shared caches, and — on first use — a child logger bound to the
 * id and a forked EntityManager.
 */
export function initRequestState(ctx: Context, deps: AppDeps, shared: AppShared): RequestState {
  const requestId = requestIdFrom(ctx.get('x-request-id'));
  const state = new State(requestId, deps, shared);
  ctx.state = state;
  ctx.set('x-request-id', requestId);
  return state;
}

/** A logger that is made by `make` (once) when something is first logged through it. */
export function lazyLogger(make: () => Logger): Logger {
  let log: Logger | undefined;
  return new Proxy({} as Logger, {
    get: (_target, prop) => {
      log ??= make();
      const value: unknown = Reflect.get(log, prop, log);
      return typeof value === 'function' ? value.bind(log) : value;
    },
  });
}

/** The request's id: a valid incoming `x-request-id`, else a new UUID. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
}

/** The level of request lines: debug in development (one line per request drowns everything else; LOG_LEVEL=debug shows them), else info. */
export function requestLineLevel(config: Pick<AppDeps['config'], 'NODE_ENV'>): 'info' | 'debug' {
  return config.NODE_ENV === 'development' ? 'debug' : 'info';
}

/**
 * Probes' paths, whose request lines are at debug whatever their status: Docker's HEALTHCHECK and a
 * load balancer ask every few seconds (8,640 lines a day per container at 10 s), and a 503 of
 * /readyz during an outage is no error of the request — the outage is logged where it is seen
 * (`redis unavailable`, `database unavailable`, `readiness check failed`).
 */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** The access-log line of a finished request: at error level for a 5xx, else at `level`; a probe's (PROBE_PATHS) always at debug. */
export function logRequestLine(log: Logger, request: { method: string; path: string; status: number; ip: string }, started: number, level: 'info' | 'debug'): void {
  const line = { ...request, ms: Math.round((performance.now() - started) * 10) / 10 };
  if (PROBE_PATHS.has(request.path)) log.debug(line, request.status >= 500 ? 'request failed' : 'request');
  else if (request.status >= 500) log.error(line, 'request failed');
  else log[level](line, 'request');
}

/** Request id, child logger, a forked EntityManager (both lazily), and one access-log line per request. */
export function requestContext(deps: AppDeps, shared: AppShared) {
  const level = requestLineLevel(deps.config);
  const debug = deps.logger.isLevelEnabled('debug');
  return async (ctx: Context, next: Next) => {
    const state = initRequestState(ctx, deps, shared);
    const started = performance.now();
    if (debug) state.log.debug({ method: ctx.method, path: ctx.path }, 'request started');
    try {
      await next();
    } finally {
      // ctx.ip is the client as TRUST_PROXY defines it (not a spoofable header).
      logRequestLine(state.log, { method: ctx.method, path: ctx.path, status: ctx.status, ip: ctx.ip }, started, level);
    }
  };
}
