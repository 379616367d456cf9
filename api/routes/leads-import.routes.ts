import { ownerIdOf } from '#core/accounts/tenant.ts';
import { importLeads } from '#core/leads/import-leads.ts';
import {
  IMPORT_BODY_LIMIT_BYTES, IMPORT_MAX_CSV_CHARS, IMPORT_MAX_ROWS, IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR, IMPORTS_LIST_MAX, IMPORTS_PER_ACCOUNT_PER_HOUR, ZImportLeadsBody, ZImportLeadsResult, ZLeadImportsJson,
  ZUndoImportResult,
} from '#core/leads/import-schemas.ts';
import { listLeadImports } from '#core/leads/list-lead-imports.ts';
import { undoLeadImport } from '#core/leads/undo-lead-import.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import type { AppServices } from '../deps.ts';
import { createLimiter } from '../middleware/rate-limit.ts';
import type { RouteRegistry } from '../route.ts';
import { createWorkSlots } from '../work-slots.ts';

/**
 * Imports and dry runs at once per API process: the largest file holds ~10–15 MB of the API's
 * capped heap while it is read (scripts/node-flags.ts; test/api-heap.int.test.ts sends four at
 * once). The others wait their turn, up to IMPORT_SLOT_WAIT_MS, then 503 with Retry-After.
 */
export const IMPORT_SLOTS = 2;
export const IMPORT_SLOT_WAIT_MS = 60_000;

/**
 * The CSV contact import (docs/import.md): import (or dry-run) a file, list the imports, undo one.
 * Mounted before the lead routes: `/v1/leads/import` and `/v1/leads/imports` are not lead ids.
 */
export function mountLeadImportRoutes(routes: RouteRegistry, deps: AppServices): void {
  const { config, redis, logger, queues } = deps;
  const perHour = (name: string, points: number) => createLimiter({ redis, prefix: config.QUEUE_PREFIX, logger, name, points, durationSec: 3600 });
  // Imports and dry runs have budgets of their own: a file is re-checked at every mapping change.
  const imports = perHour('lead-import', IMPORTS_PER_ACCOUNT_PER_HOUR);
  const checks = perHour('lead-import-check', IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR);
  const slots = createWorkSlots({ size: IMPORT_SLOTS, maxWaitMs: IMPORT_SLOT_WAIT_MS, what: 'imports' });

  routes.add({
    method: 'post', path: '/v1/leads/import', tag: 'leads', auth: 'realtor',
    summary: 'Import contacts from a CSV file (or, with dryRun, see what an import would do): all or nothing, duplicates skipped',
    body: ZImportLeadsBody,
    bodyLimitBytes: IMPORT_BODY_LIMIT_BYTES,
    responses: {
      200: { description: 'A dry run: the column mapping, the counts, the first issues and a preview; nothing written', schema: ZImportLeadsResult },
      201: { description: 'Imported: `importId` names the import (undo with DELETE /v1/leads/imports/:id)', schema: ZImportLeadsResult },
      400: {
        description: `\`validation_failed\`: the body (issue paths), CSV that cannot be parsed (details give the line), more than ${IMPORT_MAX_ROWS} rows or ${IMPORT_MAX_CSV_CHARS} characters, `
          + 'no column for a name, email or phone, a `columns` override of the wrong length or mapping a field other than email or phone twice, or nothing to import',
      },
      404: { description: '`not_found`: siteId is not one of your sites' },
      413: { description: '`payload_too_large`: a body over 3 MB' },
      503: { description: `\`unavailable\` (Retry-After): more than ${IMPORT_SLOTS} imports or dry runs were running on this server for ${IMPORT_SLOT_WAIT_MS / 1000} s` },
      429: { description: `\`rate_limited\` (Retry-After): more than ${IMPORTS_PER_ACCOUNT_PER_HOUR} imports, or ${IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR} dry runs, per account per hour` },
    },
    handler: async (ctx, { body, tenant, now }) => {
      await (body.dryRun ? checks : imports).consume(ownerIdOf(tenant));
      const { result, wakeups } = await slots.run(() => importLeads({ em: ctx.state.em, tenant, input: body, now, config }));
      await enqueueAfterCommit(queues, wakeups, ctx.state.log);
      if (!result.dryRun) ctx.state.log.info({ importId: result.importId, created: result.toCreate, duplicates: result.duplicates, invalid: result.invalid }, 'leads imported');
      ctx.status = result.dryRun ? 200 : 201;
      ctx.body = result;
    },
  });

  routes.add({
    method: 'get', path: '/v1/leads/imports', tag: 'leads', auth: 'realtor',
    summary: `Your latest ${IMPORTS_LIST_MAX} CSV imports, newest first, each with the leads it still has`,
    responses: { 200: { description: 'The imports', schema: ZLeadImportsJson } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await listLeadImports({ em: ctx.state.em, tenant });
    },
  });

  routes.add({
    method: 'delete', path: '/v1/leads/imports/:id', tag: 'leads', auth: 'realtor',
    summary: 'Undo an import: erase every lead still carrying its id, as DELETE /v1/leads/:id erases one',
    responses: {
      200: { description: '`deleted`: the leads erased (0 when nothing is left, e.g. a second undo)', schema: ZUndoImportResult },
      404: { description: '`not_found`: no such import for this account (also another account’s)' },
    },
    handler: async (ctx, { params, tenant, now }) => {
      const { deleted, wakeups } = await undoLeadImport({ em: ctx.state.em, tenant, importId: params.id, now, config });
      await enqueueAfterCommit(queues, wakeups, ctx.state.log);
      ctx.state.log.info({ importId: params.id, deleted }, 'lead import undone');
      ctx.body = { deleted };
    },
  });
}
