import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import { createSessionCache, type SessionCache } from '#core/accounts/session-cache.ts';
import { describeWebhooksForOpenApi } from '#core/webhooks/event-types.ts';
import Koa from 'koa';
import { AnswerCache } from './answer-cache.ts';
import { type BeaconLane, beaconLane } from './beacon-lane.ts';
import type { AppDeps, AppServices } from './deps.ts';
import { createLivePublisher } from '#core/live/live-events.ts';
import { sessionCookieName } from './middleware/auth.ts';
import { requestContext } from './middleware/context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { RouteRegistry, rememberRouteSpecs } from './route.ts';
import { mountActivityRoutes } from './routes/activities.routes.ts';
import { mountAccountEmailRoutes } from './routes/account-email.routes.ts';
import { mountAccountRoutes } from './routes/account.routes.ts';
import { mountAccountDeletionRoutes } from './routes/account-deletion.routes.ts';
import { mountAnalyticsRoutes } from './routes/analytics.routes.ts';
import { mountApiKeyRoutes } from './routes/api-keys.routes.ts';
import { mountAuthRoutes } from './routes/auth.routes.ts';
import { mountFilteredRoutes } from './routes/filtered.routes.ts';
import { mountHealthRoutes } from './routes/health.routes.ts';
import { mountIngestRoutes } from './routes/ingest.routes.ts';
import { mountLeadRoutes } from './routes/leads.routes.ts';
import { mountLeadBulkRoutes } from './routes/leads-bulk.routes.ts';
import { mountLeadImportRoutes } from './routes/leads-import.routes.ts';
import { mountLiveRoutes } from './routes/live.routes.ts';
import { mountPipelineRoutes } from './routes/pipeline.routes.ts';
import type { LiveHub } from '#core/live/live-hub.ts';
import { mountNotificationRoutes } from './routes/notifications.routes.ts';
import { mountReminderRoutes } from './routes/reminders.routes.ts';
import { mountScoringRoutes } from './routes/scoring.routes.ts';
import { mountSiteRoutes } from './routes/sites.routes.ts';
import { mountSiteQuotaRoutes } from './routes/site-quota.routes.ts';
import { mountStaticRoutes } from './routes/static.routes.ts';
import { mountTodayRoutes } from './routes/today.routes.ts';
import { mountWebhookRoutes } from './routes/webhooks.routes.ts';

export type { AppDeps };

const liveHubs = new WeakMap<Koa, LiveHub>();
const beaconLanes = new WeakMap<Koa, BeaconLane>();

/** The app's beacon lane (its summary line can be flushed on demand: shutdown, tests). */
export function beaconLaneOf(app: Koa): BeaconLane | undefined {
  return beaconLanes.get(app);
}

const sessionCaches = new WeakMap<Koa, SessionCache>();

/** The app's session cache (tests: wait for a change notification, see whether it listens). */
export function sessionCacheOf(app: Koa): SessionCache {
  const cache = sessionCaches.get(app);
  if (!cache) throw new Error('not an app built by createApp');
  return cache;
}

/**
 * Ends the app's open live-update streams and releases their Redis subscriber: call on shutdown
 * before `server.close()`, which would otherwise wait for those never-ending responses. Also
 * closes the session cache's Postgres listener (requests still in flight then read their
 * sessions from Postgres).
 */
export async function closeAppStreams(app: Koa): Promise<void> {
  const lane = beaconLanes.get(app);
  lane?.flushSummary();
  lane?.close();
  await Promise.all([liveHubs.get(app)?.close(), sessionCaches.get(app)?.close()]);
}

/** Builds the Koa app (no listen): main.ts and the tests both use it. */
export function createApp(deps: AppDeps): Koa {
  // Believe only the X-Forwarded-For entries our own proxies appended (the last TRUST_PROXY ones).
  const hops = deps.config.TRUST_PROXY;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  app.silent = true; // errors are logged by our handler with request ids
  const routes = new RouteRegistry();
  const services: AppServices = { ...deps, live: createLivePublisher({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, log: deps.logger }) };
  mountAuthRoutes(routes, deps);
  mountAccountEmailRoutes(routes, deps);
  mountAccountRoutes(routes, deps);
  mountAccountDeletionRoutes(routes, deps);
  mountNotificationRoutes(routes);
  mountApiKeyRoutes(routes, deps);
  mountSiteRoutes(routes, services);
  mountSiteQuotaRoutes(routes, deps);
  mountLeadBulkRoutes(routes, services); // before the lead routes: /v1/leads/bulk is not a lead id
  mountLeadImportRoutes(routes, services); // likewise /v1/leads/import and /v1/leads/imports
  mountLeadRoutes(routes, services);
  mountPipelineRoutes(routes, services);
  const liveHub = mountLiveRoutes(routes, deps);
  mountScoringRoutes(routes, deps);
  mountAnalyticsRoutes(routes, deps);
  mountReminderRoutes(routes, deps);
  mountWebhookRoutes(routes, deps);
  mountTodayRoutes(routes);
  mountActivityRoutes(routes, deps);
  mountFilteredRoutes(routes, services);

  const router = new Router();
  mountHealthRoutes(router, deps);
  const beacons = mountIngestRoutes(routes, router, services); // before routes.mount: it adds POSTs and their OPTIONS preflights
  router.get('/v1/openapi.json', (ctx) => {
    ctx.body = { ...routes.openapi(deps.config.PUBLIC_URL, sessionCookieName(deps.config)), webhooks: describeWebhooksForOpenApi() };
  });
  routes.mount(router);
  rememberRouteSpecs(app, routes);
  mountStaticRoutes(router);

  // Listens on a Postgres connection of its own, opened with the first session lookup.
  const sessionCache = createSessionCache({ databaseUrl: deps.config.DATABASE_URL, logger: deps.logger });
  sessionCaches.set(app, sessionCache);
  const shared = { sessionCache, answerCache: new AnswerCache(deps.config.ANALYTICS_CACHE_SECONDS * 1000) };
  // POST /v1/collect is served before Koa (api/beacon-lane.ts): the app's request listener
  // (app.callback(), which app.listen and the tests use) hands it to the lane.
  const lane = beaconLane(deps, app, beacons);
  beaconLanes.set(app, lane);
  const koaCallback = app.callback.bind(app);
  app.callback = () => {
    const handle = koaCallback();
    // HTTP/1.1 only (app.listen): Koa's type also admits HTTP/2 requests, which never come here.
    return (req, res) => (lane.takes(req as IncomingMessage) ? lane.serve(req as IncomingMessage, res as ServerResponse) : handle(req, res));
  };
  app.use(requestContext(deps, shared));
  app.use(errorHandler());
  app.use(securityHeaders(deps.config));
  app.use(router.routes());
  app.use(router.allowedMethods());
  liveHubs.set(app, liveHub);
  return app;
}
