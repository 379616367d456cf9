import { ZDeleteFilteredQuery, ZFilteredListJson, ZListFilteredQuery, ZReleasedInquiryJson } from '#core/inquiries/filtered-inquiry-schemas.ts';
import { deleteAllFilteredInquiries, deleteFilteredInquiry, listFilteredInquiries, releaseFilteredInquiry } from '#core/inquiries/filtered-inquiries.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import { ZLeadJson } from '#core/leads/lead-schemas.ts';
import { ZReportedContactJson } from '#core/leads/reported-contact-schemas.ts';
import { adoptReportedContact, dismissReportedContact, listReportedContacts } from '#core/leads/reported-contacts.ts';
import { z } from 'zod';
import type { AppServices } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/**
 * What the public form reported but did not establish: the Filtered list (widget submissions
 * held back during a flood, docs/inquiry-flood.md) and the contact details reported for existing
 * leads (docs/lead-poisoning.md).
 */
export function mountFilteredRoutes(routes: RouteRegistry, deps: AppServices): void {
  const unknownHeld = { 404: { description: 'Unknown filtered inquiry' } };
  routes.add({
    method: 'get', path: '/v1/filtered-inquiries', tag: 'inquiries', auth: 'realtor',
    summary: 'List widget submissions held back while their site was over its inquiry budget (newest first; `site` narrows to one site)',
    query: ZListFilteredQuery,
    responses: { 200: { description: 'Held submissions, with their total', schema: ZFilteredListJson }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { query, tenant }) => {
      ctx.body = await listFilteredInquiries({ em: ctx.state.em, tenant, siteId: query.site, cursor: query.cursor, limit: query.limit });
    },
  });
  routes.add({
    method: 'post', path: '/v1/filtered-inquiries/:id/release', tag: 'inquiries', auth: 'realtor',
    summary: 'Release a held submission: it becomes a normal inquiry (lead, score, alerts and webhooks follow)',
    responses: { 200: { description: 'Released', schema: ZReleasedInquiryJson }, ...unknownHeld },
    handler: async (ctx, { params, tenant, now }) => {
      const released = await releaseFilteredInquiry({ em: ctx.state.em, queues: deps.queues, tenant, filteredInquiryId: params.id, now, log: ctx.state.log, config: deps.config });
      // A lead the release created: the open admins hear of it like an inquiry's lead (after the commit).
      if (released.leadCreated && released.leadId) await publishLeadEvents({ em: ctx.state.em, publisher: deps.live, type: 'lead.created', leadIds: [released.leadId], log: ctx.state.log });
      ctx.body = released;
    },
  });
  routes.add({
    method: 'delete', path: '/v1/filtered-inquiries/:id', tag: 'inquiries', auth: 'realtor', summary: 'Delete a held submission for good',
    responses: { 204: { description: 'Deleted' }, ...unknownHeld },
    handler: async (ctx, { params, tenant }) => {
      await deleteFilteredInquiry({ em: ctx.state.em, tenant, filteredInquiryId: params.id });
      ctx.status = 204;
    },
  });
  routes.add({
    method: 'delete', path: '/v1/filtered-inquiries', tag: 'inquiries', auth: 'realtor', summary: 'Delete every held submission (of one site with `site`; received at or before `receivedUpTo`)',
    query: ZDeleteFilteredQuery,
    responses: { 200: { description: 'How many were deleted', schema: z.object({ deleted: z.number().int() }) }, 404: { description: 'Unknown site' } },
    handler: async (ctx, { query, tenant }) => {
      ctx.body = await deleteAllFilteredInquiries({ em: ctx.state.em, tenant, siteId: query.site, receivedUpTo: query.receivedUpTo });
    },
  });

  const unknownReport = { 404: { description: 'Unknown reported contact' } };
  routes.add({
    method: 'get', path: '/v1/leads/:id/reported-contacts', tag: 'leads', auth: 'realtor',
    summary: 'Contact details the public form or an identify event reported for this lead, kept beside it (never written into it)',
    // Not paged (a lead has a handful): no parameters, and an unknown one is a 400 as on every list.
    query: z.strictObject({}),
    responses: { 200: { description: 'Reported contacts, latest report first', schema: z.object({ items: z.array(ZReportedContactJson) }) }, 404: { description: 'Unknown lead' } },
    handler: async (ctx, { params, tenant }) => {
      ctx.body = await listReportedContacts({ em: ctx.state.em, tenant, leadId: params.id });
    },
  });
  routes.add({
    method: 'post', path: '/v1/reported-contacts/:id/adopt', tag: 'leads', auth: 'realtor',
    summary: 'Make a reported detail the lead’s own email, phone or name (409 when another lead holds it)',
    responses: {
      200: { description: 'The lead as updated, and the report', schema: z.object({ lead: ZLeadJson, reportedContact: ZReportedContactJson }) },
      409: { description: 'Another lead already has this email or phone' }, ...unknownReport,
    },
    handler: async (ctx, { params, tenant, now }) => {
      const { wakeups, ...result } = await adoptReportedContact({ em: ctx.state.em, tenant, reportedContactId: params.id, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.body = result;
    },
  });
  routes.add({
    method: 'delete', path: '/v1/reported-contacts/:id', tag: 'leads', auth: 'realtor', summary: 'Dismiss a reported detail (the lead is unchanged)',
    responses: { 204: { description: 'Dismissed' }, ...unknownReport },
    handler: async (ctx, { params, tenant }) => {
      await dismissReportedContact({ em: ctx.state.em, tenant, reportedContactId: params.id });
      ctx.status = 204;
    },
  });
}
