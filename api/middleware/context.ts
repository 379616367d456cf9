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

/** Request id, child logger, a forked EntityManager (lazily), and one access-log line per request. */
export function requestContext(deps: AppDeps) {
  // In development one line per request drowns everything else: they go to debug (LOG_LEVEL=debug shows them).
  const quiet = deps.config.NODE_ENV === 'development';
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    const state = ctx.state as RequestState;
    state.requestId = requestId;
    state.log = deps.logger.child({ requestId });
    // Forked on first use: the beacon path (POST /v1/collect) never needs one of its own.
    let em: EntityManager | undefined;
    Object.defineProperty(state, 'em', {
      configurable: true,
      enumerable: true,
      get: () => (em ??= deps.orm.em.fork() as EntityManager),
      set: (value: EntityManager) => {
        em = value;
      },
    });
    state.deps = deps;
    ctx.set('x-request-id', requestId);
    const started = performance.now();
    state.log.debug({ method: ctx.method, path: ctx.path }, 'request started');
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      // ctx.ip is the client as TRUST_PROXY defines it (not a spoofable header).
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms, ip: ctx.ip };
      if (ctx.status >= 500) state.log.error(line, 'request failed');
      else if (quiet) state.log.debug(line, 'request');
      else state.log.info(line, 'request');
    }
  };
}
