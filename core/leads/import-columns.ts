import { AppError } from '../errors.ts';
import { IMPORT_FIELDS, IMPORT_IDENTITY_FIELDS, type ImportField } from './import-schemas.ts';

// Which column of an imported CSV fills which lead field (docs/import.md, "Columns recognised").
// Headers are compared case-insensitively with spaces, underscores and dashes removed, so
// "E-mail", "email_address" and "Email Address" are one header. Porchlight's own export
// (EXPORT_COLUMNS) maps name, email, phone, contactInfo, status, createdAt and stage; its other
// columns (leadId, score, …) match nothing and are ignored.

/** Normalised header → field. */
const HEADER_ALIASES: Record<ImportField, readonly string[]> = {
  name: ['name', 'full name', 'fullname', 'contact', 'contact name', 'client name', 'lead name'],
  firstName: ['first name', 'firstname', 'given name', 'first'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'last'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'primary email', 'mail'],
  phone: ['phone', 'phone number', 'mobile', 'cell', 'mobile phone', 'cell phone', 'telephone', 'primary phone', 'tel'],
  contactInfo: ['notes', 'note', 'contact info', 'contactinfo', 'other contact', 'comments', 'comment'],
  status: ['status', 'lead status'],
  stage: ['stage', 'pipeline stage', 'deal stage'],
  createdAt: ['created', 'createdat', 'created at', 'date added', 'added', 'created date', 'date created'],
};

/** "E-mail Address" → "emailaddress". */
export function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

const FIELD_BY_HEADER = new Map<string, ImportField>(
  IMPORT_FIELDS.flatMap((field) => HEADER_ALIASES[field].map((alias) => [normaliseHeader(alias), field] as const)),
);

/** The field each header maps to; a field already taken by an earlier column leaves a later one unmapped. */
export function detectColumns(headers: readonly string[]): Array<ImportField | null> {
  const taken = new Set<ImportField>();
  return headers.map((header) => {
    const field = FIELD_BY_HEADER.get(normaliseHeader(header)) ?? null;
    if (!field || taken.has(field)) return null;
    taken.add(field);
    return field;
  });
}

/**
 * The mapping an import uses: `override` (one entry per header column) when given, else the
 * detected one. 400 `validation_failed` when the override has the wrong length or maps a field
 * twice, or when no column can name a person (name, first or last name, email, phone).
 */
export function resolveColumns(headers: readonly string[], override: ReadonlyArray<ImportField | null> | undefined): Array<ImportField | null> {
  let fields: Array<ImportField | null>;
  if (override) {
    if (override.length !== headers.length) {
      throw new AppError('validation_failed', 'The request is not valid', [
        { path: 'columns', message: `Give one entry per column of the header row (${headers.length}), not ${override.length}` },
      ]);
    }
    const seen = new Set<ImportField>();
    for (const [i, field] of override.entries()) {
      if (!field) continue;
      if (seen.has(field)) throw new AppError('validation_failed', 'The request is not valid', [{ path: `columns.${i}`, message: `${field} is mapped by more than one column` }]);
      seen.add(field);
    }
    fields = [...override];
  } else {
    fields = detectColumns(headers);
  }
  if (!fields.some((f) => f && IMPORT_IDENTITY_FIELDS.includes(f))) {
    throw new AppError('validation_failed', 'No column holds a name, an email address or a phone number', [
      { path: override ? 'columns' : 'csv', message: 'Map a column to name, firstName, lastName, email or phone (the header row names none of them)' },
    ]);
  }
  return fields;
}
