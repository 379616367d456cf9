import { ZAnalyticsQuery, ZAnalyticsSummary } from '#core/analytics/analytics-schemas.ts';
import { getAnalyticsSummary } from '#core/analytics/analytics-summary.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/** Realtor analytics: events per day, top listings, conversion, bands. */
export function mountAnalyticsRoutes(routes: RouteRegistry, _deps: AppDeps): void {
  routes.add({
    method: 'get', path: '/v1/analytics/summary', tag: 'analytics', auth: 'realtor',
    summary: 'Activity over a range of UTC days (default the last 30, at most 366), for all sites or one',
    query: ZAnalyticsQuery,
    responses: {
      200: { description: 'Summary', schema: ZAnalyticsSummary },
      400: { description: '`validation_failed`: bad date, from after to, range too long' },
      404: { description: '`not_found`: site is not one of yours' },
    },
    handler: async (ctx, { query, tenant, now }) => {
      ctx.body = await getAnalyticsSummary({ em: ctx.state.em, tenant, query, now });
    },
  });
}
