import { Readable } from 'node:stream';
import { addLeadInquiry, listLeadInquiries } from '#core/inquiries/lead-inquiries.ts';
import { ZAddInquiryBody, ZInquiryJson, ZListInquiriesQuery } from '#core/inquiries/lead-inquiry-schemas.ts';
import { exportLeadsCsv } from '#core/leads/export-leads-csv.ts';
import { ZCreateLeadBody, ZLeadFilters, ZLeadJson, ZListLeadsQuery, ZTimelineItem, ZTimelineQuery, ZUpdateLeadBody } from '#core/leads/lead-schemas.ts';
import { getLeadTimeline } from '#core/leads/lead-timeline.ts';
import { createLead, deleteLead, getLead, updateLead } from '#core/leads/leads.ts';
import { listLeads } from '#core/leads/list-leads.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import type { AppServices } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

const notFound = { 404: { description: '`not_found`: no such lead for this user (also another user’s lead)' } };
const invalid = { 400: { description: '`validation_failed` with issue paths' } };

/** The realtor's leads, their inquiries and timeline, and the CSV export. See docs/api-leads.md. */
export function mountLeadRoutes(routes: RouteRegistry, deps: AppServices): void {
  const { live } = deps;
  routes.add({
    method: 'get', path: '/v1/leads', tag: 'leads', auth: 'realtor',
    summary: 'List leads (keyset pages; sort score | last_activity | created; filter band, status, site, stageId, importId, ids; search q)',
    query: ZListLeadsQuery,
    responses: { 200: { description: 'A page of leads', schema: listOf(ZLeadJson) }, ...invalid, 404: { description: '`not_found`: unknown site, stage or import (also another account’s)' } },
    handler: async (ctx, { query, tenant }) => {
      const { cursor, limit, ...filters } = query;
      ctx.body = await listLeads({ em: ctx.state.em, tenant, filters, cursor, limit });
    },
  });

  // Before /v1/leads/:id, which would answer "export.csv" as a malformed id (404).
  routes.add({
    method: 'get', path: '/v1/leads/export.csv', tag: 'leads', auth: 'realtor',
    summary: 'Export the filtered lead list as CSV (streamed; spreadsheet formulas neutralised)',
    query: ZLeadFilters,
    responses: { 200: { description: 'text/csv attachment' }, ...invalid, 404: { description: '`not_found`: unknown site, stage or import (also another account’s)' } },
    handler: async (ctx, { query, tenant, now }) => {
      const chunks = await exportLeadsCsv({ em: ctx.state.em, tenant, filters: query });
      const stream = Readable.from(chunks);
      stream.on('error', (err) => ctx.state.log.error({ err }, 'CSV export failed mid-stream'));
      ctx.set('Content-Type', 'text/csv; charset=utf-8');
      ctx.set('Content-Disposition', `attachment; filename="leads-${now.toISOString().slice(0, 10)}.csv"`);
      ctx.body = stream;
    },
  });

  routes.add({
    method: 'post', path: '/v1/leads', tag: 'leads', auth: 'realtor', summary: 'Create a lead by hand',
    body: ZCreateLeadBody,
    responses: {
      201: { description: 'Created', schema: ZLeadJson }, ...invalid,
      404: { description: '`not_found`: siteId is not one of your sites' },
      409: { description: '`conflict`: another lead has this email or phone (details name it)' },
    },
    handler: async (ctx, { body, tenant, now }) => {
      const { lead, wakeups } = await createLead({ em: ctx.state.em, tenant, input: body, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      await publishLeadEvents({ em: ctx.state.em, publisher: live, type: 'lead.created', leadIds: [lead.leadId], log: ctx.state.log });
      ctx.status = 201;
      ctx.body = lead;
    },
  });

  routes.add({
    method: 'get', path: '/v1/leads/:id', tag: 'leads', auth: 'realtor', summary: 'Read a lead with its score breakdown',
    responses: { 200: { description: 'Lead', schema: ZLeadJson }, ...notFound },
    handler: async (ctx, { params, tenant }) => {
      ctx.body = await getLead({ em: ctx.state.em, tenant, leadId: params.id });
    },
  });

  routes.add({
    method: 'patch', path: '/v1/leads/:id', tag: 'leads', auth: 'realtor', summary: 'Update name, contact info, email, phone or status',
    body: ZUpdateLeadBody,
    responses: { 200: { description: 'Updated', schema: ZLeadJson }, ...invalid, ...notFound, 409: { description: '`conflict`: another lead has this email or phone' } },
    handler: async (ctx, { params, body, tenant, now }) => {
      const { lead, wakeups } = await updateLead({ em: ctx.state.em, tenant, leadId: params.id, input: body, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.body = lead;
    },
  });

  routes.add({
    method: 'delete', path: '/v1/leads/:id', tag: 'leads', auth: 'realtor',
    summary: 'Erase a lead: its inquiries, events, reminders, visitor ids and outbox messages',
    responses: { 204: { description: 'Erased' }, ...notFound },
    handler: async (ctx, { params, tenant, now }) => {
      const { wakeups, ...erased } = await deleteLead({ em: ctx.state.em, tenant, leadId: params.id, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.state.log.info({ leadId: params.id, ...erased }, 'lead erased');
      ctx.status = 204;
    },
  });

  routes.add({
    method: 'get', path: '/v1/leads/:id/timeline', tag: 'leads', auth: 'realtor', summary: 'A lead’s events and inquiries, newest first',
    query: ZTimelineQuery,
    responses: { 200: { description: 'A page of the timeline', schema: listOf(ZTimelineItem) }, ...invalid, ...notFound },
    handler: async (ctx, { params, query, tenant }) => {
      ctx.body = await getLeadTimeline({ em: ctx.state.em, tenant, leadId: params.id, cursor: query.cursor, limit: query.limit });
    },
  });

  routes.add({
    method: 'get', path: '/v1/leads/:id/inquiries', tag: 'leads', auth: 'realtor', summary: 'A lead’s inquiries, newest first',
    query: ZListInquiriesQuery,
    responses: { 200: { description: 'A page of inquiries', schema: listOf(ZInquiryJson) }, ...invalid, ...notFound },
    handler: async (ctx, { params, query, tenant }) => {
      ctx.body = await listLeadInquiries({ em: ctx.state.em, tenant, leadId: params.id, cursor: query.cursor, limit: query.limit });
    },
  });

  routes.add({
    method: 'post', path: '/v1/leads/:id/inquiries', tag: 'leads', auth: 'realtor',
    summary: 'Record an inquiry (source manual from a session, api with an API key); the lead is rescored',
    body: ZAddInquiryBody,
    responses: { 201: { description: 'Created', schema: ZInquiryJson }, ...invalid, ...notFound },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.status = 201;
      ctx.body = await addLeadInquiry({
        em: ctx.state.em, queues: deps.queues, tenant, leadId: params.id, input: body, now, log: ctx.state.log, config: deps.config,
        source: ctx.state.auth?.via === 'apiKey' ? 'api' : 'manual',
      });
    },
  });
}
