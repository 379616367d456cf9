import { getSiteQuota } from '#core/sites/event-quota.ts';
import { ZSiteQuotaJson } from '#core/sites/site-schemas.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/** A site's daily event quota use and retention (the admin's quota notice). */
export function mountSiteQuotaRoutes(routes: RouteRegistry, deps: AppDeps): void {
  routes.add({
    method: 'get', path: '/v1/sites/:id/quota', tag: 'sites', auth: 'realtor',
    summary: "Today's analytics event quota use (UTC day) and the event retention in force",
    responses: { 200: { description: 'Quota status', schema: ZSiteQuotaJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = await getSiteQuota({ em: ctx.state.em, tenant, siteId: params.id, redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, config: deps.config, now });
    },
  });
}
