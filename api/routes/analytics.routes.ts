import { ZAnalyticsQuery, ZAnalyticsSummary, ZLeadAnalytics } from '#core/analytics/analytics-schemas.ts';
import { getAnalyticsSummary } from '#core/analytics/analytics-summary.ts';
import { getLeadAnalytics } from '#core/analytics/lead-analytics.ts';
import { mountListingRoutes } from './listings.routes.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/** Realtor analytics: events per day, top listings, conversion, bands; leads, speed-to-lead and the funnel; listings. */
export function mountAnalyticsRoutes(routes: RouteRegistry, _deps: AppDeps): void {
  routes.add({
    method: 'get', path: '/v1/analytics/summary', tag: 'analytics', auth: 'realtor', cached: true,
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
  routes.add({
    method: 'get', path: '/v1/analytics/leads', tag: 'analytics', auth: 'realtor', cached: true,
    summary: 'Leads and inquiries per day, site and source; speed-to-lead (median, within 5 min / 1 h) by day; the visitors → leads → contacted → appointment → closed funnel',
    query: ZAnalyticsQuery,
    responses: {
      200: { description: 'Lead analytics', schema: ZLeadAnalytics },
      400: { description: '`validation_failed`: bad date, from after to, range too long' },
      404: { description: '`not_found`: site is not one of yours' },
    },
    handler: async (ctx, { query, tenant, now }) => {
      ctx.body = await getLeadAnalytics({ em: ctx.state.em, tenant, query, now });
    },
  });
  mountListingRoutes(routes);
}
