import type Router from '@koa/router';
import type { EntityManager } from '@mikro-orm/postgresql';
import { COLLECT_BODY_LIMIT_BYTES, type CollectBody, ZCollectBody, ZIngestAccepted } from '#core/events/event-schemas.ts';
import { createIngestBatcher } from '#core/events/ingest-batcher.ts';
import { recordEvents } from '#core/events/record-events.ts';
import { INQUIRY_BODY_LIMIT_BYTES, ZInquiryBody } from '#core/inquiries/inquiry-schemas.ts';
import { submitInquiry } from '#core/inquiries/submit-inquiry.ts';
import { countRefusedOrigin, RefusedOriginError } from '#core/sites/blocked-origins.ts';
import { createEventQuota } from '#core/sites/event-quota.ts';
import type { IngestSite } from '#core/sites/resolve-ingest-site.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import type { Logger } from '#core/logger.ts';
import type { AppServices } from '../deps.ts';
import type { AppContext } from '../middleware/context.ts';
import { ingestCors, ingestPreflight, type IngestCorsState } from '../middleware/ingest-cors.ts';
import { rateLimitKeyOfIp } from '../middleware/ip-key.ts';
import { createLimiter, createSharedWindowLimiter, isRateLimited } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';

/** The beacon endpoint's path (the beacon lane serves it before Koa: api/beacon-lane.ts). */
export const COLLECT_PATH = '/v1/collect';

/** Events per minute one IP may send to /v1/collect (points = events in the batch). */
export const COLLECT_EVENTS_PER_IP_PER_MIN = 600;
/** Analytics events per minute one site may receive (identify events are never refused by it, nor counted). */
export const COLLECT_EVENTS_PER_SITE_PER_MIN = 6000;
/** Inquiries per 10 minutes from one IP (an open-house kiosk shares one). */
export const INQUIRIES_PER_IP_PER_10_MIN = 20;
/** Inquiries per 10 minutes to one site; past it they are held in the Filtered list, not refused. */
export const INQUIRIES_PER_SITE_PER_10_MIN = 300;

const ingestErrors = {
  400: { description: 'Invalid body (`invalid_json`, `validation_failed` with issue paths, `bad_request` for `__proto__` keys)' },
  403: { description: '`forbidden`: the site is disabled, or the Origin is missing or not allowed' },
  404: { description: '`not_found`: unknown site key' },
  413: { description: '`payload_too_large`' },
  415: { description: '`unsupported_media_type`: send application/json or text/plain' },
  429: { description: '`rate_limited`, with Retry-After; on /v1/collect also `quota_exceeded`: the site\'s daily event quota is reached (Retry-After: until midnight UTC)' },
};

/** One `POST /v1/collect` as its handler needs it (the route and the beacon lane both call it). */
export interface BeaconInput {
  body: CollectBody;
  /** The client as TRUST_PROXY defines it. */
  ip: string;
  origin: string | undefined;
  userAgent: string | undefined;
  now: Date;
  /** The request's logger (made on first use: a beacon rarely logs). */
  log: Logger;
}

/** What the beacon lane (api/beacon-lane.ts) needs from the ingest routes. */
export interface BeaconHandlers {
  /** Rate limits, then recordEvents; throws the AppError to answer with. Resolves once stored (202). */
  collect(input: BeaconInput): Promise<void>;
  /** Counts a request refused for its Origin (the install check), when `err` is that refusal. */
  noteRefused(err: unknown, log: Logger): Promise<void>;
  /** Stops the limiters' and the event quota's Redis sync timers (shutdown): a closed app syncs nothing more. */
  close(): void;
}

/**
 * The widget's public endpoints (site key, no auth): `POST /v1/collect`, `POST /v1/inquiries`,
 * and their CORS preflights. See docs/widget-ingest.md for limits and semantics. Returns the
 * collect handler for the beacon lane, which serves `POST /v1/collect` without Koa.
 */
export function mountIngestRoutes(routes: RouteRegistry, router: Router, deps: AppServices): BeaconHandlers {
  const { redis, config, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const limiter = (name: string, points: number, durationSec: number) => createLimiter({ redis, prefix, logger, name, points, durationSec });
  // The beacon path: limiters counted in process and synced to Redis in the background (no
  // Redis round trip per request), and group commit.
  const shared = (name: string, points: number, durationSec: number) => createSharedWindowLimiter({ redis, prefix, logger, name, points, durationSec });
  const collectPerIp = shared('collect-ip', COLLECT_EVENTS_PER_IP_PER_MIN, 60);
  const collectPerSite = shared('collect-site', COLLECT_EVENTS_PER_SITE_PER_MIN, 60);
  // The root EntityManager, not a fork per batch (a fork was 1.3 % of the API's CPU under the
  // ingest bench): the batch is one prepared statement on the driver's pool, no ORM entities.
  const batcher = createIngestBatcher({ em: () => deps.orm.em as EntityManager, queues: deps.queues, logger });
  const quota = createEventQuota({ redis, prefix, logger, config });
  const inquiriesPerIp = limiter('inquiries-ip', INQUIRIES_PER_IP_PER_10_MIN, 600);
  const inquiriesPerSite = limiter('inquiries-site', INQUIRIES_PER_SITE_PER_10_MIN, 600);
  // The install check counts requests refused for their Origin (one Redis command each, no Postgres).
  const noteRefused = async (err: unknown, log: Logger) => {
    // Runs in a route's `before` middleware (and the beacon lane), ahead of the route's `now`:
    // the same clock, read here.
    if (err instanceof RefusedOriginError) await countRefusedOrigin({ redis, prefix, siteId: err.siteId, origin: err.origin, now: deps.now?.() ?? new Date(), log });
  };
  const countRefused = async (ctx: AppContext, next: () => Promise<unknown>) => {
    try {
      await next();
    } catch (err) {
      await noteRefused(err, ctx.state.log);
      throw err;
    }
  };
  const { live } = deps;
  // The site's budget is spent inside recordEvents, once the site key and the Origin are accepted
  // (a stranger's refused beacons spend nothing of it), and by analytics events only: an identify
  // is a lead and is never refused by it (docs/widget-ingest.md "Rate limits").
  const siteBudget = (site: IngestSite, events: number) => collectPerSite.consume(site.siteId, events);
  const collect = async ({ body, ip, origin, userAgent, now, log }: BeaconInput) => {
    // Every event, identify included, counts against the sender's own address: it bounds the leads
    // one address can create (as the inquiries' per-IP limit does), and only that address spends it.
    await collectPerIp.consume(rateLimitKeyOfIp(ip), body.events.length);
    const result = await recordEvents({
      // The root EntityManager, not a per-request fork: the beacon path reads the site cache and
      // writes through Kysely and the batcher only (recordEvents forks for an identify transaction).
      em: deps.orm.em as EntityManager, queues: deps.queues, batcher, siteBudget, quota, input: body, origin, userAgent, now, log, config,
    });
    // An identify that created a lead: the open admins hear of it like an inquiry's lead (after the commit).
    if (result.createdLeadIds.length) await publishLeadEvents({ em: deps.orm.em as EntityManager, publisher: live, type: 'lead.created', leadIds: result.createdLeadIds, log });
    if (deps.logger.isLevelEnabled('debug')) log.debug({ outcome: result.outcome, stored: result.stored }, 'collect');
  };
  const originAllowed = (ctx: AppContext) => {
    (ctx.state as AppContext['state'] & IngestCorsState).ingestOriginAllowed = true;
  };

  for (const path of [COLLECT_PATH, '/v1/inquiries']) router.options(path, ingestPreflight() as never);

  routes.add({
    method: 'post', path: COLLECT_PATH, tag: 'widget', auth: 'public',
    summary: 'Record a batch of analytics events from the tracker (site key; Origin must be allowed)',
    body: ZCollectBody, allowTextPlain: true, bodyLimitBytes: COLLECT_BODY_LIMIT_BYTES,
    responses: { 202: { description: 'Committed (or silently dropped: bot, DNT)', schema: ZIngestAccepted }, ...ingestErrors },
    before: [ingestCors(), countRefused],
    handler: async (ctx, { body, now }) => {
      await collect({ body, ip: ctx.ip, origin: ctx.get('origin') || undefined, userAgent: ctx.get('user-agent') || undefined, now, log: ctx.state.lazyLog });
      originAllowed(ctx);
      ctx.status = 202;
      ctx.body = { ok: true };
    },
  });

  routes.add({
    method: 'post', path: '/v1/inquiries', tag: 'widget', auth: 'public',
    summary: 'Submit the inquiry form (site key; Origin must be allowed). The answer carries no lead data',
    body: ZInquiryBody, allowTextPlain: true, bodyLimitBytes: INQUIRY_BODY_LIMIT_BYTES,
    responses: { 202: { description: 'Committed (or silently dropped: honeypot, bot)', schema: ZIngestAccepted }, ...ingestErrors },
    before: [ingestCors(), countRefused],
    handler: async (ctx, { body, now }) => {
      await inquiriesPerIp.consume(rateLimitKeyOfIp(ctx.ip));
      // Over the site's budget is not refused (a flood from rotating addresses would lock real
      // people out): held in the Filtered list instead (docs/inquiry-flood.md). Spent only by
      // submissions that would be stored (submitInquiry asks after its site, bot, honeypot and
      // consent checks).
      const siteBudget = () => inquiriesPerSite.consume(body.site).then(() => null, (err) => (isRateLimited(err) ? ('site_budget' as const) : Promise.reject(err)));
      const result = await submitInquiry({
        em: ctx.state.em, queues: deps.queues, input: body, origin: ctx.get('origin') || undefined, userAgent: ctx.get('user-agent') || undefined, now, log: ctx.state.log, config: deps.config,
        filter: siteBudget,
      });
      originAllowed(ctx);
      if (result.leadCreated && result.leadId) await publishLeadEvents({ em: ctx.state.em, publisher: live, type: 'lead.created', leadIds: [result.leadId], log: ctx.state.log });
      ctx.state.log.info({ outcome: result.outcome, leadId: result.leadId, inquiryId: result.inquiryId }, 'inquiry');
      ctx.status = 202;
      ctx.body = { ok: true };
    },
  });
  const close = () => {
    collectPerIp.close();
    collectPerSite.close();
    quota.close();
  };
  return { collect, noteRefused, close };
}
