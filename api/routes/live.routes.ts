import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isApiKeyActive } from '#core/accounts/api-keys.ts';
import { isSessionActive } from '#core/accounts/sessions.ts';
import { LIVE_EVENT_TYPES } from '#core/live/live-events.ts';
import {
  createLiveHub, LIVE_END_TIMEOUT_MS, LIVE_STREAM_LIMIT_RETRY_AFTER_SEC, LIVE_STREAMS_FULL_RETRY_AFTER_SEC, LIVE_STREAMS_PER_ACCOUNT_MAX, LIVE_STREAMS_PER_CREDENTIAL_MAX, LIVE_UNSENT_MAX_BYTES,
  LiveAccessRefusedError, type LiveHub, LiveStreamLimitError, type LiveStreamHandle,
} from '#core/live/live-hub.ts';
import { ownerIdOf } from '#core/accounts/tenant.ts';
import { AppError, rateLimited } from '#core/errors.ts';
import type { AppDeps } from '../deps.ts';
import type { AppContext } from '../middleware/context.ts';
import type { RouteRegistry } from '../route.ts';

/**
 * Whether the session or API key that opened a stream still holds: asked by the hub once the
 * stream is subscribed (it may have ended since the request was authenticated), at every
 * heartbeat, for a session whenever sessions change (logout, password change or reset, expiry,
 * account deletion), and for every stream of the account when one of its API keys is revoked
 * (`announceAccessChange`). On a fresh EntityManager: the stream outlives its request. A session
 * is asked by id and by the CSRF token the request saw: a password change keeps the session's id
 * but replaces its cookie, and a stream opened with the old cookie must end with it.
 */
function stillAuthorized(ctx: AppContext, deps: AppDeps): () => Promise<boolean> {
  const auth = ctx.state.auth;
  const clock = () => deps.now?.() ?? new Date();
  const em = () => deps.orm.em.fork() as EntityManager;
  if (auth?.via === 'session') return () => isSessionActive({ em: em(), sessionId: auth.sessionId, csrfToken: auth.csrfToken, now: clock() });
  if (auth?.via === 'apiKey') return () => isApiKeyActive({ em: em(), apiKeyId: auth.apiKeyId, now: clock() });
  return async () => false;
}

/** The session or API key a stream counts against (LIVE_STREAMS_PER_CREDENTIAL_MAX). */
function credentialOf(ctx: AppContext): string | undefined {
  const auth = ctx.state.auth;
  if (auth?.via === 'session') return `session:${auth.sessionId}`;
  if (auth?.via === 'apiKey') return `apiKey:${auth.apiKeyId}`;
  return undefined;
}

/**
 * The answer to a stream past a cap; nothing was opened. A credential or account past its own cap
 * gets 429 (a slot frees when one of its other streams closes); a process holding LIVE_STREAMS_MAX
 * gets 503 with Retry-After: nothing this client did, and another process (or a slot here) may
 * take it by then.
 */
function tooManyStreams(ctx: AppContext, err: LiveStreamLimitError): AppError {
  if (err.limit === 'process') {
    const retryAfter = LIVE_STREAMS_FULL_RETRY_AFTER_SEC;
    return new AppError('unavailable', `Live updates are at capacity on this server; the page still works, and the stream will retry in ${retryAfter} s`, { limit: 'process', retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) });
  }
  const who = err.limit === 'account' ? 'this account' : ctx.state.auth?.via === 'apiKey' ? 'this API key' : 'this session';
  const retryAfter = LIVE_STREAM_LIMIT_RETRY_AFTER_SEC;
  return rateLimited(`Too many open live streams for ${who} (at most ${err.max}); close one (a tab, a client) or retry in ${retryAfter} s`, retryAfter, { limit: err.limit, max: err.max });
}

/**
 * `GET /v1/live`: the signed-in realtor's live updates as Server-Sent Events (docs/live-updates.md).
 * Returns the process's hub, which the app closes on shutdown (`closeAppStreams`).
 */
export function mountLiveRoutes(routes: RouteRegistry, deps: AppDeps): LiveHub {
  const hub = createLiveHub({ redis: deps.redis, redisUrl: deps.config.REDIS_URL, prefix: deps.config.QUEUE_PREFIX, logger: deps.logger, maxStreams: deps.config.LIVE_STREAMS_MAX });
  routes.add({
    method: 'get', path: '/v1/live', tag: 'live', auth: 'realtor',
    summary: `Live updates (text/event-stream): ${LIVE_EVENT_TYPES.join(', ')}; reconnect with Last-Event-ID to replay what was missed`,
    responses: {
      200: { description: `An event stream: \`id\`, \`event\` and JSON \`data\` per event; a \`ready\` event with the current position; \`: heartbeat\` comments every 20 s. The server ends it when the session or API key that opened it ends (logout, password change or reset, revocation: at once; expiry: within a heartbeat for a key), and when its client stops reading (more than ${LIVE_UNSENT_MAX_BYTES / 1024 / 1024} MB unsent): reconnect with Last-Event-ID` },
      429: { description: `\`rate_limited\` (Retry-After: ${LIVE_STREAM_LIMIT_RETRY_AFTER_SEC} s): the session or API key already holds ${LIVE_STREAMS_PER_CREDENTIAL_MAX} open streams, or the account ${LIVE_STREAMS_PER_ACCOUNT_MAX}, in this API process; nothing was opened` },
      503: { description: `\`unavailable\`: live updates need Redis, which is not answering (or the access check could not reach Postgres); or this API process already holds LIVE_STREAMS_MAX open streams, all accounts together (\`details.limit\`: \`process\`, Retry-After: ${LIVE_STREAMS_FULL_RETRY_AFTER_SEC} s); nothing was opened` },
    },
    handler: async (ctx, { tenant }) => {
      const stream = new PassThrough();
      // EventSource sends it by itself when it reconnects; anything but a stream id is ignored.
      const lastEventId = ctx.get('last-event-id') || undefined;
      // A logout, password change or reset, or expiry in any API process empties this process's session cache
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
          accountId: ownerIdOf(tenant), credential: credentialOf(ctx), lastEventId,
          sink: {
            write: (text) => stream.write(text),
            // A client that stops reading: what the response could not pass on waits here (the
            // socket's own buffer is bounded by the pipe's backpressure).
            unsentBytes: () => stream.writableLength + stream.readableLength,
            end: () => endByServer(),
          },
          authorize: stillAuthorized(ctx, deps),
        });
      } catch (err) {
        unwatch();
        // Authenticated, then revoked or logged out before the stream could hear of it: the answer
        // its next request would get. (A browser's EventSource gives up on any error status; the
        // admin retries with backoff until its next API call sends the realtor to the login page.)
        if (err instanceof LiveStreamLimitError) throw tooManyStreams(ctx, err);
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
