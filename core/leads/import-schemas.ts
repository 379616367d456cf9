import { z } from 'zod';
import { CONTACT_ACTIVITY_TYPES, LEAD_STATUSES } from '../shared/enums.ts';
import { plainText } from '../validation/plain-text.ts';
import { IMPORT_FIELDS, IMPORT_MAX_CSV_CHARS, type ImportField } from '../shared/import-rules.ts';

// The CSV contact import (docs/import.md): `POST /v1/leads/import`, `GET /v1/leads/imports`,
// `DELETE /v1/leads/imports/:id`. The shapes are a contract with the admin's import page.

/** Most data rows one file may hold (blank rows not counted). */
export const IMPORT_MAX_ROWS = 5000;
/** The route's body limit: the CSV JSON-escaped (quotes and line breaks doubled in size) with room to spare. */
export const IMPORT_BODY_LIMIT_BYTES = 3 * 1024 * 1024;
/** Imports (requests that write) per account per hour. */
export const IMPORTS_PER_ACCOUNT_PER_HOUR = 20;
/**
 * Dry runs per account per hour: a realtor fixing a wide file re-checks it at every change of a
 * column's mapping or of the default status, so checks get a budget of their own, ten times the imports'.
 */
export const IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR = 200;
/** Issues an answer lists (in line order); the counts cover them all. */
export const IMPORT_ISSUES_MAX = 200;
/** Rows to create an answer previews. */
export const IMPORT_PREVIEW_MAX = 20;
/** Imports `GET /v1/leads/imports` lists (the latest). */
export const IMPORTS_LIST_MAX = 20;
/** Most header columns a `columns` override may map (a wider file maps the rest automatically). */
export const IMPORT_MAX_COLUMNS = 500;
/** Longest file name stored with an import. */
export const IMPORT_FILE_NAME_MAX_CHARS = 255;

export { IMPORT_FIELDS, IMPORT_MAX_CSV_CHARS, type ImportField, MULTI_COLUMN_FIELDS } from '../shared/import-rules.ts';
/** A file must map at least one of these, or no row could name a person. */
export const IMPORT_IDENTITY_FIELDS: readonly ImportField[] = ['name', 'firstName', 'lastName', 'email', 'phone'];

const ZImportField = z.enum(IMPORT_FIELDS);
const ZStatus = z.enum(LEAD_STATUSES);

/** `POST /v1/leads/import`. */
export const ZImportLeadsBody = z.strictObject({
  csv: z.string().max(IMPORT_MAX_CSV_CHARS, `At most ${IMPORT_MAX_CSV_CHARS} characters`),
  fileName: plainText(IMPORT_FILE_NAME_MAX_CHARS).transform((s) => s.trim() || null).optional(),
  dryRun: z.boolean().default(false),
  defaultStatus: ZStatus.default('contacted'),
  siteId: z.uuid('Not a site id').nullish(),
  notifyWebhooks: z.boolean().default(false),
  /** The activity a row's `lastContactedAt` date is logged as (a contact: it sets the lead's first and last contact). */
  contactType: z.enum(CONTACT_ACTIVITY_TYPES).default('call'),
  /** One entry per header column, overriding auto-detection (`null`: ignore the column). */
  columns: z.array(ZImportField.nullable()).max(IMPORT_MAX_COLUMNS).optional(),
});
export type ImportLeadsBody = z.output<typeof ZImportLeadsBody>;

export const IMPORT_ISSUE_KINDS = ['invalid', 'duplicate', 'warning'] as const;
export type ImportIssueKind = (typeof IMPORT_ISSUE_KINDS)[number];

export const ZImportIssue = z.object({
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: z.number().int(),
  kind: z.enum(IMPORT_ISSUE_KINDS),
  field: ZImportField.nullable(),
  message: z.string(),
  /** For a duplicate of an existing lead: that lead. */
  leadId: z.uuid().optional(),
});
export type ImportIssue = z.output<typeof ZImportIssue>;

export const ZImportPreviewRow = z.object({
  line: z.number().int(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  status: ZStatus,
  /** The matched stage's label. */
  stage: z.string().nullable(),
  contactInfo: z.string().nullable(),
  createdAt: z.string(),
  /** The last contact the row names, logged as a `contactType` activity on the lead. */
  lastContactedAt: z.string().nullable(),
});
export type ImportPreviewRow = z.output<typeof ZImportPreviewRow>;

/** The answer of `POST /v1/leads/import` (200 for a dry run, 201 for an import). */
export const ZImportLeadsResult = z.object({
  dryRun: z.boolean(),
  importId: z.uuid().nullable(),
  columns: z.array(z.object({
    index: z.number().int(),
    header: z.string(),
    field: ZImportField.nullable(),
    /** When several columns fill this column's field (email, phone): its place in the order a row tries them, from 1. */
    choice: z.number().int().optional(),
  })),
  /** Non-blank data rows. */
  rows: z.number().int(),
  /** Rows that create (dry run) or created (import) a lead. */
  toCreate: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  warnings: z.number().int(),
  issues: z.array(ZImportIssue),
  issuesTruncated: z.boolean(),
  preview: z.array(ZImportPreviewRow),
});
export type ImportLeadsResult = z.output<typeof ZImportLeadsResult>;

/** One import in `GET /v1/leads/imports`. */
export const ZLeadImportJson = z.object({
  importId: z.uuid(),
  fileName: z.string().nullable(),
  createdAt: z.string(),
  created: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  /** Leads still carrying the import id (what an undo would delete). */
  remaining: z.number().int(),
  undoneAt: z.string().nullable(),
  notifyWebhooks: z.boolean(),
});
export type LeadImportJson = z.output<typeof ZLeadImportJson>;

export const ZLeadImportsJson = z.object({ items: z.array(ZLeadImportJson) });
export const ZUndoImportResult = z.object({ deleted: z.number().int() });
