import { z } from 'zod';
import { addAllowedOrigin, getInstallStates, getInstallStatus, sendTestInquiry } from '#core/sites/install-check.ts';
import { ZAddOriginBody, ZCreateSiteBody, ZInstallStatusJson, ZSiteJson, ZSiteListItemJson, ZTestInquiryJson, ZUpdateSiteBody } from '#core/sites/site-schemas.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import { createSite, deleteSite, getSite, listSites, toSiteJson, updateSite } from '#core/sites/sites.ts';
import type { AppServices } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

export function mountSiteRoutes(routes: RouteRegistry, deps: AppServices): void {
  const json = (s: Parameters<typeof toSiteJson>[0]) => toSiteJson(s, deps.config.PUBLIC_URL);
  routes.add({
    method: 'get', path: '/v1/sites', tag: 'sites', auth: 'realtor', summary: 'List sites',
    // No parameters (every site in one page): an unknown one is a 400, as on the other lists.
    query: z.strictObject({}),
    responses: { 200: { description: 'Sites, each with its install state', schema: listOf(ZSiteListItemJson) } },
    handler: async (ctx, { tenant, now }) => {
      const sites = await listSites({ em: ctx.state.em, tenant });
      const states = await getInstallStates({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, sites, now });
      ctx.body = { items: sites.map((s) => ({ ...json(s), installStatus: states.get(s.siteId) ?? 'waiting' })), nextCursor: null };
    },
  });
  routes.add({
    method: 'post', path: '/v1/sites', tag: 'sites', auth: 'realtor', summary: 'Create a site',
    body: ZCreateSiteBody,
    responses: { 201: { description: 'Created', schema: ZSiteJson } },
    handler: async (ctx, { body, tenant }) => {
      ctx.status = 201;
      ctx.body = json(await createSite({ em: ctx.state.em, tenant, input: body }));
    },
  });
  routes.add({
    method: 'get', path: '/v1/sites/:id', tag: 'sites', auth: 'realtor', summary: 'Read a site',
    responses: { 200: { description: 'Site', schema: ZSiteJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { params, tenant }) => {
      ctx.body = json(await getSite({ em: ctx.state.em, tenant, siteId: params.id }));
    },
  });
  routes.add({
    method: 'patch', path: '/v1/sites/:id', tag: 'sites', auth: 'realtor', summary: 'Update a site',
    body: ZUpdateSiteBody,
    responses: { 200: { description: 'Updated', schema: ZSiteJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { params, body, tenant }) => {
      ctx.body = json(await updateSite({ em: ctx.state.em, tenant, siteId: params.id, input: body }));
    },
  });
  routes.add({
    method: 'delete', path: '/v1/sites/:id', tag: 'sites', auth: 'realtor', summary: 'Delete a site and its analytics events (leads and inquiries are kept)',
    responses: {
      204: { description: 'Deleted' }, 404: { description: 'Unknown site' },
      409: { description: 'The site has held submissions in Filtered (details.heldSubmissions): release or delete them first' },
    },
    handler: async (ctx, { params, tenant }) => {
      const { wakeups } = await deleteSite({ em: ctx.state.em, tenant, siteId: params.id });
      // The rescoring of the leads whose events went with the site (flagged in its transaction).
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.status = 204;
    },
  });
  routes.add({
    method: 'get', path: '/v1/sites/:id/install-status', tag: 'sites', auth: 'realtor',
    summary: 'The install check: last event and its origin, and requests refused per origin in the last hour (the admin polls it)',
    responses: { 200: { description: 'Install status', schema: ZInstallStatusJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = await getInstallStatus({ em: ctx.state.em, redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, tenant, siteId: params.id, now });
    },
  });
  routes.add({
    method: 'post', path: '/v1/sites/:id/allowed-origins', tag: 'sites', auth: 'realtor',
    summary: 'Allow one more origin (the install check\'s "add this origin")',
    body: ZAddOriginBody,
    responses: { 200: { description: 'The site', schema: ZSiteJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { params, body, tenant }) => {
      ctx.body = json(await addAllowedOrigin({ em: ctx.state.em, tenant, siteId: params.id, origin: body.origin }));
    },
  });
  routes.add({
    method: 'post', path: '/v1/sites/:id/test-inquiry', tag: 'sites', auth: 'realtor',
    summary: 'Send a test inquiry as the widget form would, from the site\'s first allowed origin (lead "Test inquiry"); it replaces the previous test inquiry',
    responses: { 201: { description: 'Stored', schema: ZTestInquiryJson }, 404: { description: 'Unknown site' }, 409: { description: 'No allowed origin, or the site is disabled' } },
    handler: async (ctx, { params, tenant, now }) => {
      const { leadCreated, ...sent } = await sendTestInquiry({
        em: ctx.state.em, queues: deps.queues, config: deps.config, log: ctx.state.log, tenant, siteId: params.id, now,
      });
      // The first test of a site creates its test lead: the open admins hear of it (after the commit).
      if (leadCreated) await publishLeadEvents({ em: ctx.state.em, publisher: deps.live, type: 'lead.created', leadIds: [sent.leadId], log: ctx.state.log });
      ctx.status = 201;
      ctx.body = sent;
    },
  });
}
