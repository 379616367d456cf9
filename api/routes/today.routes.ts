import { countLeadsByBand, ZLeadCountsJson } from '#core/leads/count-leads-by-band.ts';
import { getToday } from '#core/today/get-today.ts';
import { ZTodayJson } from '#core/today/today-schemas.ts';
import type { RouteRegistry } from '../route.ts';

/** The realtor's working day: the Today page and the lead list's band counts (docs/today.md). */
export function mountTodayRoutes(routes: RouteRegistry): void {
  routes.add({
    method: 'get', path: '/v1/today', tag: 'today', auth: 'realtor',
    summary: 'Due reminders, leads not yet contacted, leads that turned hot since the last visit, and today’s showings (a signed-in opening records this visit)',
    responses: { 200: { description: 'Today', schema: ZTodayJson } },
    handler: async (ctx, { tenant, now }) => {
      // Only the realtor opening Today moves "since your last visit": not an integration polling
      // with an API key, nor a link on another site (a top-level GET carries the Lax cookie).
      const site = ctx.get('sec-fetch-site');
      const recordsVisit = ctx.state.auth?.via === 'session' && (!site || site === 'same-origin' || site === 'none');
      ctx.body = await getToday({ em: ctx.state.em, tenant, now, recordsVisit });
    },
  });

  routes.add({
    method: 'get', path: '/v1/lead-counts', tag: 'leads', auth: 'realtor', summary: 'How many leads are hot, warm and cold',
    responses: { 200: { description: 'Counts', schema: ZLeadCountsJson } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await countLeadsByBand({ em: ctx.state.em, tenant });
    },
  });
}
