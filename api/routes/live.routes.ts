import { PassThrough } from 'node:stream';
import { createLiveHub, type LiveHub } from '#core/live/live-hub.ts';
import { ownerIdOf } from '#core/accounts/tenant.ts';
import { AppError } from '#core/errors.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/**
 * `GET /v1/live`: the signed-in realtor's live updates as Server-Sent Events (docs/live-updates.md).
 * Returns the process's hub, which the app closes on shutdown (`closeAppStreams`).
 */
export function mountLiveRoutes(routes: RouteRegistry, deps: AppDeps): LiveHub {
  const hub = createLiveHub({ redis: deps.redis, redisUrl: deps.config.REDIS_URL, prefix: deps.config.QUEUE_PREFIX, logger: deps.logger });
  routes.add({
    method: 'get', path: '/v1/live', tag: 'live', auth: 'realtor',
    summary: 'Live updates (text/event-stream): lead.created, lead.updated, reminder.due; reconnect with Last-Event-ID to replay what was missed',
    responses: {
      200: { description: 'An event stream: `id`, `event` and JSON `data` per event; a `ready` event with the current position; `: heartbeat` comments every 20 s' },
      503: { description: '`unavailable`: live updates need Redis, which is not answering' },
    },
    handler: async (ctx, { tenant }) => {
      const stream = new PassThrough();
      // EventSource sends it by itself when it reconnects; anything but a stream id is ignored.
      const lastEventId = ctx.get('last-event-id') || undefined;
      let handle: { close(): void };
      try {
        handle = await hub.open({
          accountId: ownerIdOf(tenant), lastEventId,
          sink: { write: (text) => stream.write(text), end: () => stream.end() },
        });
      } catch (err) {
        ctx.state.log.warn({ err: (err as Error).message }, 'live stream could not open');
        throw new AppError('unavailable', 'Live updates are unavailable right now; the page still works and will retry');
      }
      const done = () => {
        handle.close();
        stream.end();
      };
      ctx.req.on('close', done);
      stream.on('close', () => handle.close());
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
