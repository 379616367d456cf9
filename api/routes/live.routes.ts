import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isApiKeyActive } from '#core/accounts/api-keys.ts';
import { isSessionActive } from '#core/accounts/sessions.ts';
import { LIVE_EVENT_TYPES } from '#core/live/live-events.ts';
import { createLiveHub, LIVE_END_TIMEOUT_MS, LiveAccessRefusedError, type LiveHub, type LiveStreamHandle } from '#core/live/live-hub.ts';
import { ownerIdOf } from '#core/accounts/tenant.ts';
import { AppError } from '#core/errors.ts';
import type { AppDeps } from '../deps.ts';
import type { AppContext } from '../middleware/context.ts';
import type { RouteRegistry } from '../route.ts';

/**
 * Whether the session or API key that opened a stream still holds: asked by the hub once the
 * stream is subscribed (it may have ended since the request was authenticated), at every
 * heartbeat, for a session whenever sessions change (logout, password reset, expiry, account
 * deletion), and for every stream of the account when one of its API keys is revoked
 * (`announceAccessChange`). By id, on a fresh EntityManager: the stream outlives its request.
 */
function stillAuthorized(ctx: AppContext, deps: AppDeps): () => Promise<boolean> {
  const auth = ctx.state.auth;
  const clock = () => deps.now?.() ?? new Date();
  const em = () => deps.orm.em.fork() as EntityManager;
  if (auth?.via === 'session') return () => isSessionActive({ em: em(), sessionId: auth.sessionId, now: clock() });
  if (auth?.via === 'apiKey') return () => isApiKeyActive({ em: em(), apiKeyId: auth.apiKeyId, now: clock() });
  return async () => false;
}

/**
 * `GET /v1/live`: the signed-in realtor's live updates as Server-Sent Events (docs/live-updates.md).
 * Returns the process's hub, which the app closes on shutdown (`closeAppStreams`).
 */
export function mountLiveRoutes(routes: RouteRegistry, deps: AppDeps): LiveHub {
  const hub = createLiveHub({ redis: deps.redis, redisUrl: deps.config.REDIS_URL, prefix: deps.config.QUEUE_PREFIX, logger: deps.logger });
  routes.add({
    method: 'get', path: '/v1/live', tag: 'live', auth: 'realtor',
    summary: `Live updates (text/event-stream): ${LIVE_EVENT_TYPES.join(', ')}; reconnect with Last-Event-ID to replay what was missed`,
    responses: {
      200: { description: 'An event stream: `id`, `event` and JSON `data` per event; a `ready` event with the current position; `: heartbeat` comments every 20 s. The server ends it when the session or API key that opened it ends (logout, password reset, revocation: at once; expiry: within a heartbeat for a key)' },
      503: { description: '`unavailable`: live updates need Redis, which is not answering (or the access check could not reach Postgres)' },
    },
    handler: async (ctx, { tenant }) => {
      const stream = new PassThrough();
      // EventSource sends it by itself when it reconnects; anything but a stream id is ignored.
      const lastEventId = ctx.get('last-event-id') || undefined;
      // A logout, password reset or expiry in any API process empties this process's session cache
      // (core/accounts/session-cache.ts): the stream asks again at once rather than at the next
      // heartbeat. Watched from before the stream opens, so a change meanwhile is not missed.
      // The hub ends a stream (shutdown, access gone): the response ends at once, and a client
      // that no longer reads cannot keep it (and the server's shutdown) waiting for its last bytes.
      const endByServer = () => {
        stream.end();
        if (ctx.res.closed) return;
        const drop = setTimeout(() => ctx.req.socket.destroy(), LIVE_END_TIMEOUT_MS).unref();
        ctx.res.once('close', () => clearTimeout(drop));
      };
      let handle: LiveStreamHandle | undefined;
      let changedWhileOpening = false;
      const onSessionsChanged = () => {
        if (handle) handle.recheck();
        else changedWhileOpening = true;
      };
      const unwatch = ctx.state.auth?.via === 'session' ? ctx.state.sessionCache.onChange(onSessionsChanged) : () => undefined;
      try {
        handle = await hub.open({
          accountId: ownerIdOf(tenant), lastEventId,
          sink: { write: (text) => stream.write(text), end: () => endByServer() },
          authorize: stillAuthorized(ctx, deps),
        });
      } catch (err) {
        unwatch();
        // Authenticated, then revoked or logged out before the stream could hear of it: the answer
        // its next request would get. (A browser's EventSource gives up on any error status; the
        // admin retries with backoff until its next API call sends the realtor to the login page.)
        if (err instanceof LiveAccessRefusedError) {
          throw new AppError('unauthorized', ctx.state.auth?.via === 'apiKey' ? 'Invalid or expired API key' : 'Your session has expired; log in again');
        }
        ctx.state.log.warn({ err: (err as Error).message }, 'live stream could not open');
        throw new AppError('unavailable', 'Live updates are unavailable right now; the page still works and will retry');
      }
      if (changedWhileOpening) handle.recheck();
      const opened = handle;
      const done = () => {
        unwatch();
        opened.close();
        stream.end();
      };
      ctx.req.on('close', done);
      stream.on('close', done);
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.status = 200;
      ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
      ctx.set('Cache-Control', 'no-store');
      ctx.set('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
      ctx.body = stream;
    },
  });
  return hub;
}
