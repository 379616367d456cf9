// The CSV contact import part of the API client (docs/import.md), beside api-client.ts: types
// from core's zod schemas (`import type` only), calls through the same `api` door; the limit and
// the fields come from core/shared, as the server's schemas do.
import type { z } from 'zod';
import type {
  ImportField, ImportIssue, ImportIssueKind, ImportPreviewRow, ZImportLeadsBody, ZImportLeadsResult, ZLeadImportJson, ZLeadImportsJson, ZUndoImportResult,
} from '../core/leads/import-schemas.ts';
import { IMPORT_MAX_CSV_CHARS } from '#core/shared/import-rules.ts';
import { api, type RequestOptions } from './api-client.ts';

export type { ImportField, ImportIssue, ImportIssueKind, ImportPreviewRow };
export type ImportLeadsInput = z.input<typeof ZImportLeadsBody>;
/** A dry run's or an import's answer: the mapping, the counts, the first issues and rows. */
export type ImportLeadsResult = z.output<typeof ZImportLeadsResult>;
/** One import of the account, as "Recent imports" lists it. */
export type LeadImport = z.output<typeof ZLeadImportJson>;

export { IMPORT_MAX_CSV_CHARS };

/**
 * What a column can fill, in the order the mapping selects offer them, with their labels. A
 * Record, so a field the server adds fails the typecheck here until it has a label.
 */
export const IMPORT_FIELD_LABELS: Record<ImportField, string> = {
  name: 'Full name',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  phone: 'Phone',
  contactInfo: 'Other contact info',
  status: 'Status',
  stage: 'Pipeline stage',
  createdAt: 'Date added',
  lastContactedAt: 'Last contacted',
};

export { IMPORT_FIELDS, MULTI_COLUMN_FIELDS } from '#core/shared/import-rules.ts';

const importPath = (id: string) => `/v1/leads/imports/${encodeURIComponent(id)}`;

export const importApi = {
  /** Reads the file and answers what an import would do; writes nothing. */
  check: (input: Omit<ImportLeadsInput, 'dryRun'>) => api.post<ImportLeadsResult>('/v1/leads/import', { ...input, dryRun: true }),
  /** Creates the leads, all or none (400 `validation_failed` when there is nothing to create). */
  run: (input: Omit<ImportLeadsInput, 'dryRun'>) => api.post<ImportLeadsResult>('/v1/leads/import', input),
  /** The latest imports of the account, newest first. */
  list: (opts?: RequestOptions) => api.get<z.output<typeof ZLeadImportsJson>>('/v1/leads/imports', opts),
  /** Deletes the leads that still carry the import's id (0 after a first undo). */
  undo: (importId: string) => api.delete<z.output<typeof ZUndoImportResult>>(importPath(importId)),
};
