import { ZListingsPage, ZListListingsQuery } from '#core/listings/listing-schemas.ts';
import { listListings } from '#core/listings/list-listings.ts';
import type { RouteRegistry } from '../route.ts';

/** Listings the tracker reported (title, page, photo) with their views, inquiries and leads. */
export function mountListingRoutes(routes: RouteRegistry): void {
  routes.add({
    method: 'get', path: '/v1/listings', tag: 'analytics', auth: 'realtor',
    summary: 'Listings seen on your sites, most recently seen first, with page views, inquiries and leads over a range of UTC days (default the last 30)',
    query: ZListListingsQuery,
    responses: {
      200: { description: 'One page of listings', schema: ZListingsPage },
      400: { description: '`validation_failed`: bad site id (`site`, or its old name `siteId`; both naming different sites), date, range, cursor or limit' },
      404: { description: '`not_found`: the site is not one of yours' },
    },
    handler: async (ctx, { query, tenant, now }) => {
      ctx.body = await listListings({ em: ctx.state.em, tenant, query, now });
    },
  });
}
