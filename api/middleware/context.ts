import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Next } from 'koa';
import { randomUUID } from 'node:crypto';
import type { ApiKeyScope } from '#core/accounts/api-key.entity.ts';
import type { Logger } from '#core/logger.ts';
import type { AppDeps } from '../deps.ts';

/** Per-request state every middleware and route can rely on. */
export interface RequestState {
  requestId: string;
  log: Logger;
  em: EntityManager;
  deps: AppDeps;
  /** How a realtor route authenticated (set by authenticateRealtor; the tenant goes to the handler). */
  auth?: { via: 'session'; sessionId: string; csrfToken: string } | { via: 'apiKey'; apiKeyId: string; scope: ApiKeyScope };
}

export type AppContext = Context & { state: RequestState };

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fills `ctx.state` for a request: its id (a valid incoming `x-request-id`, else a new UUID, echoed
 * in the answer), `deps`, a child logger bound to the id and a forked EntityManager — both made on
 * first use (the beacon path needs neither unless something goes wrong).
 */
export function initRequestState(ctx: Context, deps: AppDeps): RequestState {
  const incoming = ctx.get('x-request-id');
  const requestId = REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
  const state = ctx.state as RequestState;
  state.requestId = requestId;
  state.deps = deps;
  let log: Logger | undefined;
  let em: EntityManager | undefined;
  Object.defineProperties(state, {
    log: {
      configurable: true,
      enumerable: true,
      get: () => (log ??= deps.logger.child({ requestId })),
      set: (value: Logger) => {
        log = value;
      },
    },
    em: {
      configurable: true,
      enumerable: true,
      get: () => (em ??= deps.orm.em.fork() as EntityManager),
      set: (value: EntityManager) => {
        em = value;
      },
    },
  });
  ctx.set('x-request-id', requestId);
  return state;
}

/** The access-log line of a finished request: at error level for a 5xx, else at `level`. */
export function logRequestLine(ctx: Context, state: RequestState, started: number, level: 'info' | 'debug'): void {
  const ms = Math.round((performance.now() - started) * 10) / 10;
  // ctx.ip is the client as TRUST_PROXY defines it (not a spoofable header).
  const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms, ip: ctx.ip };
  if (ctx.status >= 500) state.log.error(line, 'request failed');
  else state.log[level](line, 'request');
}

/** Request id, child logger, a forked EntityManager (both lazily), and one access-log line per request. */
export function requestContext(deps: AppDeps) {
  // In development one line per request drowns everything else: they go to debug (LOG_LEVEL=debug shows them).
  const level = deps.config.NODE_ENV === 'development' ? 'debug' : 'info';
  return async (ctx: Context, next: Next) => {
    const state = initRequestState(ctx, deps);
    const started = performance.now();
    if (deps.logger.isLevelEnabled('debug')) state.log.debug({ method: ctx.method, path: ctx.path }, 'request started');
    try {
      await next();
    } finally {
      logRequestLine(ctx, state, started, level);
    }
  };
}
