import { AppError } from '../errors.ts';
import { IMPORT_FIELDS, IMPORT_IDENTITY_FIELDS, type ImportField } from './import-schemas.ts';

// Which column of an imported CSV fills which lead field (docs/import.md, "Columns recognised").
// Headers are compared case-insensitively with spaces, underscores and dashes removed, so
// "E-mail", "email_address" and "Email Address" are one header. Porchlight's own export
// (EXPORT_COLUMNS) maps name, email, phone, contactInfo, status, createdAt and stage; its other
// columns (leadId, score, …) match nothing and are ignored.

/**
 * The headers each field is recognised by, most wanted first: when several columns match one field
 * the column of the earliest alias wins (ties: the leftmost). So Outlook's "Mobile Phone" fills the
 * phone rather than its "Home Phone" further left, and Google Contacts' "E-mail 1 - Value" the email.
 */
const HEADER_ALIASES: Record<ImportField, readonly string[]> = {
  name: ['name', 'full name', 'fullname', 'contact', 'contact name', 'client name', 'lead name', 'display name'],
  firstName: ['first name', 'firstname', 'given name', 'first'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'last'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'primary email', 'email 1', 'e-mail 1 - value', 'email 1 - value', 'mail', 'personal email', 'home email', 'work email'],
  // A mobile first: a realtor texts.
  phone: [
    'mobile', 'mobile phone', 'cell', 'cell phone', 'mobile number', 'phone', 'phone number', 'telephone', 'primary phone', 'phone 1', 'phone 1 - value', 'tel',
    'home phone', 'business phone', 'work phone',
  ],
  contactInfo: ['notes', 'note', 'contact info', 'contactinfo', 'other contact', 'comments', 'comment', 'description'],
  status: ['status', 'lead status'],
  stage: ['stage', 'pipeline stage', 'deal stage'],
  createdAt: ['created', 'createdat', 'created at', 'date added', 'added', 'created date', 'date created'],
};

/** "E-mail Address" → "emailaddress". */
export function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/** Normalised header → its field and the alias's rank (0: most wanted). */
const FIELD_BY_HEADER = new Map<string, { field: ImportField; rank: number }>(
  IMPORT_FIELDS.flatMap((field) => HEADER_ALIASES[field].map((alias, rank) => [normaliseHeader(alias), { field, rank }] as const)),
);

/** The field each header maps to: each field goes to one column, the one of its most wanted alias (leftmost on a tie); the others stay unmapped. */
export function detectColumns(headers: readonly string[]): Array<ImportField | null> {
  const matches = headers.map((header) => FIELD_BY_HEADER.get(normaliseHeader(header)) ?? null);
  const best = new Map<ImportField, number>();
  for (const [i, m] of matches.entries()) {
    if (!m) continue;
    const held = best.get(m.field);
    if (held === undefined || m.rank < (matches[held]?.rank ?? Number.POSITIVE_INFINITY)) best.set(m.field, i);
  }
  return matches.map((m, i) => (m && best.get(m.field) === i ? m.field : null));
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
